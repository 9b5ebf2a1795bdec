// The demo's own small signer: what an account's backend (or a Genesys WDE extension) does for
// signed launch links (SPEC §6). The "signed launch" demo desktop asks it for a fresh link for
// its agent and frames the widget with it; no API key is anywhere.
//   node scripts/demo-launcher.mjs [port] [deskgate port]   (defaults 8789, 8787)
//   GET /launch-link?account=acme&platform=genesys&agent_id=7&agent_name=Grace%20Hopper&role=manager
//     → {"token": "…", "url": "http://acme.localhost:8787/v2/widget/genesys#launch=…"}
// It answers only the demo desktop's origin (CORS), and listens on loopback only.
import { createServer } from 'node:http';
import { mintLaunchLink } from './launch-link.mjs';

const port = Number(process.argv[2] || 8789);
const deskgatePort = Number(process.argv[3] || 8787);
const desktopOrigin = `http://127.0.0.1:${deskgatePort}`;

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://launcher');
  const headers = { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': desktopOrigin, 'Cache-Control': 'no-store' };
  if (url.pathname !== '/launch-link' || req.method !== 'GET') {
    res.writeHead(404, headers).end(JSON.stringify({ error: 'not_found' }));
    return;
  }
  const q = url.searchParams;
  try {
    const link = await mintLaunchLink({
      account: q.get('account') || 'acme',
      platform: q.get('platform') || 'genesys',
      agent: q.get('agent_id') || '1',
      name: q.get('agent_name') || 'Agent',
      role: q.get('role') || 'agent',
      port: deskgatePort,
    });
    res.writeHead(200, headers).end(JSON.stringify(link));
  } catch (e) {
    res.writeHead(400, headers).end(JSON.stringify({ error: 'invalid_request', error_description: e.message }));
  }
}).listen(port, '127.0.0.1', () => console.log(`demo launcher on http://127.0.0.1:${port}`));
