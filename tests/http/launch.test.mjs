// SPEC §6: signed launch links. A launch token signed HS256 with the account's launch secret, or
// ES256 / EdDSA / RS256 with a key of its JWKS (by kid), becomes a session; every refusal is one
// 401 invalid_launch that sets no cookie and writes no session; a jti works once, even when the
// same token is posted many times at once; a launch may give `editor` or `manager`, an API key
// never; an account may have no API key at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, importJWK, decodeJwt, generateKeyPair } from 'jose';
import { request, hostOf, originOf, assertError, cookieValue, freshClient, DESKTOP_ORIGIN } from '../support/client.mjs';
import { SECRETS, REPO } from '../support/env.mjs';
import { signHs256 } from '../support/jwt.mjs';
import { countRows } from '../support/storage.mjs';
import { verifyIdentity } from '../support/identity.mjs';

const PRIVATE = JSON.parse(readFileSync(join(REPO, 'tests', 'support', 'launch-keys.json'), 'utf8')).keys;
const ISSUER = SECRETS.acme_launch_issuer;
const AUDIENCE = 'https://acme.localhost';
const now = () => Math.floor(Date.now() / 1000);
let serial = 0;
const claims = (over = {}) => ({
  iss: ISSUER, aud: AUDIENCE, sub: 'agent-7', name: 'Grace Hopper', jti: `launch-${process.pid}-${++serial}`,
  iat: now(), exp: now() + 120, ...over,
});

/** A launch token signed by jose, as an account's backend would. */
async function signed(alg, payload = claims(), { kid } = {}) {
  const key = alg === 'HS256'
    ? new TextEncoder().encode(SECRETS.acme_launch_secret)
    : await importJWK(PRIVATE[{ ES256: 'es256', EdDSA: 'eddsa', RS256: 'rs256' }[alg]], alg);
  const header = { alg, typ: 'JWT' };
  if (alg !== 'HS256') header.kid = kid ?? PRIVATE[{ ES256: 'es256', EdDSA: 'eddsa', RS256: 'rs256' }[alg]].kid;
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

const launch = (token, { account = 'acme', platform = 'genesys', headers = {} } = {}) =>
  request('POST', '/apis/admin/session/launch/', {
    host: hostOf(account),
    headers: { 'CF-Connecting-IP': freshClient(), ...headers },
    body: { launch: token, platform },
  });

test('a launch token of each algorithm signs the agent in with its role, and says so in amr', async () => {
  for (const alg of ['HS256', 'ES256', 'EdDSA', 'RS256']) {
    const res = await launch(await signed(alg, claims({ role: 'manager' })));
    assert.equal(res.status, 200, `${alg}: ${res.text}`);
    assert.deepEqual(res.json.user, { id: 'agent-7', name: 'Grace Hopper', role: 'manager', account: 'acme', platform: 'genesys' });
    assert.deepEqual(res.json.amr, ['launch']);
    assert.equal(res.cookies.length, 2);
    const jwt = decodeJwt(res.json.access_token);
    assert.deepEqual([jwt.role, jwt.amr], ['manager', ['launch']]);
    const who = await request('GET', '/v1/whoami', { headers: { Authorization: `Bearer ${res.json.access_token}` } });
    assert.deepEqual([who.json.role, who.json.amr], ['manager', ['launch']]);
    const session = await request('GET', '/apis/admin/session/', { headers: { Cookie: `__Host-deskgate_session=${cookieValue(res.cookies, '__Host-deskgate_session')}` } });
    assert.deepEqual(session.json.amr, ['launch']);
    const seen = await request('GET', '/api/me', { headers: { Authorization: `Bearer ${res.json.access_token}` } });
    const { payload } = await verifyIdentity(seen.json.headers['x-deskgate-identity']);
    assert.deepEqual([payload.amr, payload.role], [['launch'], 'manager']);
  }
});

test('without a role a launch is an agent; an API-key body asking for manager is still an agent', async () => {
  const plain = claims();
  delete plain.role;
  assert.equal((await launch(await signed('HS256', plain))).json.user.role, 'agent');
  const key = await request('POST', '/apis/admin/session/api-key/', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: '1', agent_name: 'A', platform: 'genesys', role: 'manager' },
  });
  assert.equal(key.json.user.role, 'agent');
  assert.deepEqual(key.json.amr, ['api_key']);
});

