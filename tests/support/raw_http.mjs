// A raw HTTP/1.1 client over node:net, for requests node:http refuses to send: any method name,
// a header twice, bytes that are not UTF-8 in headers, the request target or the body, any
// Content-Length. One connection per request; the answer is read by its Content-Length (or
// chunks), so the server's keep-alive does not hold a test up.
import { connect } from 'node:net';
import { PORT } from './env.mjs';

const bytes = (v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'latin1'));

/**
 * Sends one request. `target` is the request target as sent (string or Buffer); `headers` an
 * array of [name, value] pairs sent in order and as given (a Buffer value goes out byte for
 * byte); `host` (unless null) goes first as the Host header. A `body` is sent after the headers,
 * with a Content-Length of its size unless `headers` declares one or a Transfer-Encoding.
 * Resolves to { status, headers: {name: [values]}, header(name), body: Buffer, text, json }.
 */
export function rawRequest({ method = 'GET', target = '/', host, headers = [], body, port = PORT, timeoutMs = 10_000 }) {
  const lines = [Buffer.concat([bytes(method), Buffer.from(' '), bytes(target), Buffer.from(' HTTP/1.1\r\n')])];
  const all = host === null ? [...headers] : [['Host', host], ...headers];
  const declares = all.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n));
  if (body !== undefined && !declares) all.push(['Content-Length', bytes(body).length]);
  for (const [name, value] of all) lines.push(Buffer.concat([bytes(name), Buffer.from(': '), bytes(value), Buffer.from('\r\n')]));
  lines.push(Buffer.from('\r\n'));
  if (body !== undefined) lines.push(bytes(body));
  return exchange(Buffer.concat(lines), { head: method === 'HEAD', port, timeoutMs });
}

function exchange(request, { head, port, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (err, res) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err); else resolve(res);
    };
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const res = parse(received, head);
      if (res) finish(null, res);
    });
    socket.on('error', (e) => finish(e));
    socket.on('close', () => {
      const res = parse(received, head, true);
      finish(res ? null : new Error(`the connection closed without a complete answer: ${JSON.stringify(received.toString('latin1').slice(0, 200))}`), res);
    });
    socket.write(request);
  });
}

/** The response in `buf`, or undefined while incomplete (`closed`: the body ends here). */
function parse(buf, head, closed = false) {
  let end = buf.indexOf('\r\n\r\n');
  // An interim answer (100 Continue to an `Expect`) is followed by the real one.
  while (end >= 0 && /^HTTP\/1\.1 1\d\d /.test(buf.subarray(0, 13).toString('latin1'))) {
    buf = buf.subarray(end + 4);
    end = buf.indexOf('\r\n\r\n');
  }
  if (end < 0) return undefined;
  const [statusLine, ...fields] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const headers = {};
  for (const field of fields) {
    const i = field.indexOf(':');
    (headers[field.slice(0, i).trim().toLowerCase()] ??= []).push(field.slice(i + 1).trim());
  }
  const rest = buf.subarray(end + 4);
  let body;
  const length = headers['content-length']?.[0];
  if (head || /^(204|304) /.test(statusLine.slice(9))) body = Buffer.alloc(0);
  else if (length !== undefined) {
    if (rest.length < Number(length)) return undefined;
    body = rest.subarray(0, Number(length));
  } else if (/chunked/i.test(headers['transfer-encoding']?.[0] ?? '')) {
    body = dechunk(rest);
    if (!body) return undefined;
  } else if (closed) body = rest;
  else return undefined;
  const text = body.toString('utf8');
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    header: (name) => headers[name.toLowerCase()]?.join(', '),
    body, text, json,
  };
}

function dechunk(buf) {
  const parts = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Runs `jobs` (functions returning promises) `width` at a time; resolves to their results in order. */
export async function inParallel(jobs, width) {
  const results = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, lane));
  return results;
}
