// The benchmark's reference: deskgate's hot endpoints as a team would write them by hand in plain
// JavaScript, with `jose` for JWTs and WebCrypto for everything else. It is not deskgate; it
// mirrors the Rust worker (edge/, authcore/) endpoint by endpoint, with the same checks in the same
// order, the same answers, and the same D1 statements per request (see README.md), so a benchmark
// compares runtimes and libraries rather than amounts of work.
//
// Nothing is cached across requests (configuration, keys, imported CryptoKeys), as in ours.

import { SignJWT, jwtVerify, decodeProtectedHeader, decodeJwt, errors } from 'jose';

// ---------------------------------------------------------------------------------------------
// Constants (authcore's)

const SESSION_COOKIE = '__Host-deskgate_session';
const JWT_COOKIE = '__Host-deskgate_jwt';
const SESSION_AUDIENCE = 'deskgate';
const ACCESS_AUDIENCE = 'deskgate-api';
const ACCESS_TYP = 'at+jwt';
const SESSION_MAX_LIFETIME = 3600;
const ACCESS_TTL = 3600;
const TESTING_TTL = 24 * 3600;
const CALLER_MAX_AGE = 3600;
const LEEWAY = 30;
const MIN_KEY_BYTES = 32;
const MAX_TOKEN_BYTES = 4096;
const MAX_BODY_BYTES = 8 * 1024;
const DRAIN_LIMIT = 64 * 1024;
const MAX_FIELD_BYTES = 256;
const REFUSED_HEADERS = ['crit', 'jku', 'jwk', 'x5u', 'x5c'];
const PLATFORMS = { liveengage: 'DESKTOP_ORIGINS_LIVEENGAGE', genesys: 'DESKTOP_ORIGINS_GENESYS' };
const SCOPES = ['api.read', 'api.write'];
const SERVICE_KEY_PREFIX = 'dgsk_';

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Errors: one class, rendered in one place, the same codes, statuses and sentences as ours.

class HttpError extends Error {
  constructor(status, code, description, { challenge, retryAfter } = {}) {
    super(description);
    this.status = status;
    this.code = code;
    this.challenge = challenge;
    this.retryAfter = retryAfter;
  }
}

const fail = {
  unknownHost: () => new HttpError(404, 'unknown_host', 'this host does not belong to any deskgate account'),
  unknownPlatform: () => new HttpError(404, 'unknown_platform', 'this desktop platform is not supported'),
  notFound: () => new HttpError(404, 'not_found', 'there is nothing at this path'),
  methodNotAllowed: () => new HttpError(405, 'method_not_allowed', 'this method is not allowed on this path'),
  invalidRequest: (why) => new HttpError(400, 'invalid_request', why),
  payloadTooLarge: () => new HttpError(413, 'payload_too_large', 'the request body is too large'),
  unsupportedMediaType: () => new HttpError(415, 'unsupported_media_type', 'the request body must be application/json'),
  invalidApiKey: () => new HttpError(401, 'invalid_api_key', 'the API key was refused'),
  originNotAllowed: () => new HttpError(403, 'origin_not_allowed', 'requests from this origin are not allowed'),
  tooManyAttempts: (retryAfter) =>
    new HttpError(429, 'too_many_attempts', 'too many failed attempts; try again later', { retryAfter }),
  unauthenticated: () =>
    new HttpError(401, 'unauthenticated', 'authentication is required', { challenge: 'Bearer realm="deskgate"' }),
  invalidToken: () =>
    new HttpError(401, 'invalid_token', 'the access token or session is invalid, expired or revoked', {
      challenge: 'Bearer realm="deskgate", error="invalid_token"',
    }),
  invalidClient: () =>
    new HttpError(401, 'invalid_client', 'client authentication failed', { challenge: 'Basic realm="deskgate"' }),
  unsupportedGrantType: () =>
    new HttpError(400, 'unsupported_grant_type', 'only the client_credentials grant is supported'),
  invalidScope: () =>
    new HttpError(400, 'invalid_scope', 'the requested scope is invalid, unknown or not allowed for this client'),
  misconfigured: (why) => {
    console.error(why);
    return new HttpError(500, 'server_error', 'this account is not configured correctly');
  },
  internal: () => new HttpError(500, 'server_error', 'the server could not complete the request'),
};

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...headers,
    },
  });
}