test('every refusal is 401 invalid_launch, sets no cookie and writes no session', async () => {
  const t = now();
  const pem = (k) => Buffer.from(JSON.stringify(k));
  const es = PRIVATE.es256;
  const publicEs = { kty: es.kty, crv: es.crv, x: es.x, y: es.y };
  const { privateKey: anotherEd } = await generateKeyPair('EdDSA');
  const refused = {
    'alg none': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`,
    'alg HS512': signHs256({ alg: 'HS512' }, claims(), SECRETS.acme_launch_secret),
    'unknown kid': await signed('ES256', claims(), { kid: 'nope' }),
    'a kid of another algorithm': await signed('ES256', claims(), { kid: PRIVATE.rs256.kid }),
    'HS256 signed with the public key': signHs256({ alg: 'HS256', kid: es.kid }, claims(), pem(publicEs)),
    'wrong iss': await signed('HS256', claims({ iss: 'https://evil.example' })),
    'wrong aud': await signed('HS256', claims({ aud: 'https://globex.localhost' })),
    expired: await signed('HS256', claims({ iat: t - 400, exp: t - 200 })),
    'too long-lived': await signed('HS256', claims({ exp: t + 301 })),
    'issued in the future': await signed('HS256', claims({ iat: t + 120, exp: t + 200 })),
    'not valid before': await signed('HS256', claims({ nbf: t + 120 })),
    'role owner': await signed('HS256', claims({ role: 'owner' })),
    'no jti': await signed('HS256', claims({ jti: undefined })),
    'no sub': await signed('HS256', claims({ sub: undefined })),
    'bad HS256 signature': signHs256({ alg: 'HS256' }, claims(), 'another-secret-that-is-32-bytes-long!'),
    'bad ES256 signature': (await signed('ES256')).replace(/\.[^.]+$/, `.${Buffer.alloc(64, 1).toString('base64url')}`),
    'bad EdDSA signature': await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: PRIVATE.eddsa.kid }).sign(anotherEd),
    'bad RS256 signature': (await signed('RS256')).replace(/\.[^.]+$/, `.${Buffer.alloc(256, 2).toString('base64url')}`),
    'jku header': signHs256({ alg: 'HS256', jku: 'https://evil.example/keys' }, claims(), SECRETS.acme_launch_secret),
    garbage: 'not.a.token',
  };
  const before = [countRows('sessions'), countRows('launch_jtis')];
  for (const [what, token] of Object.entries(refused)) {
    const res = await launch(token);
    assertError(res, 401, 'invalid_launch');
    assert.equal(res.headers['www-authenticate'], 'Launch realm="deskgate"', what);
  }
  assert.deepEqual([countRows('sessions'), countRows('launch_jtis')], before);
});

test('a launch token works once; of ten concurrent posts of one token exactly one signs in', async () => {
  const token = await signed('EdDSA');
  assert.equal((await launch(token)).status, 200);
  assertError(await launch(token), 401, 'invalid_launch');
  const racing = await signed('HS256');
  const sessions = countRows('sessions');
  const answers = await Promise.all(Array.from({ length: 10 }, () => launch(racing)));
  assert.deepEqual(answers.map((r) => r.status).sort(), [200, ...Array(9).fill(401)]);
  assert.equal(countRows('sessions'), sessions + 1);
});

test('an account without an API key signs its agents in from launch links only', async () => {
  const keyless = await request('POST', '/apis/admin/session/api-key/', {
    host: hostOf('umbrella'),
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: 'anything', agent_id: '1', agent_name: 'A', platform: 'genesys' },
  });
  assertError(keyless, 401, 'invalid_api_key');
  const token = await new SignJWT({ ...claims(), iss: SECRETS.umbrella_launch_issuer, aud: 'https://umbrella.localhost' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(SECRETS.umbrella_launch_secret));
  const res = await launch(token, { account: 'umbrella' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.user.account, 'umbrella');
  // acme's token is no good on umbrella, nor the other way round.
  assertError(await launch(await signed('HS256'), { account: 'umbrella' }), 401, 'invalid_launch');
  assertError(await launch(await signed('HS256'), { account: 'globex' }), 401, 'invalid_launch');
});

test('launch takes the origin check, the throttle and the body checks of the API-key sign-in', async () => {
  assertError(await launch(await signed('HS256'), { headers: { Origin: 'https://evil.example' } }), 403, 'origin_not_allowed');
  assert.equal((await launch(await signed('HS256'), { headers: { Origin: DESKTOP_ORIGIN } })).status, 200);
  assert.equal((await launch(await signed('HS256'), { headers: { Origin: originOf('acme') } })).status, 200);
  for (const body of [{}, { launch: '' }, { launch: 'a.b.c' }, { launch: 'a.b.c', platform: 'salesforce' }, { launch: 7, platform: 'genesys' }]) {
    const res = await request('POST', '/apis/admin/session/launch', { headers: { 'CF-Connecting-IP': freshClient() }, body });
    assertError(res, 400, 'invalid_request');
  }
  const client = freshClient();
  for (let i = 0; i < 10; i++) assertError(await launch('a.b.c', { account: 'launch-throttle', headers: { 'CF-Connecting-IP': client } }), 401, 'invalid_launch');
  assertError(await launch('a.b.c', { account: 'launch-throttle', headers: { 'CF-Connecting-IP': client } }), 429, 'too_many_attempts');
});
