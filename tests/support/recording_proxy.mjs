// An HTTPS proxy in front of the worker that records what each browser really sent and got:
// WebDriver cannot show a cross-site frame's cookies in every engine (WebKitWebDriver shows only
// the top document's), so the cross-engine tier judges a framed widget by what reached the
// server. Everything is forwarded unchanged, Host included, so the worker sees the origin the
// browser used.
import { createServer, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

const DESKGATE_COOKIE = /(?:^|;\s*)(__Host-deskgate_(?:session|jwt))=/g;

/**
 * Listens on `port` with the certificate `tls` `{ key, cert }` and forwards to the worker on
 * `target` (HTTPS on loopback, the same self-signed certificate). Resolves to `{ exchanges,
 * clear(), stop() }`; each exchange is `{ at, method, path, cookies, bearer, status,
 * setCookies, json }`, and `inFlight` those still unanswered: the deskgate cookies the browser sent (names), the bearer token it sent,
 * the answer's status, the cookies it set (names) and its JSON body (API paths only).
 */
export function startRecordingProxy({ port, target, tls }) {
  const exchanges = [];
  // Requests not answered yet, so a test that times out can say which one hung.
  const inFlight = new Set();
  const server = createServer({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, (req, res) => {
    const exchange = {
      at: Date.now(),
      method: req.method,
      path: req.url,
      cookies: [...(req.headers.cookie ?? '').matchAll(DESKGATE_COOKIE)].map((m) => m[1]).sort(),
      bearer: /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null,
    };
    inFlight.add(exchange);
    const settle = () => { inFlight.delete(exchange); exchanges.push(exchange); };
    const upstream = httpsRequest({
      host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers,
      rejectUnauthorized: false, servername: 'localhost',
    }, (answer) => {
      exchange.status = answer.statusCode;
      exchange.setCookies = (answer.headers['set-cookie'] ?? [])
        .filter((c) => !/Max-Age=0/i.test(c)).map((c) => c.split('=')[0]).sort();
      exchange.expiredCookies = (answer.headers['set-cookie'] ?? [])
        .filter((c) => /Max-Age=0/i.test(c)).map((c) => c.split('=')[0]).sort();
      res.writeHead(answer.statusCode, answer.headers);
      const chunks = [];
      answer.on('data', (c) => { chunks.push(c); res.write(c); });
      answer.on('end', () => {
        res.end();
        if (exchange.path.startsWith('/apis/')) {
          try {
            exchange.json = JSON.parse(decode(Buffer.concat(chunks), answer.headers['content-encoding']).toString('utf8'));
          } catch { /* not JSON */ }
        }
        settle();
      });
    });
    upstream.on('error', (e) => {
      exchange.status = 502;
      exchange.error = e.message;
      settle();
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    // Never what keeps a test process alive.
    server.unref();
    server.listen(port, '127.0.0.1', () => resolve({
      exchanges,
      inFlight,
      clear() { exchanges.length = 0; },
      stop() { server.closeAllConnections(); server.close(); },
    }));
  });
}

/** A body as it was before the worker compressed it for the browser. */
function decode(bytes, encoding) {
  if (encoding === 'gzip') return gunzipSync(bytes);
  if (encoding === 'br') return brotliDecompressSync(bytes);
  if (encoding === 'deflate') return inflateSync(bytes);
  return bytes;
}
