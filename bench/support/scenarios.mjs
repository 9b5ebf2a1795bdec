// The endpoints under load, and the fixtures (a signed-in agent, a service with a key and a JWT
// credential) each Worker needs before they can answer 200. Both Workers get identical requests.
import { request } from 'node:http';
import { SignJWT } from 'jose';
import { SECRETS } from './workers.mjs';

const AGENT = { agent_id: 'agent-7', agent_name: 'Ada Agent', platform: 'genesys' };

/** One request to `worker` as the `acme` account's host; resolves `{ status, headers, bytes, text, json }`. */
export function call(worker, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: worker.port, method, path, agent: false,
      headers: { Host: `acme.localhost:${worker.port}`, ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const text = bytes.toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, bytes, text, json });
      });
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const must = (res, status, what) => {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
  return res;
};

const signInBody = JSON.stringify({ api_key: SECRETS.acme_integration_api_key, ...AGENT });

/** An agent's session JWT (from the sign-in's cookie) on `worker`. */
async function sessionJwt(worker) {
  const res = must(await call(worker, 'POST', '/apis/admin/session/api-key/', {
    headers: { 'Content-Type': 'application/json' }, body: signInBody,
  }), 200, 'API-key sign-in');
  const cookie = [].concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-deskgate_jwt='));
  return cookie.slice('__Host-deskgate_jwt='.length, cookie.indexOf(';'));
}

/** deskgate: the owner signs in and creates a service through the admin API, as a customer would. */
export async function deskgateFixtures(worker) {
  const owner = must(await call(worker, 'POST', '/apis/admin/session/password/', {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'owner', password: SECRETS.acme_admin_password }),
  }), 200, 'owner sign-in');
  const session = [].concat(owner.headers['set-cookie']).find((c) => c.startsWith('__Host-deskgate_session='));
  const created = must(await call(worker, 'POST', '/apis/admin/services', {
    headers: { 'Content-Type': 'application/json', Cookie: session.slice(0, session.indexOf(';')) },
    body: JSON.stringify({ name: 'bench' }),
  }), 201, 'create service');
  const secret = (kind) => created.json.credentials.find((c) => c.kind === kind).secret;
  return fixtures(worker, { id: created.json.id, key: secret('service_key'), jwtSecret: secret('jwt') });
}

/** The jose reference: its bench-only seed endpoint creates the same service. */
export async function referenceFixtures(worker) {
  const seeded = must(await call(worker, 'POST', '/__bench/seed'), 201, 'seed');
  return fixtures(worker, seeded.json);
}

async function fixtures(worker, service) {
  const callerJwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(service.id)
    .setIssuedAt()
    .sign(Buffer.from(service.jwtSecret, 'base64'));
  return { ...service, callerJwt, sessionJwt: await sessionJwt(worker) };
}

/** The endpoints under load, in table order, with the status each must answer. */
export function scenarios(fx) {
  const basic = Buffer.from(`${fx.id}:${fx.key}`).toString('base64');
  return [
    {
      id: 'legacy-redirect', label: 'GET /widget/… (legacy redirect)', status: 302, method: 'GET',
      path: `/widget/genesys?apikey=${encodeURIComponent(SECRETS.acme_integration_api_key)}&agent_id=agent-7&agent_name=Ada`,
    },
    {
      id: 'api-key-sign-in', label: 'POST …/session/api-key (D1 write)', status: 200, method: 'POST',
      path: '/apis/admin/session/api-key/', headers: { 'Content-Type': 'application/json' }, body: signInBody,
    },
    {
      id: 'session-jwt-cookie', label: 'GET …/session (JWT cookie)', status: 200, method: 'GET',
      path: '/apis/admin/session/', headers: { Cookie: `__Host-deskgate_jwt=${fx.sessionJwt}` },
    },
    {
      id: 'whoami-service-key', label: 'GET /v1/whoami (service key)', status: 200, method: 'GET',
      path: '/v1/whoami', headers: { 'X-Service-Key': fx.key },
    },
    {
      id: 'whoami-caller-jwt', label: 'GET /v1/whoami (caller JWT)', status: 200, method: 'GET',
      path: '/v1/whoami', headers: { Authorization: `Bearer ${fx.callerJwt}` },
    },
    {
      id: 'oauth-token', label: 'POST /oauth/token (client credentials)', status: 200, method: 'POST',
      path: '/oauth/token', headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    },
  ];
}

/** Sends each scenario once and checks the status, so a broken fixture fails loudly, not fast. */
export async function checkScenarios(worker, list) {
  for (const s of list) must(await call(worker, s.method, s.path, { headers: s.headers, body: s.body }), s.status, `${worker.name} ${s.id}`);
}
