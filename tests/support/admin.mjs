// Helpers for the admin API suites: the owner's session, and calls made with it.
import assert from 'node:assert/strict';
import { request, hostOf, cookieValue, freshClient } from './client.mjs';
import { SECRETS } from './env.mjs';

/** Signs the owner of `account` in; returns headers that authenticate as that owner. */
export async function ownerSession(account = 'acme') {
  const res = await request('POST', '/apis/admin/session/password/', {
    host: hostOf(account),
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { username: 'owner', password: SECRETS[`${account}_admin_password`] },
  });
  assert.equal(res.status, 200, res.text);
  return { Cookie: `__Host-deskgate_session=${cookieValue(res.cookies, '__Host-deskgate_session')}` };
}

/** An admin API call as `auth` (headers) on `account`'s host. */
export function adminCall(auth, method, path, body, account = 'acme') {
  return request(method, `/apis/admin${path}`, { host: hostOf(account), headers: auth, body });
}

/** Creates a service; returns `{ id, key, jwtSecret, body }`. */
export async function createService(auth, name = 'crm-sync', account = 'acme') {
  const res = await adminCall(auth, 'POST', '/services', { name }, account);
  assert.equal(res.status, 201, res.text);
  const key = res.json.credentials.find((c) => c.kind === 'service_key');
  const jwt = res.json.credentials.find((c) => c.kind === 'jwt');
  return { id: res.json.id, key: key.secret, keyId: key.id, jwtSecret: jwt.secret, jwtId: jwt.id, body: res.json };
}
