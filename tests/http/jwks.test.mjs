// SPEC §7: X-Deskgate-Identity is signed EdDSA with deskgate's own key, published with its kid
// (and the previous key's, during a rotation) at /.well-known/jwks.json; standard libraries —
// jose and PyJWT — verify it from the JWKS alone, and so does the demo upstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, importJWK, calculateJwkThumbprint, decodeProtectedHeader } from 'jose';
import { request, freshClient } from '../support/client.mjs';
import { SECRETS, REPO } from '../support/env.mjs';
import { jwksOf, verifyIdentity } from '../support/identity.mjs';

const PREVIOUS = JSON.parse(readFileSync(join(REPO, 'tests', 'support', 'launch-keys.json'), 'utf8')).identity_previous;

async function identityOfAnAgent() {
  const res = await request('POST', '/apis/admin/session/api-key/', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: 'jwks-1', agent_name: 'J', platform: 'genesys' },
  });
  const seen = await request('GET', '/api/orders', { headers: { Authorization: `Bearer ${res.json.access_token}` } });
  assert.equal(seen.status, 200, seen.text);
  return seen.json;
}

function pyjwt(jwks, token) {
  const run = spawnSync('python3', [join(REPO, 'tests', 'support', 'verify_identity.py'), 'https://acme.localhost'], {
    input: JSON.stringify({ jwks, token }), encoding: 'utf8',
  });
  return run.status === 0 ? JSON.parse(run.stdout) : { refused: run.stderr.trim() };
}

test('the JWKS publishes the current and the previous key, by thumbprint, cacheable five minutes', async () => {
  const res = await request('GET', '/.well-known/jwks.json');
  assert.equal(res.status, 200);
  assert.equal(res.headers['cache-control'], 'public, max-age=300');
  assert.equal(res.json.keys.length, 2);
  for (const key of res.json.keys) {
    assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    assert.deepEqual([key.kty, key.crv, key.alg, key.use], ['OKP', 'Ed25519', 'EdDSA', 'sig']);
    assert.equal(key.kid, await calculateJwkThumbprint(key));
  }
  const current = JSON.parse(SECRETS.IDENTITY_SIGNING_KEY);
  assert.deepEqual(res.json.keys.map((k) => k.x), [current.x, PREVIOUS.x]);
  assert.ok(!res.text.includes(current.d) && !res.text.includes(PREVIOUS.d), 'no private part');
});

test('jose, PyJWT and the demo upstream verify the identity from the JWKS alone', async () => {
  const seen = await identityOfAnAgent();
  const token = seen.headers['x-deskgate-identity'];
  assert.equal(decodeProtectedHeader(token).alg, 'EdDSA');
  const { payload } = await verifyIdentity(token);
  assert.deepEqual([payload.sub, payload.kind, payload.role, payload.acc], ['jwks-1', 'session', 'agent', 'acme']);
  const python = pyjwt(await jwksOf(), token);
  assert.equal(python.sub, 'jwks-1', JSON.stringify(python));
  assert.equal(seen.identity.verified, true, JSON.stringify(seen.identity));
  assert.equal(seen.identity.claims.sub, 'jwks-1');
  // The account's HS256 key, which signs sessions, verifies nothing here: upstreams never need it.
  const tampered = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.alloc(64).toString('base64url')}`;
  assert.match(pyjwt(await jwksOf(), tampered).refused, /InvalidSignatureError/);
});

test('a token of the previous key verifies while that key is still published', async () => {
  const key = await importJWK(PREVIOUS, 'EdDSA');
  const kid = await calculateJwkThumbprint(PREVIOUS);
  const old = await new SignJWT({ sub: 'x', acc: 'acme', kind: 'session', role: 'agent' })
    .setProtectedHeader({ alg: 'EdDSA', kid }).setIssuer('https://acme.localhost').setAudience('deskgate-upstream')
    .setIssuedAt().setExpirationTime('1m').sign(key);
  assert.equal((await verifyIdentity(old)).payload.sub, 'x');
  assert.equal(pyjwt(await jwksOf(), old).sub, 'x');
});
