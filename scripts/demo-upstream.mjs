// The demo upstream behind deskgate's gateway (`/api/<path>` → UPSTREAM_URL): it answers every
// request with what it received — method, path, query, headers, body size — so anyone can see
// that credentials were stripped and X-Deskgate-Identity added. Listens on loopback only.
//   node scripts/demo-upstream.mjs [port]   (default 8788)
//
// Two paths of its own, for showing (and testing) what the gateway guards against:
//   /_demo/hostile-answer  answers like a compromised upstream would: it sets and clears
//                          deskgate's cookies, sends Clear-Site-Data, a CORS grant with
//                          credentials, and an HTML page with a script.
//   GET /_demo/received    (on this port directly) how many requests reached it so far.
import { createServer } from 'node:http';

const port = Number(process.argv[2] || 8788);
let received = 0;
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
  req.on('end', () => {
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
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': 'demo' });
    res.end(body);
  });
}).listen(port, '127.0.0.1', () => console.log(`demo upstream on http://127.0.0.1:${port}`));
