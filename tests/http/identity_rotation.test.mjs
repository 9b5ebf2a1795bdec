// SPEC §7, rotation of deskgate's identity key without breaking an upstream: a worker still
// signing with the old key (before the rotation), the tier's worker (new key current, old key
// kept as IDENTITY_SIGNING_KEY_PREVIOUS) and a worker where the old key has been removed. The old
// key's tokens verify against the JWKS while it is published, and not once it is gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request, freshClient } from '../support/client.mjs';
import { SECRETS, REPO } from '../support/env.mjs';
import { startWorker } from '../support/worker.mjs';
import { jwksOf, verifyIdentity } from '../support/identity.mjs';
import { createLocalJWKSet, jwtVerify } from 'jose';

const PREVIOUS = JSON.parse(readFileSync(join(REPO, 'tests', 'support', 'launch-keys.json'), 'utf8')).identity_previous;
let before_rotation;
let after_removal;
let passed = 0;

before(async () => {
  [before_rotation, after_removal] = await Promise.all([
    startWorker('identity-old', { prebuilt: true, vars: { IDENTITY_SIGNING_KEY: JSON.stringify(PREVIOUS), IDENTITY_SIGNING_KEY_PREVIOUS: '' } }),
    startWorker('identity-new-only', { prebuilt: true, vars: { IDENTITY_SIGNING_KEY_PREVIOUS: '' } }),
  ]);
});
after(() => {
  before_rotation?.stop(passed === 1);
  after_removal?.stop(passed === 1);
});

async function identityFrom(port) {
  const signIn = await request('POST', '/apis/admin/session/api-key/', {
    port,
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: 'rot-1', agent_name: 'R', platform: 'genesys' },
  });
  const seen = await request('GET', '/api/x', { port, headers: { Authorization: `Bearer ${signIn.json.access_token}` } });
  assert.equal(seen.status, 200, seen.text);
  return seen.json.headers['x-deskgate-identity'];
}

test('an old key\'s identity verifies while the key is published as previous, and not once removed', async () => {
  const old = await identityFrom(before_rotation.port);
  // During the rotation (the tier's worker: new current, old previous) the old token verifies.
  assert.equal((await verifyIdentity(old)).payload.sub, 'rot-1');
  // After the removal, the JWKS holds the new key only, and the old token no longer verifies.
  const removed = await request('GET', '/.well-known/jwks.json', { port: after_removal.port });
  assert.equal(removed.json.keys.length, 1);
  assert.equal(removed.json.keys[0].x, JSON.parse(SECRETS.IDENTITY_SIGNING_KEY).x);
  await assert.rejects(
    jwtVerify(old, createLocalJWKSet(removed.json), { algorithms: ['EdDSA'], audience: 'deskgate-upstream' }),
    (e) => e.code === 'ERR_JWKS_NO_MATCHING_KEY',
  );
  // The worker after the removal signs with the new key, which every JWKS of the rotation has.
  const fresh = await identityFrom(after_removal.port);
  assert.equal((await verifyIdentity(fresh)).payload.sub, 'rot-1');
  assert.equal((await jwksOf()).keys.length, 2);
  passed += 1;
});
