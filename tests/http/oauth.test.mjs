// SPEC §2: the client-credentials grant and the Basic login, bearer use (header and query),
// introspection, revocation, testing tokens, and every RFC 6749 / 6750 / 7009 / 7662 refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jwtVerify, decodeProtectedHeader } from 'jose';
import { request, hostOf, assertError } from '../support/client.mjs';
import { SECRETS } from '../support/env.mjs';
import { ownerSession, adminCall, createService } from '../support/admin.mjs';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const form = (params) => new URLSearchParams(params).toString();
const tokenCall = (params, headers = {}, account = 'acme') =>
  request('POST', '/oauth/token', { host: hostOf(account), headers: { ...FORM, ...headers }, body: form(params) });
const whoami = (headers, path = '/v1/whoami') => request('GET', path, { headers });

let owner;
let svc;
test('set-up: a service', async () => {
  owner = await ownerSession();
  svc = await createService(owner, 'oauth-client');
});

test('client_credentials with Basic authentication returns a bearer token, never cached', async () => {
  const res = await tokenCall({ grant_type: 'client_credentials' }, { Authorization: basic(svc.id, svc.key) });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.json).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
  assert.equal(res.json.token_type, 'Bearer');
  assert.equal(res.json.expires_in, 3600);
  assert.equal(res.json.scope, 'api.read api.write');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.pragma, 'no-cache');
  assert.equal(decodeProtectedHeader(res.json.access_token).typ, 'at+jwt');
  const { payload } = await jwtVerify(res.json.access_token, new TextEncoder().encode(SECRETS.acme_jwt_signing_key), {
    algorithms: ['HS256'], issuer: 'https://acme.localhost', audience: 'deskgate-api', typ: 'at+jwt',
  });
  assert.equal(payload.sub, svc.id);
  assert.equal(payload.client_id, svc.id);
  const who = await whoami({ Authorization: `Bearer ${res.json.access_token}` });
  assert.deepEqual(who.json, { kind: 'access_token', id: svc.id, account: 'acme', role: 'service', scope: 'api.read api.write' });
});

