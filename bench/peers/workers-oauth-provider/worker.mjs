// A second peer for the benchmark: Cloudflare's own `@cloudflare/workers-oauth-provider` as its
// README sets it up for one Worker (`OAuthProvider`, both roles), with one protected route,
// `GET /v1/whoami`, answering the same JSON shape as deskgate's whoami for an access token.
//
// BENCHMARK ONLY, NEVER DEPLOY: `/authorize` signs every caller in as one bench user and consents
// for them, without asking. Everything else is the library's own: dynamic client registration
// (`/oauth/register`), the authorization-code grant with PKCE S256 and the token endpoint
// (`/oauth/token`), and the protected route's bearer-token check (one KV read, then unwrapping
// the props' key with the token and decrypting them).
//
// Locally the resource is `http://localhost/v1/whoami` (http is accepted on a loopback host), and
// the library refuses a token whose resource is not the request's origin: send `Host: localhost`.
import { OAuthProvider } from '@cloudflare/workers-oauth-provider';

const ORIGIN = 'http://localhost';
const RESOURCE = `${ORIGIN}/v1/whoami`;
const USER = 'bench-user';

/** The protected route: the library has checked the token before this runs. */
const whoami = {
  fetch(request, env, ctx) {
    const body = { kind: 'access_token', id: ctx.props.id, account: ctx.props.account, role: 'service', scope: ctx.auth.scope.join(' ') };
    return Response.json(body, { headers: { 'Cache-Control': 'no-store' } });
  },
};

/** The application's part: the authorization endpoint. The library validates the request (client,
 *  redirect URI, PKCE challenge, resource, scopes) and issues the code. */
const app = {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== '/authorize' || request.method !== 'GET') return new Response(null, { status: 404 });
    const oauth = env.OAUTH_PROVIDER;
    const auth = await oauth.parseAuthRequest(request);
    const { redirectTo } = await oauth.completeAuthorization({
      request: auth,
      userId: USER,
      metadata: {},
      scope: auth.scope,
      props: { id: auth.clientId, account: 'acme' },
    });
    return Response.redirect(redirectTo, 302);
  },
};

export default new OAuthProvider({
  apiRoute: '/v1/whoami',
  apiHandler: whoami,
  defaultHandler: app,
  authorizeEndpoint: '/authorize',
  tokenEndpoint: '/oauth/token',
  clientRegistrationEndpoint: '/oauth/register',
  scopesSupported: ['api.read', 'api.write'],
  resourceMetadata: { resource: RESOURCE, authorization_servers: [ORIGIN] },
});
