// The README's launch-link snippets, run as a reader would run them (Python with PyJWT, Node with
// jose), against the worker: each prints a link whose token signs the agent in. They are read
// from the README itself, so the documentation cannot drift from what works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request, freshClient } from '../support/client.mjs';
import { SECRETS, REPO, OUTPUT } from '../support/env.mjs';

/** The code block that follows `<!-- launch-snippet:<name> -->` in the README. */
function snippet(name) {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const found = readme.match(new RegExp(`<!-- launch-snippet:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``));
  assert.ok(found, `README has a ${name} launch snippet`);
  return found[1];
}

const ENV = {
  ...process.env,
  DESKGATE: 'https://acme.localhost', // https://<account>.<BASE_DOMAIN> of the test run
  LAUNCH_ISSUER: SECRETS.acme_launch_issuer,
  LAUNCH_SECRET: SECRETS.acme_launch_secret,
  AGENT_ID: 'snippet-7',
  AGENT_NAME: 'Grace Hopper',
};

async function signsIn(printed, lang) {
  const link = printed.trim();
  assert.match(link, /^https:\/\/acme\.localhost\/v2\/widget\/genesys#launch=[\w-]+\.[\w-]+\.[\w-]+$/, `${lang} printed ${link}`);
  const token = link.slice(link.indexOf('#launch=') + '#launch='.length);
  const res = await request('POST', '/apis/admin/session/launch/', {
    headers: { 'CF-Connecting-IP': freshClient() }, body: { launch: token, platform: 'genesys' },
  });
  assert.equal(res.status, 200, `${lang}: ${res.text}`);
  assert.deepEqual([res.json.user.id, res.json.user.name, res.json.amr], ['snippet-7', 'Grace Hopper', ['launch']]);
}

test('the README\'s Python snippet (PyJWT) prints a launch link that signs the agent in', async () => {
  const run = spawnSync('python3', ['-c', snippet('python')], { env: ENV, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  await signsIn(run.stdout, 'python');
});

test('the README\'s Node snippet (jose) prints a launch link that signs the agent in', async () => {
  // Next to the repository's node_modules, so `jose` resolves as it would in a project.
  mkdirSync(OUTPUT, { recursive: true });
  const file = join(OUTPUT, `launch-snippet-${process.pid}.mjs`);
  writeFileSync(file, snippet('node'));
  const run = spawnSync(process.execPath, [file], { env: ENV, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  await signsIn(run.stdout, 'node');
});

test('the README has the C# snippet for a WDE extension, with the claims the others sign', () => {
  const cs = snippet('csharp');
  for (const claim of ['"sub"', '"name"', '"role"', '"jti"', 'Issuer', 'Audience', 'Expires', 'HmacSha256']) {
    assert.ok(cs.includes(claim), claim);
  }
});