test('client_secret_post works and a narrower scope is granted as asked', async () => {
  const res = await tokenCall({ grant_type: 'client_credentials', client_id: svc.id, client_secret: svc.key, scope: 'api.read' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.scope, 'api.read');
});

test('the LivePerson-style Basic login returns the same token body', async () => {
  const res = await request('POST', '/v2/authenticate/login', { headers: { Authorization: basic(svc.id, svc.key) } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.token_type, 'Bearer');
  assert.equal((await whoami({ Authorization: `Bearer ${res.json.access_token}` })).status, 200);
  const refused = await request('POST', '/v2/authenticate/login', { headers: { Authorization: basic(svc.id, 'dgsk_wrong') } });
  assertError(refused, 401, 'invalid_client');
  assert.match(refused.headers['www-authenticate'], /^Basic realm="deskgate"/);
  assertError(await request('POST', '/v2/authenticate/login'), 401, 'invalid_client');
});

test('bad token requests get their RFC 6749 §5.2 error and status', async () => {
  const auth = { Authorization: basic(svc.id, svc.key) };
  const cases = [
    [tokenCall({ grant_type: 'client_credentials' }, { Authorization: basic(svc.id, 'dgsk_wrong') }), 401, 'invalid_client'],
    [tokenCall({ grant_type: 'client_credentials' }, { Authorization: basic('svc_0000000000000000', svc.key) }), 401, 'invalid_client'],
    [tokenCall({ grant_type: 'client_credentials', client_id: svc.id, client_secret: 'nope' }), 401, 'invalid_client'],
    [tokenCall({ grant_type: 'client_credentials' }), 401, 'invalid_client'],
    [tokenCall({ grant_type: 'client_credentials' }, { Authorization: basic(svc.id, svc.key) }, 'globex'), 401, 'invalid_client'],
    [tokenCall({ grant_type: 'password', username: 'a', password: 'b' }, auth), 400, 'unsupported_grant_type'],
    [tokenCall({}, auth), 400, 'invalid_request'],
    [tokenCall({ grant_type: 'client_credentials', scope: 'admin' }, auth), 400, 'invalid_scope'],
    [tokenCall({ grant_type: 'client_credentials', client_id: svc.id, client_secret: svc.key }, auth), 400, 'invalid_request'],
    [request('POST', '/oauth/token', { headers: { ...FORM, ...auth }, body: 'grant_type=client_credentials&grant_type=client_credentials' }), 400, 'invalid_request'],
    [request('POST', '/oauth/token', { headers: auth, body: { grant_type: 'client_credentials' } }), 400, 'invalid_request'],
    [tokenCall({ grant_type: 'client_credentials' }, { Authorization: 'Basic !!!notbase64' }), 400, 'invalid_request'],
    [tokenCall({ grant_type: 'client_credentials' }, { Authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }), 400, 'invalid_request'],
  ];
  for (const [call, status, code] of cases) {
    const res = await call;
    assertError(res, status, code);
    if (code === 'invalid_client') assert.match(res.headers['www-authenticate'], /^Basic realm="deskgate"/);
  }
});

test('a service limited to api.read cannot ask for api.write', async () => {
  const res = await adminCall(owner, 'POST', '/services', { name: 'reader', scopes: 'api.read' });
  const key = res.json.credentials.find((c) => c.kind === 'service_key').secret;
  const auth = { Authorization: basic(res.json.id, key) };
  assertError(await tokenCall({ grant_type: 'client_credentials', scope: 'api.write' }, auth), 400, 'invalid_scope');
  assert.equal((await tokenCall({ grant_type: 'client_credentials' }, auth)).json.scope, 'api.read');
});

test('a bearer token is accepted in the access_token query parameter, but not in both places', async () => {
  const { access_token: token } = (await tokenCall({ grant_type: 'client_credentials' }, { Authorization: basic(svc.id, svc.key) })).json;
  assert.equal((await whoami({}, `/v1/whoami?access_token=${token}`)).json.kind, 'access_token');
  assertError(await whoami({ Authorization: `Bearer ${token}` }, `/v1/whoami?access_token=${token}`), 400, 'invalid_request');
  assertError(await whoami({}, `/v1/whoami?access_token=${token}&access_token=${token}`), 400, 'invalid_request');
});

test('introspection tells a client about its own tokens only', async () => {
  const auth = { Authorization: basic(svc.id, svc.key) };
  const { access_token: token } = (await tokenCall({ grant_type: 'client_credentials' }, auth)).json;
  const res = await request('POST', '/oauth/introspect', { headers: { ...FORM, ...auth }, body: form({ token }) });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.active, true);
  assert.equal(res.json.client_id, svc.id);
  assert.equal(res.json.token_type, 'Bearer');
  const other = await createService(owner, 'other-client');
  const theirs = await request('POST', '/oauth/introspect', { headers: { ...FORM, Authorization: basic(other.id, other.key) }, body: form({ token }) });
  assert.deepEqual(theirs.json, { active: false });
  const junk = await request('POST', '/oauth/introspect', { headers: { ...FORM, ...auth }, body: form({ token: 'x'.repeat(5000) }) });
  assert.deepEqual(junk.json, { active: false });
  assertError(await request('POST', '/oauth/introspect', { headers: FORM, body: form({ token }) }), 401, 'invalid_client');
  assertError(await request('POST', '/oauth/introspect', { headers: { ...FORM, ...auth }, body: '' }), 400, 'invalid_request');
});

test('a revoked token is refused at once everywhere; revoking again, or junk, is still 200', async () => {
  const auth = { Authorization: basic(svc.id, svc.key) };
  const { access_token: token } = (await tokenCall({ grant_type: 'client_credentials' }, auth)).json;
  const other = await createService(owner, 'not-the-owner');
  const notMine = await request('POST', '/oauth/revoke', { headers: { ...FORM, Authorization: basic(other.id, other.key) }, body: form({ token }) });
  assert.equal(notMine.status, 200);
  assert.equal((await whoami({ Authorization: `Bearer ${token}` })).status, 200, 'another client cannot revoke it');
  for (let i = 0; i < 2; i++) {
    const res = await request('POST', '/oauth/revoke', { headers: { ...FORM, ...auth }, body: form({ token, token_type_hint: 'access_token' }) });
    assert.equal(res.status, 200, res.text);
  }
  const refused = await whoami({ Authorization: `Bearer ${token}` });
  assertError(refused, 401, 'invalid_token');
  assert.match(refused.headers['www-authenticate'], /error="invalid_token"/);
  assertError(await request('GET', '/api/anything', { headers: { Authorization: `Bearer ${token}` } }), 401, 'invalid_token');
  const introspected = await request('POST', '/oauth/introspect', { headers: { ...FORM, ...auth }, body: form({ token }) });
  assert.deepEqual(introspected.json, { active: false });
  assert.equal((await request('POST', '/oauth/revoke', { headers: { ...FORM, ...auth }, body: form({ token: 'garbage' }) })).status, 200);
});

test('discarding or regenerating the key a token was bought with ends the token', async () => {
  const own = await createService(owner, 'rotating');
  const path = `/services/${own.id}/credentials`;
  const second = await adminCall(owner, 'POST', path, { kind: 'service_key' });
  const buy = async (key) => (await tokenCall({ grant_type: 'client_credentials' }, { Authorization: basic(own.id, key) })).json.access_token;
  const viaFirst = await buy(own.key);
  const viaSecond = await buy(second.json.secret);
  await adminCall(owner, 'POST', `${path}/${own.keyId}/discard`);
  assertError(await whoami({ Authorization: `Bearer ${viaFirst}` }), 401, 'invalid_token');
  assert.equal((await whoami({ Authorization: `Bearer ${viaSecond}` })).status, 200);
  await adminCall(owner, 'POST', `${path}/${second.json.id}/regenerate`);
  assertError(await whoami({ Authorization: `Bearer ${viaSecond}` }), 401, 'invalid_token');
});

test('the owner mints a 24-hour testing token, marked as such; agents cannot', async () => {
  const res = await adminCall(owner, 'POST', `/services/${svc.id}/testing-token`);
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.expires_in, 86400);
  assert.equal(res.json.testing, true);
  const who = await whoami({ Authorization: `Bearer ${res.json.access_token}` });
  assert.equal(who.json.testing, true);
  assertError(await adminCall({}, 'POST', `/services/${svc.id}/testing-token`), 401, 'unauthenticated');
  const audit = await adminCall(owner, 'GET', '/audit');
  assert.equal(audit.json.entries[0].action, 'token.testing');
  assert.ok(!audit.text.includes(res.json.access_token));
});

test('a token of account acme is refused on account globex, and a huge token is just invalid', async () => {
  const { access_token: token } = (await tokenCall({ grant_type: 'client_credentials' }, { Authorization: basic(svc.id, svc.key) })).json;
  assertError(await request('GET', '/v1/whoami', { host: hostOf('globex'), headers: { Authorization: `Bearer ${token}` } }), 401, 'invalid_token');
  assertError(await whoami({ Authorization: `Bearer ${'a'.repeat(6000)}.b.c` }), 401, 'invalid_token');
});
