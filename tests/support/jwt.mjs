// An HS256 signer written from RFC 7515 §3 / RFC 7518 §3.2 with node's crypto, so tests can
// build tokens a library would refuse to build (odd headers, forged claims).
import { createHmac } from 'node:crypto';

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** `header` and `payload` (objects or raw JSON strings) signed with HMAC-SHA256 under `key`. */
export function signHs256(header, payload, key) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
