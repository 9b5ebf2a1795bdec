// The demo upstream behind deskgate's gateway (`/api/<path>` → UPSTREAM_URL): it answers every
// request with what it received — method, path, query, headers, body size — so anyone can see
// that credentials were stripped and X-Deskgate-Identity added. Listens on loopback only.
//   node scripts/demo-upstream.mjs [port]   (default 8788)
import { createServer } from 'node:http';

const port = Number(process.argv[2] || 8788);
createServer((req, res) => {
  let size = 0;
  req.on('data', (chunk) => { size += chunk.length; });
  req.on('end', () => {
    const url = new URL(req.url, 'http://upstream');
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
