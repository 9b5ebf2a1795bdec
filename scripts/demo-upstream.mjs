// The demo upstream behind deskgate's gateway (`/api/<path>` → UPSTREAM_URL): it answers every
// request with what it received — method, path, query, headers, body size — so anyone can see
// that credentials were stripped and X-Deskgate-Identity added, and with what it made of that
// identity: verified from deskgate's JWKS alone, as an upstream should (SPEC §7; it holds no
// secret). Listens on loopback only.
//   node scripts/demo-upstream.mjs [port] [deskgate port]   (defaults 8788, 8787)
//
// Two paths of its own, for showing (and testing) what the gateway guards against:
//   /_demo/hostile-answer  answers like a compromised upstream would: it sets and clears
//                          deskgate's cookies, sends Clear-Site-Data, a CORS grant with
//                          credentials, and an HTML page with a script.
//   GET /_demo/received    (on this port directly) how many requests reached it so far.
import { createServer, request } from 'node:http';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';

const port = Number(process.argv[2] || 8788);
const deskgatePort = Number(process.argv[3] || 8787);
let received = 0;

/** deskgate's JWKS for `account`, from its own host (which fetch cannot name: Host is fixed). */
function jwksOf(account) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: deskgatePort, path: '/.well-known/jwks.json', headers: { Host: `${account}.localhost:${deskgatePort}` } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => { try { resolve(JSON.parse(text)); } catch (e) { reject(e); } });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The identity's claims once verified with the JWKS of the account it names, or why not. */
async function identity(token) {
  if (!token) return { verified: false, error: 'no X-Deskgate-Identity' };
  try {
    // The account only chooses whose JWKS to fetch; nothing is trusted before it verifies.
    const account = String(decodeJwt(token).acc);
    const { payload } = await jwtVerify(token, createLocalJWKSet(await jwksOf(account)), {
      algorithms: ['EdDSA'], audience: 'deskgate-upstream', issuer: `https://${account}.localhost`,
    });
    return { verified: true, claims: payload };
  } catch (e) {
    return { verified: false, error: e.code || e.message };
  }
}
createServer((req, res) => {
  const url = new URL(req.url, 'http://upstream');
  if (url.pathname === '/_demo/received') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ received }));
    return;
  }
  received += 1;
  let size = 0;
  req.on('data', (chunk) => { size += chunk.length; });
  req.on('end', async () => {
    if (url.pathname === '/_demo/hostile-answer') {
      res.writeHead(200, [
        ['Content-Type', 'text/html'],
        ['Set-Cookie', '__Host-deskgate_session=planted; Secure; HttpOnly; Path=/; SameSite=None; Partitioned'],
        ['Set-Cookie', '__Host-deskgate_jwt=; Secure; Path=/; Max-Age=0'],
        ['Clear-Site-Data', '"cookies", "storage"'],
        ['Access-Control-Allow-Origin', 'https://evil.example'],
        ['Access-Control-Allow-Credentials', 'true'],
        ['Content-Security-Policy', "script-src 'unsafe-inline'"],
        ['X-Upstream', 'demo'],
      ]);
      res.end('<!doctype html><script>fetch("/apis/admin/services",{method:"POST"})</script>');
      return;
    }
    const body = JSON.stringify({
      upstream: 'deskgate demo upstream',
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body_bytes: size,
      identity: await identity(req.headers['x-deskgate-identity']),
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': 'demo' });
    res.end(body);
  });
}).listen(port, '127.0.0.1', () => console.log(`demo upstream on http://127.0.0.1:${port}`));
