// How an upstream behind the gateway checks X-Deskgate-Identity (SPEC §7): with deskgate's JWKS
// alone, fetched from the account's host, by a standard library (jose).
import { createLocalJWKSet, jwtVerify } from 'jose';
import { request, hostOf } from './client.mjs';

/** The account's published JWKS. */
export async function jwksOf(account = 'acme') {
  const res = await request('GET', '/.well-known/jwks.json', { host: hostOf(account) });
  if (res.status !== 200) throw new Error(`JWKS: ${res.status} ${res.text}`);
  return res.json;
}

/** The verified claims of an identity token of `account`. */
export async function verifyIdentity(token, account = 'acme') {
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await jwksOf(account)), {
    algorithms: ['EdDSA'], audience: 'deskgate-upstream', issuer: `https://${account}.localhost`,
  });
  return { payload, header: protectedHeader };
}
