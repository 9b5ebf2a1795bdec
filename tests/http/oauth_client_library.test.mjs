// SPEC §2 through a real OAuth2 client library: Python's requests-oauthlib with its
// BackendApplicationClient fetches a client-credentials token and calls the gateway with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, PORT } from '../support/env.mjs';
import { ownerSession, createService } from '../support/admin.mjs';

test('requests-oauthlib fetches a token with client_secret_basic and calls the gateway', async () => {
  const svc = await createService(await ownerSession(), 'python-partner');
  const run = spawnSync('python3', [join(REPO, 'tests', 'support', 'oauth_client.py')], {
    encoding: 'utf8',
    env: { ...process.env, DESKGATE_PORT: String(PORT), CLIENT_ID: svc.id, CLIENT_SECRET: svc.key },
  });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.token_type, 'Bearer');
  assert.deepEqual(out.scope, ['api.read']);
  assert.equal(out.expires_in, 3600);
  assert.equal(out.gateway_status, 200);
  assert.equal(out.gateway_seen.path, '/partner/orders');
  assert.deepEqual(out.gateway_seen.query, { limit: '5' });
  assert.equal(out.gateway_seen.headers.authorization, undefined);
  assert.ok(out.gateway_seen.headers['x-deskgate-identity']);
});