function errorResponse(e) {
  const headers = {};
  if (e.challenge) headers['WWW-Authenticate'] = e.challenge;
  if (e.retryAfter !== undefined) headers['Retry-After'] = String(e.retryAfter);
  return json(e.status, { error: e.code, error_description: e.message }, headers);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const base64 = (bytes) => btoa(String.fromCharCode(...bytes));
const base64url = (bytes) => base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const utf8Length = (s) => encoder.encode(s).length;
const random = (n) => crypto.getRandomValues(new Uint8Array(n));

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** Constant-time string equality: both sides hashed to 32 bytes, then compared. */
async function secretMatches(secret, presented) {
  const [a, b] = await Promise.all([sha256(encoder.encode(secret)), sha256(encoder.encode(presented))]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/** A secret or var, if set and non-empty. */
function secret(env, name) {
  const value = env[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function number(env, name, fallback) {
  const value = typeof env[name] === 'string' ? env[name].trim() : '';
  return /^\d+$/.test(value) ? Number(value) : fallback;
}

const isSeconds = (v) => Number.isSafeInteger(v) && v >= 0;
const isServiceId = (id) => /^svc_[0-9a-f]{16}$/.test(id);

// ---------------------------------------------------------------------------------------------
// Configuration and the request's account

function config(env) {
  const baseDomain = secret(env, 'BASE_DOMAIN');
  if (baseDomain === undefined || baseDomain.trim() === '') {
    throw fail.misconfigured('BASE_DOMAIN is not set: refusing every request');
  }
  const maxFailures = number(env, 'SIGNIN_MAX_FAILURES', 10);
  return {
    baseDomain,
    sessionTtl: number(env, 'SESSION_TTL_SECONDS', 8 * 3600),
    jwtTtl: Math.min(number(env, 'JWT_TTL_SECONDS', 3600), SESSION_MAX_LIFETIME),
    maxFailures: maxFailures <= 0xffffffff ? maxFailures : 10,
    windowSeconds: number(env, 'SIGNIN_FAILURE_WINDOW_SECONDS', 600),
  };
}

/** `<account>.<BASE_DOMAIN>[:port]` → the account; anything else is 404 unknown_host. */
function accountFromHost(host, baseDomain) {
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && !host.slice(0, colon).includes(':') && /^\d*$/.test(host.slice(colon + 1))) {
    host = host.slice(0, colon);
  }
  host = host.toLowerCase();
  const base = baseDomain.replace(/^\.+|\.+$/g, '').toLowerCase();
  if (base === '' || !host.endsWith(`.${base}`)) throw fail.unknownHost();
  const name = host.slice(0, -base.length - 1);
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) throw fail.unknownHost();
  return name;
}

function requestContext(request, url, env) {
  const cfg = config(env);
  const account = accountFromHost(url.host, cfg.baseDomain);
  const now = Math.floor(Date.now() / 1000);
  return {
    account,
    ownOrigin: url.origin,
    issuer: `https://${account}.${cfg.baseDomain.replace(/^\.+|\.+$/g, '')}`,
    now,
    date: new Date(now * 1000),
    client: request.headers.get('CF-Connecting-IP') ?? 'unknown',
    config: cfg,
    db: env.DB,
  };
}

/** The account's HS256 key (its own or JWT_SIGNING_KEY), at least 32 bytes, and its kid. */
async function signingKey(env, ctx) {
  const raw = secret(env, `${ctx.account}_jwt_signing_key`) ?? secret(env, 'JWT_SIGNING_KEY');
  if (raw === undefined) throw fail.misconfigured(`account ${ctx.account} has no JWT signing key: refusing to sign`);
  const bytes = encoder.encode(raw);
  if (bytes.length < MIN_KEY_BYTES) {
    throw fail.misconfigured(`account ${ctx.account}'s JWT signing key is under 32 bytes: refusing to sign`);
  }
  const digest = await sha256(bytes);
  return { bytes, kid: `hs256-${hex(digest.subarray(0, 8))}` };
}

/** CREDENTIALS_KEY as an HMAC-SHA256 key; without it no service credential is accepted. */
async function credentialsKey(env) {
  const raw = secret(env, 'CREDENTIALS_KEY');
  if (raw === undefined) throw fail.misconfigured('CREDENTIALS_KEY is not set: refusing service credentials');
  const bytes = encoder.encode(raw);
  if (bytes.length < 32) throw fail.misconfigured('CREDENTIALS_KEY is under 32 bytes: refusing service credentials');
  return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** HMAC-SHA256 over length-prefixed parts (8-byte big-endian length, then the bytes). */
async function mac(key, parts) {
  const encoded = parts.map((p) => encoder.encode(p));
  const buf = new Uint8Array(encoded.reduce((n, p) => n + 8 + p.length, 0));
  const view = new DataView(buf.buffer);
  let at = 0;
  for (const p of encoded) {
    view.setBigUint64(at, BigInt(p.length));
    buf.set(p, at + 8);
    at += 8 + p.length;
  }
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, buf));
}

const serviceKeyHash = async (key, account, serviceKey) => hex(await mac(key, ['service_key', account, serviceKey]));
const jwtSecret = (key, account, credentialId, salt) => mac(key, ['jwt_secret', account, credentialId, salt]);

// ---------------------------------------------------------------------------------------------
// Request bodies

/** At most 8 KiB of body (413 beyond, declared or not); at most 64 KiB is ever read. */
async function readBody(request) {
  const declared = request.headers.get('Content-Length');
  if (declared !== null) {
    if (!/^\d+$/.test(declared.trim())) throw fail.invalidRequest('the Content-Length header is not a number');
    if (Number(declared.trim()) > DRAIN_LIMIT) {
      await request.body?.cancel();
      throw fail.payloadTooLarge();
    }
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += value.byteLength;
    if (seen > DRAIN_LIMIT) {
      await reader.cancel();
      break;
    }
    if (seen <= MAX_BODY_BYTES) chunks.push(value);
  }
  if (seen > MAX_BODY_BYTES) throw fail.payloadTooLarge();
  const body = new Uint8Array(seen);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

function mediaType(request) {
  return (request.headers.get('Content-Type') ?? '').split(';')[0].trim().toLowerCase();
}

async function readJsonBody(request) {
  if (mediaType(request) !== 'application/json') throw fail.unsupportedMediaType();
  return readBody(request);
}

function requiredField(name, value) {
  value ??= '';
  if (value.trim() === '') throw fail.invalidRequest(`the field ${name} is missing or empty`);
  if (utf8Length(value) > MAX_FIELD_BYTES) {
    throw fail.invalidRequest(`the field ${name} is longer than ${MAX_FIELD_BYTES} bytes`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) throw fail.invalidRequest(`the field ${name} contains control characters`);
  return value;
}

function parseSignIn(body) {
  const malformed = () =>
    fail.invalidRequest(
      'the body must be a JSON object with string fields api_key, agent_id, agent_name and platform',
    );
  let raw;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw malformed();
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw malformed();
  if (Object.hasOwn(raw, 'api_key') && Object.hasOwn(raw, 'apikey')) throw malformed();
  const fields = { api_key: raw.api_key ?? raw.apikey, agent_id: raw.agent_id, agent_name: raw.agent_name, platform: raw.platform };
  for (const v of Object.values(fields)) if (v != null && typeof v !== 'string') throw malformed();
  const signIn = {
    api_key: requiredField('api_key', fields.api_key),
    agent_id: requiredField('agent_id', fields.agent_id),
    agent_name: requiredField('agent_name', fields.agent_name),
    platform: requiredField('platform', fields.platform),
  };
  if (!Object.hasOwn(PLATFORMS, signIn.platform)) {
    throw fail.invalidRequest('the field platform must be liveengage or genesys');
  }
  return signIn;
}

/** An application/x-www-form-urlencoded body: a repeated parameter is 400, an empty one absent. */
function parseForm(request, body) {
  if (mediaType(request) !== 'application/x-www-form-urlencoded') {
    throw fail.invalidRequest('the body must be application/x-www-form-urlencoded');
  }
  const params = new Map();
  for (const [name, value] of new URLSearchParams(new TextDecoder().decode(body))) {
    if (params.has(name)) throw fail.invalidRequest(`the parameter ${name} is sent more than once`);
    params.set(name, value);
  }
  return (name) => params.get(name) || undefined;
}

// ---------------------------------------------------------------------------------------------
// Origins (CSRF), cookies

function originList(value) {
  return (value ?? '')
    .split(/[,\s]/)
    .filter((entry) => {
      const i = entry.indexOf('://');
      if (i < 0) return false;
      const scheme = entry.slice(0, i);
      let host = entry.slice(i + 3);
      if (host.startsWith('*.')) host = host.slice(2);
      return (scheme === 'http' || scheme === 'https') && /^[A-Za-z0-9.:-]+$/.test(host);
    })
    .map((entry) => entry.toLowerCase());
}

function originAllowed(patterns, origin) {
  origin = origin.toLowerCase();
  return patterns.some((pattern) => {
    const wild = pattern.indexOf('://*.');
    if (wild < 0) return pattern === origin;
    const prefix = `${pattern.slice(0, wild)}://`;
    const suffix = pattern.slice(wild + 5);
    if (!origin.startsWith(prefix) || !origin.endsWith(`.${suffix}`)) return false;
    const sub = origin.slice(prefix.length, origin.length - suffix.length - 1);
    return /^[a-z0-9.-]+$/.test(sub);
  });
}

/** A state-changing browser request must come from the account's origin or a desktop's. */
function checkCsrf(request, env, ctx) {
  const origin = request.headers.get('Origin');
  if (origin !== null) {
    const desktops = Object.values(PLATFORMS).flatMap((name) => originList(env[name]));
    if (origin.toLowerCase() === ctx.ownOrigin.toLowerCase() || originAllowed(desktops, origin)) return;
    throw fail.originNotAllowed();
  }
  const site = request.headers.get('Sec-Fetch-Site');
  if (site === 'cross-site' || site === 'same-site') throw fail.originNotAllowed();
}

const setCookie = (name, value, maxAge) =>
  `${name}=${value}; Secure; HttpOnly; Path=/; SameSite=None; Partitioned; Max-Age=${maxAge}`;

function readCookie(header, name) {
  for (const pair of (header ?? '').split(';')) {
    const trimmed = pair.trim();
    const eq = trimmed.indexOf('=');
    if (eq >= 0 && trimmed.slice(0, eq) === name) {
      const value = trimmed.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// JWTs

/** The header policy every token passes before its signature is checked. */
function checkHeader(token, { kid, typ } = {}) {
  if (token.length > MAX_TOKEN_BYTES || token.split('.').length !== 3) throw fail.invalidToken();
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw fail.invalidToken();
  }
  if (header.alg !== 'HS256') throw fail.invalidToken();
  if (REFUSED_HEADERS.some((h) => Object.hasOwn(header, h))) throw fail.invalidToken();
  if (header.typ !== undefined && typeof header.typ !== 'string') throw fail.invalidToken();
  if (typ !== undefined) {
    const ok = header.typ === undefined ? typ === 'JWT' : header.typ.toLowerCase() === typ.toLowerCase();
    if (!ok) throw fail.invalidToken();
  }
  if (kid !== undefined && header.kid !== kid) throw fail.invalidToken();
}

/** jose's verification with our time rules; any jose refusal is 401 invalid_token. */
async function verify(token, key, options, ctx) {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      clockTolerance: LEEWAY,
      currentDate: ctx.date,
      ...options,
    });
    return payload;
  } catch (e) {
    if (e instanceof errors.JOSEError) throw Object.assign(fail.invalidToken(), { jose: e.code });
    throw e;
  }
}

/** exp after iat, and no longer after it than the kind allows (jose checks exp and iat vs now). */
function checkLifetime(payload, max) {
  const { iat, exp } = payload;
  if (!isSeconds(iat) || !isSeconds(exp) || exp <= iat || exp - iat > max) throw fail.invalidToken();
}

function signSession(claims, key) {
  return new SignJWT({ name: claims.name, acc: claims.acc, role: claims.role, plat: claims.plat, sid: claims.sid })
    .setProtectedHeader({ typ: 'JWT', alg: 'HS256', kid: key.kid })
    .setIssuer(claims.iss)
    .setAudience(SESSION_AUDIENCE)
    .setSubject(claims.sub)
    .setJti(claims.jti)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(key.bytes);
}

async function verifySession(token, key, ctx) {
  checkHeader(token, { kid: key.kid, typ: 'JWT' });
  const payload = await verify(
    token,
    key.bytes,
    {
      issuer: ctx.issuer,
      audience: SESSION_AUDIENCE,
      maxTokenAge: SESSION_MAX_LIFETIME,
      requiredClaims: ['sub', 'name', 'acc', 'role', 'plat', 'sid', 'jti', 'exp'],
    },
    ctx,
  );
  const strings = ['aud', 'sub', 'name', 'acc', 'role', 'plat', 'sid', 'jti'];
  if (strings.some((c) => typeof payload[c] !== 'string') || payload.acc !== ctx.account) throw fail.invalidToken();
  checkLifetime(payload, SESSION_MAX_LIFETIME);
  return payload;
}

/** Claims for a fresh JWT of a session: never outliving it. */
function sessionClaims(session, ctx, jti) {
  const ttl = Math.max(Math.min(ctx.config.jwtTtl, Math.max(session.expires_at - ctx.now, 0)), 1);
  return {
    iss: ctx.issuer,
    sub: session.subject,
    name: session.name,
    acc: session.account,
    role: session.role,
    plat: session.platform,
    sid: session.id,
    jti,
    iat: ctx.now,
    exp: ctx.now + ttl,
  };
}

/** The iss and aud of a token that passes the header policy, before any signature check. */
function unverifiedRoute(token) {
  checkHeader(token);
  let payload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw fail.invalidToken();
  }
  if (typeof payload.iss !== 'string') throw fail.invalidToken();
  if (payload.aud != null && typeof payload.aud !== 'string') throw fail.invalidToken();
  return { iss: payload.iss, aud: payload.aud ?? undefined };
}

// ---------------------------------------------------------------------------------------------
// D1 (the same statements as edge/src/store/)

const SESSION_COLUMNS = 'id, account, subject, name, role, platform, created_at, expires_at, revoked_at';

const sessionBy = (db, column, value) =>
  db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE ${column} = ?1`).bind(value).first();

const isLive = (s, ctx) => s !== null && s.revoked_at === null && s.account === ctx.account && ctx.now < s.expires_at;

// ---------------------------------------------------------------------------------------------
// Who is calling

function bearerToken(request, url) {
  let fromHeader;
  const authorization = request.headers.get('Authorization');
  if (authorization !== null) {
    const space = authorization.indexOf(' ');
    if (space >= 0 && authorization.slice(0, space).toLowerCase() === 'bearer') {
      const token = authorization.slice(space + 1).trim();
      if (token === '' || token.includes(' ')) throw fail.invalidToken();
      fromHeader = token;
    }
  }
  let fromQuery;
  const query = url.searchParams.getAll('access_token');
  if (query.length === 1 && query[0] !== '') fromQuery = query[0];
  else if (query.length > 0) throw fail.invalidRequest('the access_token parameter must be sent once, and not empty');
  if (fromHeader !== undefined && fromQuery !== undefined) {
    throw fail.invalidRequest('send the access token in the Authorization header or the query, not both');
  }
  return fromHeader ?? fromQuery;
}

async function sessionByJwt(token, env, ctx) {
  const claims = await verifySession(token, await signingKey(env, ctx), ctx);
  const session = await sessionBy(ctx.db, 'id', claims.sid);
  if (!isLive(session, ctx)) throw fail.invalidToken();
  return { session, needsFreshJwt: false };
}

/** The session cookie first, else the JWT cookie; null when neither is sent. */
async function sessionByCookies(request, env, ctx) {
  const cookies = request.headers.get('Cookie');
  const token = readCookie(cookies, SESSION_COOKIE);
  if (token !== undefined) {
    const session = await sessionBy(ctx.db, 'token_hash', hex(await sha256(encoder.encode(token))));
    if (!isLive(session, ctx)) throw fail.invalidToken();
    const jwt = readCookie(cookies, JWT_COOKIE);
    let jwtOk = false;
    if (jwt !== undefined) {
      try {
        jwtOk = (await verifySession(jwt, await signingKey(env, ctx), ctx)).sid === session.id;
      } catch {
        jwtOk = false;
      }
    }
    return { session, needsFreshJwt: !jwtOk };
  }
  const jwt = readCookie(cookies, JWT_COOKIE);
  return jwt === undefined ? null : sessionByJwt(jwt, env, ctx);
}

async function byServiceKey(serviceKey, env, ctx) {
  const hash = await serviceKeyHash(await credentialsKey(env), ctx.account, serviceKey);
  const row = await ctx.db
    .prepare("SELECT service_id, id, status FROM credentials WHERE secret_ref = ?1 AND kind = 'service_key' AND account = ?2")
    .bind(hash, ctx.account)
    .first();
  if (row === null || row.status !== 'active') throw fail.invalidToken();
  return { serviceId: row.service_id, credentialId: row.id };
}

/** A JWT the service signed with one of its active JWT secrets (HS256, iss = service id). */
async function byCallerJwt(token, serviceId, env, ctx) {
  if (!isServiceId(serviceId)) throw fail.invalidToken();
  const key = await credentialsKey(env);
  const { results } = await ctx.db
    .prepare("SELECT id, secret_ref FROM credentials WHERE account = ?1 AND service_id = ?2 AND kind = 'jwt' AND status = 'active'")
    .bind(ctx.account, serviceId)
    .all();
  checkHeader(token, { typ: 'JWT' });
  for (const { id, secret_ref: salt } of results) {
    let payload;
    try {
      payload = await verify(
        token,
        await jwtSecret(key, ctx.account, id, salt),
        { issuer: serviceId, maxTokenAge: CALLER_MAX_AGE, requiredClaims: ['iat'] },
        ctx,
      );
    } catch (e) {
      if (e.jose === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') continue;
      throw e;
    }
    const { iat, exp } = payload;
    if (!isSeconds(iat) || (exp !== undefined && (!isSeconds(exp) || exp <= iat))) throw fail.invalidToken();
    return { serviceId, credentialId: id };
  }
  throw fail.invalidToken();
}

async function byAccessToken(token, env, ctx) {
  const key = await signingKey(env, ctx);
  checkHeader(token, { kid: key.kid, typ: ACCESS_TYP });
  const payload = await verify(
    token,
    key.bytes,
    {
      issuer: ctx.issuer,
      audience: ACCESS_AUDIENCE,
      typ: ACCESS_TYP,
      maxTokenAge: TESTING_TTL,
      requiredClaims: ['sub', 'client_id', 'acc', 'scope', 'jti', 'exp'],
    },
    ctx,
  );
  const strings = ['aud', 'sub', 'client_id', 'acc', 'scope', 'jti'];
  if (strings.some((c) => typeof payload[c] !== 'string')) throw fail.invalidToken();
  if (payload.acc !== ctx.account || payload.client_id !== payload.sub) throw fail.invalidToken();
  checkLifetime(payload, payload.testing === true ? TESTING_TTL : ACCESS_TTL);
  const row = await ctx.db
    .prepare('SELECT revoked_at FROM access_tokens WHERE jti = ?1 AND account = ?2 AND service_id = ?3')
    .bind(payload.jti, ctx.account, payload.sub)
    .first();
  if (row === null || row.revoked_at !== null) throw fail.invalidToken();
  return payload;
}

// ---------------------------------------------------------------------------------------------
// Endpoints

/** GET /widget/<platform>?q → 302 /v2/widget/<platform>?q, the raw query kept byte for byte. */
function legacyRedirect(platform, request) {
  if (!Object.hasOwn(PLATFORMS, platform)) throw fail.unknownPlatform();
  const raw = request.url.split('#')[0];
  const q = raw.indexOf('?');
  const location = q < 0 ? `/v2/widget/${platform}` : `/v2/widget/${platform}?${raw.slice(q + 1)}`;
  return new Response(null, {
    status: 302,
    headers: { Location: location, 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' },
  });
}

/** POST /apis/admin/session/api-key/: an agent session. Nothing is written for a refusal but a
 *  wrong key's failure count. */
async function signInWithApiKey(request, env, ctx) {
  checkCsrf(request, env, ctx);
  const signIn = parseSignIn(await readJsonBody(request));
  const apiKey = secret(env, `${ctx.account}_integration_api_key`);
  if (apiKey === undefined) throw fail.invalidApiKey();

  const { db } = ctx;
  const window = await db
    .prepare('SELECT started_at, failures FROM signin_failures WHERE account = ?1 AND client = ?2')
    .bind(ctx.account, ctx.client)
    .first();
  if (window !== null) {
    const closesAt = window.started_at + ctx.config.windowSeconds;
    if (ctx.now < closesAt && window.failures >= ctx.config.maxFailures) {
      throw fail.tooManyAttempts(Math.max(closesAt - ctx.now, 1));
    }
  }
  if (!(await secretMatches(apiKey, signIn.api_key))) {
    await db
      .prepare(
        'INSERT INTO signin_failures (account, client, started_at, failures) VALUES (?1, ?2, ?3, 1) ' +
          'ON CONFLICT (account, client) DO UPDATE SET ' +
          'failures = CASE WHEN started_at + ?4 <= ?3 THEN 1 ELSE failures + 1 END, ' +
          'started_at = CASE WHEN started_at + ?4 <= ?3 THEN ?3 ELSE started_at END',
      )
      .bind(ctx.account, ctx.client, ctx.now, ctx.config.windowSeconds)
      .run();
    throw fail.invalidApiKey();
  }

  const key = await signingKey(env, ctx);
  const ids = random(64);
  const token = base64url(ids.subarray(0, 32));
  const session = {
    id: hex(ids.subarray(32, 48)),
    account: ctx.account,
    subject: signIn.agent_id,
    name: signIn.agent_name,
    role: 'agent',
    platform: signIn.platform,
    created_at: ctx.now,
    expires_at: ctx.now + ctx.config.sessionTtl,
  };
  const claims = sessionClaims(session, ctx, hex(ids.subarray(48, 64)));
  // Sign before storing: a signing failure leaves nothing behind.
  const jwt = await signSession(claims, key);
  await db
    .prepare(
      'INSERT INTO sessions (id, token_hash, account, subject, name, role, platform, created_at, expires_at) ' +
        'VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)',
    )
    .bind(
      session.id,
      hex(await sha256(encoder.encode(token))),
      session.account,
      session.subject,
      session.name,
      session.role,
      session.platform,
      session.created_at,
      session.expires_at,
    )
    .run();

  const res = json(200, {
    user: userOf(session),
    expires_at: session.expires_at,
    access_token: jwt,
    token_type: 'Bearer',
  });
  res.headers.append('Set-Cookie', setCookie(SESSION_COOKIE, token, ctx.config.sessionTtl));
  res.headers.append('Set-Cookie', setCookie(JWT_COOKIE, jwt, claims.exp - ctx.now));
  return res;
}

const userOf = (s) => ({ id: s.subject, name: s.name, role: s.role, account: s.account, platform: s.platform });

/** GET /apis/admin/session/: a bearer session JWT, else the cookies. */
async function currentSession(request, url, env, ctx) {
  const token = bearerToken(request, url);
  const auth = token !== undefined ? await sessionByJwt(token, env, ctx) : await sessionByCookies(request, env, ctx);
  if (auth === null) throw fail.unauthenticated();
  const { session } = auth;
  const res = json(200, { user: userOf(session), expires_at: session.expires_at });
  if (auth.needsFreshJwt) {
    const claims = sessionClaims(session, ctx, hex(random(16)));
    const jwt = await signSession(claims, await signingKey(env, ctx));
    res.headers.append('Set-Cookie', setCookie(JWT_COOKIE, jwt, claims.exp - ctx.now));
  }
  return res;
}

/** GET /v1/whoami: a bearer token (caller JWT, access token or session JWT), then
 *  X-Service-Key, then the session cookies; the first present decides alone. */
async function whoami(request, url, env, ctx) {
  const service = (kind, s) => ({ kind, id: s.serviceId, account: ctx.account, role: 'service', credential_id: s.credentialId });
  const token = bearerToken(request, url);
  if (token !== undefined) {
    const { iss, aud } = unverifiedRoute(token);
    if (iss !== ctx.issuer) return json(200, service('caller_jwt', await byCallerJwt(token, iss, env, ctx)));
    if (aud === ACCESS_AUDIENCE) {
      const claims = await byAccessToken(token, env, ctx);
      const body = { kind: 'access_token', id: claims.sub, account: ctx.account, role: 'service', scope: claims.scope };
      if (claims.testing === true) body.testing = true;
      return json(200, body);
    }
    return json(200, sessionWhoami(await sessionByJwt(token, env, ctx)));
  }
  const serviceKey = request.headers.get('X-Service-Key');
  if (serviceKey !== null) return json(200, service('service_key', await byServiceKey(serviceKey.trim(), env, ctx)));
  const auth = await sessionByCookies(request, env, ctx);
  if (auth === null) throw fail.unauthenticated();
  return json(200, sessionWhoami(auth));
}

const sessionWhoami = ({ session: s }) => ({
  kind: 'session',
  id: s.subject,
  account: s.account,
  role: s.role,
  name: s.name,
  platform: s.platform,
});

/** The client's id and secret: HTTP Basic or the body, never both (RFC 6749 §2.3.1). */
function clientCredentials(authorization, form) {
  let basic = null;
  const value = (authorization ?? '').trim();
  const space = value.indexOf(' ');
  if (space >= 0 && value.slice(0, space).toLowerCase() === 'basic') {
    const malformed = () => fail.invalidRequest('the Basic authorization header is malformed');
    let text;
    try {
      const binary = atob(value.slice(space + 1).trim());
      text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    } catch {
      throw malformed();
    }
    const colon = text.indexOf(':');
    if (colon < 0) throw malformed();
    const unescape = (s) => new URLSearchParams(`x=${s}`).get('x') ?? '';
    basic = [unescape(text.slice(0, colon)), unescape(text.slice(colon + 1))];
  }
  let id, secretValue;
  if (basic !== null) {
    if (form('client_secret') !== undefined) {
      throw fail.invalidRequest('the client authenticated with more than one method');
    }
    [id, secretValue] = basic;
  } else if (form('client_id') !== undefined && form('client_secret') !== undefined) {
    [id, secretValue] = [form('client_id'), form('client_secret')];
  } else {
    throw fail.invalidClient();
  }
  const fits = (s) => s !== '' && utf8Length(s) <= MAX_FIELD_BYTES;
  if (!fits(id) || !fits(secretValue)) throw fail.invalidClient();
  return { id, secret: secretValue };
}

/** The scopes granted: what was asked for (all the service's when nothing was), within them. */
function grantScope(requested, allowed) {
  const allowedList = allowed.split(' ').filter(Boolean);
  if (requested === undefined) return allowedList.join(' ');
  const tokens = requested.split(' ').filter(Boolean);
  const wellFormed = (t) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(t);
  if (tokens.length === 0 || !tokens.every(wellFormed) || !tokens.every((t) => SCOPES.includes(t))) {
    throw fail.invalidScope();
  }
  const granted = [];
  for (const t of tokens) {
    if (!allowedList.includes(t)) throw fail.invalidScope();
    if (!granted.includes(t)) granted.push(t);
  }
  return granted.join(' ');
}

/** POST /oauth/token, grant_type=client_credentials: a service id and one of its active keys. */
async function oauthToken(request, env, ctx) {
  const form = parseForm(request, await readBody(request));
  const grantType = form('grant_type');
  if (grantType === undefined) throw fail.invalidRequest('the parameter grant_type is missing');
  if (grantType !== 'client_credentials') throw fail.unsupportedGrantType();
  const client = clientCredentials(request.headers.get('Authorization'), form);

  if (!isServiceId(client.id)) throw fail.invalidClient();
  const service = await ctx.db
    .prepare('SELECT id, name, scopes, version FROM services WHERE account = ?1 AND id = ?2')
    .bind(ctx.account, client.id)
    .first();
  if (service === null) throw fail.invalidClient();
  let caller;
  try {
    caller = await byServiceKey(client.secret, env, ctx);
  } catch (e) {
    throw e.code === 'invalid_token' ? fail.invalidClient() : e;
  }
  if (caller.serviceId !== service.id) throw fail.invalidClient();
  const scope = grantScope(form('scope'), service.scopes);

  const jti = hex(random(16));
  const iat = ctx.now;
  const exp = iat + ACCESS_TTL;
  // Sign before recording: a signing failure leaves nothing behind.
  const key = await signingKey(env, ctx);
  const accessToken = await new SignJWT({ client_id: service.id, acc: ctx.account, scope })
    .setProtectedHeader({ typ: ACCESS_TYP, alg: 'HS256', kid: key.kid })
    .setIssuer(ctx.issuer)
    .setAudience(ACCESS_AUDIENCE)
    .setSubject(service.id)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key.bytes);
  await ctx.db
    .prepare(
      'INSERT INTO access_tokens (jti, account, service_id, credential_id, scope, testing, issued_at, expires_at) ' +
        'VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)',
    )
    .bind(jti, ctx.account, service.id, caller.credentialId, scope, 0, iat, exp)
    .run();
  return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TTL, scope }, { Pragma: 'no-cache' });
}

/** POST /__bench/seed (benchmark only, never deploy): one service of the host's account with one
 *  active service key and one active JWT credential, made as ours makes them. */
async function benchSeed(env, ctx) {
  const key = await credentialsKey(env);
  const serviceId = `svc_${hex(random(8))}`;
  const keyId = `cred_${hex(random(8))}`;
  const jwtId = `cred_${hex(random(8))}`;
  const serviceKey = `${SERVICE_KEY_PREFIX}${base64url(random(32))}`;
  const salt = hex(random(32));
  const jwtSecretB64 = base64(await jwtSecret(key, ctx.account, jwtId, salt));
  const masked = (prefix, s) => `${prefix}…${s.slice(-4)}`;
  const insertCredential = ctx.db.prepare(
    'INSERT INTO credentials (id, service_id, account, kind, status, secret_ref, masked, created_at) ' +
      "VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?6, ?7)",
  );
  await ctx.db.batch([
    ctx.db
      .prepare('INSERT INTO services (id, account, name, scopes, version, created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5)')
      .bind(serviceId, ctx.account, 'bench', SCOPES.join(' '), ctx.now),
    insertCredential.bind(
      keyId, serviceId, ctx.account, 'service_key',
      await serviceKeyHash(key, ctx.account, serviceKey), masked(SERVICE_KEY_PREFIX, serviceKey), ctx.now,
    ),
    insertCredential.bind(jwtId, serviceId, ctx.account, 'jwt', salt, masked('', jwtSecretB64), ctx.now),
  ]);
  return json(201, { id: serviceId, key: serviceKey, keyId, jwtSecret: jwtSecretB64, jwtId });
}

// ---------------------------------------------------------------------------------------------
// Routing

async function route(request, env) {
  const url = new URL(request.url);
  const ctx = requestContext(request, url, env);
  const segments = url.pathname.replace(/\/+$/, '').split('/').slice(1);
  const path = segments.join('/');
  const method = request.method;

  if (segments.length === 2 && segments[0] === 'widget') {
    if (method === 'GET') return legacyRedirect(segments[1], request);
    throw fail.methodNotAllowed();
  }
  switch (path) {
    case 'apis/admin/session/api-key':
      if (method === 'POST') return signInWithApiKey(request, env, ctx);
      throw fail.methodNotAllowed();
    case 'apis/admin/session':
      if (method === 'GET') return currentSession(request, url, env, ctx);
      throw fail.methodNotAllowed();
    case 'v1/whoami':
      if (method === 'GET') return whoami(request, url, env, ctx);
      throw fail.methodNotAllowed();
    case 'oauth/token':
      if (method === 'POST') return oauthToken(request, env, ctx);
      throw fail.notFound();
    case '__bench/seed':
      if (method === 'POST') return benchSeed(env, ctx);
      throw fail.notFound();
    default:
      throw fail.notFound();
  }
}

export default {
  async fetch(request, env) {
    try {
      return await route(request, env);
    } catch (e) {
      if (e instanceof HttpError) return errorResponse(e);
      console.error(`internal error: ${e?.stack ?? e}`);
      return errorResponse(fail.internal());
    }
  },
};
