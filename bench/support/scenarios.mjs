// The endpoints under load, and the fixtures (a signed-in agent, a service with a key, a JWT
// credential and an access token) each Worker needs before they can answer 200. deskgate (in
// either mode) and the jose reference get identical requests; the workers-oauth-provider peer
// gets its one protected route, with a token from its own authorization-code flow.
import { createHash, randomBytes } from 'node:crypto';
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
  // An OAuth2 access token as a server gets one: client credentials, the key as client secret.
  const token = must(await call(worker, 'POST', '/oauth/token', {
    headers: { Authorization: `Basic ${Buffer.from(`${service.id}:${service.key}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=api.read',
  }), 200, 'client-credentials token');
  return { ...service, callerJwt, accessToken: token.json.access_token, sessionJwt: await sessionJwt(worker) };
}

/** The workers-oauth-provider peer (bench/peers/): a client registers itself (RFC 7591), the
 *  bench user authorizes it with a PKCE S256 challenge, and the code is exchanged with its
 *  verifier, all through the library's own endpoints. Its origin is `http://localhost`. */
export async function peerFixtures(worker) {
  const host = { Host: 'localhost' };
  const form = { ...host, 'Content-Type': 'application/x-www-form-urlencoded' };
  const redirectUri = 'http://127.0.0.1:9/callback'; // a loopback redirect (RFC 8252); nothing listens
  const resource = 'http://localhost/v1/whoami';
  const registered = must(await call(worker, 'POST', '/oauth/register', {
    headers: { ...host, 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: 'deskgate bench', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
  }), 201, 'peer client registration');
  const clientId = registered.json.client_id;
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = must(await call(worker, 'GET', `/authorize?${new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'api.read', state, resource,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  })}`, { headers: host }), 302, 'peer authorization');
  const back = new URL(authorize.headers.location);
  if (`${back.origin}${back.pathname}` !== redirectUri || back.searchParams.get('state') !== state || !back.searchParams.get('code')) {
    throw new Error(`peer authorization redirected to ${back}`);
  }
  const exchange = (codeVerifier) => call(worker, 'POST', '/oauth/token', {
    headers: form,
    body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code'), redirect_uri: redirectUri, client_id: clientId, code_verifier: codeVerifier, resource }).toString(),
  });
  // PKCE is enforced: the code does not buy a token without its verifier.
  must(await exchange(randomBytes(32).toString('base64url')), 400, 'peer code exchange with a wrong verifier');
  const token = must(await exchange(verifier), 200, 'peer code exchange');
  return { accessToken: token.json.access_token };
}

/** The endpoints under load, in table order, with the status each must answer and what kind of
 *  work it is (`redirect`, `write`: writes D1, `verify`: checks a credential), which decides its
 *  budget. */
export function scenarios(fx) {
  const basic = Buffer.from(`${fx.id}:${fx.key}`).toString('base64');
  return [
    {
      id: 'legacy-redirect', kind: 'redirect', label: 'GET /widget/… (legacy redirect)', status: 302, method: 'GET',
      path: `/widget/genesys?apikey=${encodeURIComponent(SECRETS.acme_integration_api_key)}&agent_id=agent-7&agent_name=Ada`,
    },
    {
      id: 'api-key-sign-in', kind: 'write', label: 'POST …/session/api-key (D1 write)', status: 200, method: 'POST',
      path: '/apis/admin/session/api-key/', headers: { 'Content-Type': 'application/json' }, body: signInBody,
    },
    {
      id: 'session-jwt-cookie', kind: 'verify', label: 'GET …/session (JWT cookie)', status: 200, method: 'GET',
      path: '/apis/admin/session/', headers: { Cookie: `__Host-deskgate_jwt=${fx.sessionJwt}` },
    },
    {
      id: 'whoami-service-key', kind: 'verify', label: 'GET /v1/whoami (service key)', status: 200, method: 'GET',
      path: '/v1/whoami', headers: { 'X-Service-Key': fx.key },
    },
    {
      id: 'whoami-caller-jwt', kind: 'verify', label: 'GET /v1/whoami (caller JWT)', status: 200, method: 'GET',
      path: '/v1/whoami', headers: { Authorization: `Bearer ${fx.callerJwt}` },
    },
    {
      id: 'whoami-access-token', kind: 'verify', label: 'GET /v1/whoami (OAuth2 access token)', status: 200, method: 'GET',
      path: '/v1/whoami', headers: { Authorization: `Bearer ${fx.accessToken}` },
    },
    {
      id: 'oauth-token', kind: 'write', label: 'POST /oauth/token (client credentials)', status: 200, method: 'POST',
      path: '/oauth/token', headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    },
  ];
}

/** The workers-oauth-provider peer's one protected route, with the token of its own flow. */
export function peerScenario(fx) {
  return {
    id: 'whoami-access-token', kind: 'verify', label: 'GET /v1/whoami (workers-oauth-provider)', status: 200, method: 'GET',
    path: '/v1/whoami', headers: { Host: 'localhost', Authorization: `Bearer ${fx.accessToken}` },
  };
}

/** Sends each scenario once and checks the status, so a broken fixture fails loudly, not fast. */
export async function checkScenarios(worker, list) {
  for (const s of list) must(await call(worker, s.method, s.path, { headers: s.headers, body: s.body }), s.status, `${worker.name} ${s.id}`);
}
