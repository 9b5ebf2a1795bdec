// A tiny HTTP client for the black-box suites. It connects to the worker on loopback and sends
// the `Host` an account's requests carry (`acme.localhost:<port>`), which `fetch` cannot set.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import assert from 'node:assert/strict';
import { PORT } from './env.mjs';

/** The host of an account: `<account>.localhost:<port>`. */
export const hostOf = (account) => `${account}.localhost:${PORT}`;
/** The origin of an account, as a browser on its widget page sends it. */
export const originOf = (account) => `http://${hostOf(account)}`;
/** The demo desktop's origin (the allowed desktop origin of the run). */
export const DESKTOP_ORIGIN = `http://127.0.0.1:${PORT}`;

/**
 * Sends one request, to the tier's worker or the one on `port`. `host` is the Host header
 * (default `acme`'s); `body` is sent as-is when a string or Buffer, else as JSON with
 * `Content-Type: application/json`. `agent` an http.Agent to pool connections with (default: a
 * connection of its own); `tls` for a worker serving HTTPS with the tests' own certificate.
 * Resolves to { status, headers, cookies: [Set-Cookie values], text, json }.
 */
export function request(method, path, { host, headers = {}, body, port = PORT, agent = false, tls = false } = {}) {
  host ??= `acme.localhost:${port}`;
  let payload;
  const h = { Host: host, ...headers };
  if (body !== undefined) {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      payload = body;
    } else {
      payload = JSON.stringify(body);
      h['Content-Type'] ??= 'application/json';
    }
    // Node sends no body for DELETE without a declared length.
    if (!h['Transfer-Encoding']) h['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    // A connection per request by default: a kept-alive socket left idle while a test reads
    // storage can be closed by wrangler dev's proxy (Node's 5 s keep-alive timeout) just as it
    // is reused.
    const options = { host: '127.0.0.1', port, method, path, headers: h, agent };
    const send = tls ? httpsRequest : httpRequest;
    if (tls) Object.assign(options, { rejectUnauthorized: false, servername: 'localhost' });
    const req = send(options, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, cookies: res.headers['set-cookie'] ?? [], text, json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The value of cookie `name` among `Set-Cookie` values. */
export function cookieValue(cookies, name) {
  const c = cookies.find((v) => v.startsWith(`${name}=`));
  return c === undefined ? undefined : c.slice(name.length + 1).split(';')[0];
}

/** Asserts the SPEC error shape: status, JSON `{error, error_description}`, no-store, no cookie. */
export function assertError(res, status, code) {
  assert.equal(res.status, status, `status of ${res.text}`);
  assert.equal(res.json?.error, code, res.text);
  assert.equal(typeof res.json.error_description, 'string');
  assert.ok(res.json.error_description.length > 0);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.deepEqual(res.cookies, [], 'no cookie is set on an error');
}

let client = 0;
/** A client address of its own (CF-Connecting-IP, a unique local IPv6 address in a /64 of its
 *  own: the process id and a counter fill the first 64 bits), so the sign-in throttle of one
 *  test never touches another's: the throttle buckets IPv6 clients by /64.
 *  workerd keeps a CF-Connecting-IP the client sends; Cloudflare would overwrite it. */
export const freshClient = () => {
  const hex = (n) => n.toString(16);
  return `fd00:${hex(process.pid >>> 16)}:${hex(process.pid & 0xffff)}:${hex(++client)}::1`;
};
