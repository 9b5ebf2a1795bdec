// The benchmark's reference: deskgate's hot endpoints as a team would write them by hand in plain
// JavaScript, with `jose` for JWTs and WebCrypto for everything else. It is not deskgate; it
// mirrors the Rust worker (edge/, authcore/) endpoint by endpoint, with the same checks in the same
// order, the same answers, and the same D1 statements and round trips per request as deskgate in
// strict mode (`REVOCATION_DELAY_SECONDS=0`; see README.md), so a benchmark compares runtimes and
// libraries rather than amounts of work.
//
// Like deskgate, it reads its configuration once per isolate and derives what it derives from
// its secrets (signing keys and their kids, the credentials key) once per isolate, in bounded
// memory; like deskgate in strict mode, it remembers nothing it read from storage.

import { SignJWT, jwtVerify, decodeProtectedHeader, decodeJwt, errors } from 'jose';

// ---------------------------------------------------------------------------------------------
// Constants (authcore's)

const SESSION_COOKIE = '__Host-deskgate_session';
const JWT_COOKIE = '__Host-deskgate_jwt';
const SESSION_AUDIENCE = 'deskgate';
const RENEWAL_AUDIENCE = 'deskgate-renewal';
const RENEWAL_TYP = 'renew+jwt';
const ACCESS_AUDIENCE = 'deskgate-api';
const ACCESS_TYP = 'at+jwt';
const SESSION_MAX_LIFETIME = 3600;
const DEFAULT_SESSION_TTL = 8 * 3600;
const MAX_SESSION_TTL = 7 * 24 * 3600;
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
const METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'];
const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];
const SCOPES = ['api.read', 'api.write'];
const SERVICE_KEY_PREFIX = 'dgsk_';
const ACCOUNT_BUCKET = '*';
const DERIVED_CAPACITY = 1024;

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Errors: one class, rendered in one place, the same codes, statuses, sentences and challenges.

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
  invalidApiKey: () =>
    new HttpError(401, 'invalid_api_key', 'the API key was refused', { challenge: 'ApiKey realm="deskgate"' }),
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

function number(env, name) {
  const value = typeof env[name] === 'string' ? env[name].trim() : '';
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

const clamp = (n, lo, hi) => Math.min(Math.max(n, lo), hi);
const isSeconds = (v) => Number.isSafeInteger(v) && v >= 0;
const isServiceId = (id) => /^svc_[0-9a-f]{16}$/.test(id);

// ---------------------------------------------------------------------------------------------
// What the isolate reads once: the configuration, and what it derives from its secrets

let configOnce;

/** The deployment's settings, read by the isolate's first request (vars cannot change under a
 *  running isolate). Without BASE_DOMAIN every request is refused. */
function config(env) {
  configOnce ??= (() => {
    const baseDomain = secret(env, 'BASE_DOMAIN');
    if (baseDomain === undefined || baseDomain.trim() === '') {
      return { error: fail.misconfigured('BASE_DOMAIN is not set: refusing every request') };
    }
    const count = (name, fallback) => {
      const n = number(env, name);
      return n !== undefined && n <= 0xffffffff ? n : fallback;
    };
    return {
      value: {
        baseDomain,
        sessionTtl: clamp(number(env, 'SESSION_TTL_SECONDS') ?? DEFAULT_SESSION_TTL, 1, MAX_SESSION_TTL),
        jwtTtl: clamp(number(env, 'JWT_TTL_SECONDS') ?? 3600, 1, SESSION_MAX_LIFETIME),
        maxFailures: count('SIGNIN_MAX_FAILURES', 10),
        accountMaxFailures: count('SIGNIN_ACCOUNT_MAX_FAILURES', 100),
        windowSeconds: Math.max(number(env, 'SIGNIN_FAILURE_WINDOW_SECONDS') ?? 600, 1),
        desktops: Object.fromEntries(Object.entries(PLATFORMS).map(([p, name]) => [p, originList(env[name])])),
      },
    };
  })();
  if (configOnce.error) throw configOnce.error;
  return configOnce.value;
}

const derived = new Map();

/** `derive()` once per isolate for each name, in bounded memory (an unknown account's host can
 *  be made up at will). What it returns (a promise, which may reject) is kept as is. */
function once(name, derive) {
  if (derived.has(name)) return derived.get(name);
  if (derived.size >= DERIVED_CAPACITY) derived.clear();
  const value = derive();
  derived.set(name, value);
  return value;
}

/** An HS256 key (at least 32 bytes) as a WebCrypto key, and its kid. */
async function hs256Key(raw) {
  const bytes = encoder.encode(raw);
  const digest = await sha256(bytes);
  const key = await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  return { key, kid: `hs256-${hex(digest.subarray(0, 8))}` };
}

/** The current and previous signing secrets of the source the account's key comes from. */
function signingSecrets(env, account) {
  const own = secret(env, `${account}_jwt_signing_key`);
  if (own !== undefined) return [own, secret(env, `${account}_jwt_signing_key_previous`)];
  return [secret(env, 'JWT_SIGNING_KEY'), secret(env, 'JWT_SIGNING_KEY_PREVIOUS')];
}

/** The account's signing key (its own or JWT_SIGNING_KEY), at least 32 bytes: every token is
 *  signed with it. */
function signingKey(env, account) {
  return once(`signing:${account}`, async () => {
    const [raw] = signingSecrets(env, account);
    if (raw === undefined) throw fail.misconfigured(`account ${account} has no JWT signing key: refusing to sign`);
    if (encoder.encode(raw).length < MIN_KEY_BYTES) {
      throw fail.misconfigured(`account ${account}'s JWT signing key is under 32 bytes: refusing to sign`);
    }
    return hs256Key(raw);
  });
}

/** The keys that verify the account's own tokens: the signing key and, during a rotation, the
 *  previous key of the same source (one under 32 bytes is ignored). Chosen by kid. */
function verifyingKeys(env, account) {
  return once(`verifying:${account}`, async () => {
    const current = await signingKey(env, account);
    const [, previousRaw] = signingSecrets(env, account);
    let previous;
    if (previousRaw !== undefined) {
      if (encoder.encode(previousRaw).length < MIN_KEY_BYTES) {
        console.error(`account ${account}'s previous JWT signing key is under 32 bytes: ignored`);
      } else {
        previous = await hs256Key(previousRaw);
      }
    }
    return previous === undefined || previous.kid === current.kid ? [current] : [current, previous];
  });
}

/** CREDENTIALS_KEY as an HMAC-SHA256 key; without it no service credential is accepted. */
function credentialsKey(env) {
  return once('credentials', async () => {
    const raw = secret(env, 'CREDENTIALS_KEY');
    if (raw === undefined) throw fail.misconfigured('CREDENTIALS_KEY is not set: refusing service credentials');
    const bytes = encoder.encode(raw);
    if (bytes.length < 32) throw fail.misconfigured('CREDENTIALS_KEY is under 32 bytes: refusing service credentials');
    return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  });
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
// Client addresses

/** An IPv4 address's four octets (no leading zeros), or undefined. */
function parseIpv4(text) {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

/** An IPv6 address's eight 16-bit groups (`::` and a trailing IPv4 part allowed), or undefined. */
function parseIpv6(text) {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half, last) => {
    if (half === '') return [];
    const out = [];
    const parts = half.split(':');
    for (const [i, p] of parts.entries()) {
      if (last && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  if (halves.length === 1) {
    const all = groups(halves[0], true);
    return all?.length === 8 ? all : undefined;
  }
  const head = groups(halves[0], false);
  const tail = groups(halves[1], true);
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...Array(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text of eight groups (the longest run of two or more zero groups as `::`). */
function formatIpv6(g) {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  }
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i += 1; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j += 1;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const text = (xs) => xs.map((x) => x.toString(16)).join(':');
  if (best.len < 2) return text(g);
  return `${text(g.slice(0, best.at))}::${text(g.slice(best.at + best.len))}`;
}

/** `CF-Connecting-IP` as the audit log records it, and the throttle's bucket for it (an IPv6
 *  client's /64; an IPv4-mapped address is its IPv4 address; no address is `unknown`). */
function clientOf(header) {
  const text = (header ?? '').trim();
  const v4 = parseIpv4(text);
  if (v4) return { ip: v4.join('.'), bucket: v4.join('.') };
  const v6 = parseIpv6(text);
  if (!v6) return { ip: 'unknown', bucket: 'unknown' };
  const ip = formatIpv6(v6);
  if (v6.slice(0, 5).every((x) => x === 0) && v6[5] === 0xffff) return { ip, bucket: ip.slice('::ffff:'.length) };
  return { ip, bucket: `${formatIpv6([...v6.slice(0, 4), 0, 0, 0, 0])}/64` };
}

// ---------------------------------------------------------------------------------------------
// The request's account

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

function requestContext(request, url, method, env) {
  const cfg = config(env);
  const account = accountFromHost(url.host, cfg.baseDomain);
  const client = clientOf(request.headers.get('CF-Connecting-IP'));
  return {
    account,
    method,
    ownOrigin: url.origin,
    origin: request.headers.get('Origin'),
    secFetchSite: request.headers.get('Sec-Fetch-Site'),
    issuer: `https://${account}.${cfg.baseDomain.replace(/^\.+|\.+$/g, '')}`,
    now: Math.floor(Date.now() / 1000),
    clientIp: client.ip,
    client: client.bucket,
    config: cfg,
    db: env.DB,
  };
}

// ---------------------------------------------------------------------------------------------
// Request bodies

/** At most 8 KiB of body (413 beyond, declared or not); at most 64 KiB is ever read. */
async function readBody(request) {
  const declared = request.headers.get('Content-Length');
  if (declared !== null) {
    const n = declared.trim();
    const tooLarge = /^\d+$/.test(n) && Number(n) > DRAIN_LIMIT;
    if (tooLarge || !/^\d+$/.test(n)) {
      await request.body?.cancel();
      throw tooLarge ? fail.payloadTooLarge() : fail.invalidRequest('the Content-Length header is not a number');
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

/** A state-changing browser request must come from the account's origin, or from one of
 *  `desktops`, or from no browser context at all. */
function checkOrigin(ctx, desktops) {
  const { origin } = ctx;
  if (origin !== null) {
    if (origin.toLowerCase() === ctx.ownOrigin.toLowerCase() || originAllowed(desktops, origin)) return;
    throw fail.originNotAllowed();
  }
  if (ctx.secFetchSite === 'cross-site' || ctx.secFetchSite === 'same-site') throw fail.originNotAllowed();
}

const setCookie = (name, value, maxAge) =>
  `${name}=${value}; Secure; HttpOnly; Path=/; SameSite=None; Partitioned; Max-Age=${maxAge}`;

/** Cookie `name`'s value: undefined when absent or empty; the same name twice with different
 *  values is refused (which one the browser meant cannot be known). */
function readCookie(header, name) {
  let found;
  for (const pair of (header ?? '').split(';')) {
    const trimmed = pair.trim();
    const eq = trimmed.indexOf('=');
    if (eq < 0 || trimmed.slice(0, eq) !== name) continue;
    const value = trimmed.slice(eq + 1).trim();
    if (value === '') continue;
    if (found !== undefined && found !== value) throw fail.invalidToken();
    found = value;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// JWTs

/** The header policy every token passes before its signature is checked: `alg` exactly HS256,
 *  none of `crit`, `jku`, `jwk`, `x5u`, `x5c`, and `typ` as expected (a plain JWT may leave it
 *  out). Returns the header. */
function checkHeader(token, typ) {
  if (utf8Length(token) > MAX_TOKEN_BYTES || token.split('.').length !== 3) throw fail.invalidToken();
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw fail.invalidToken();
  }
  if (header.alg !== 'HS256') throw fail.invalidToken();
  if (REFUSED_HEADERS.some((h) => Object.hasOwn(header, h))) throw fail.invalidToken();
  if (header.typ !== undefined && header.typ !== null && typeof header.typ !== 'string') throw fail.invalidToken();
  if (header.kid !== undefined && header.kid !== null && typeof header.kid !== 'string') throw fail.invalidToken();
  if (typ !== undefined) {
    const ok = header.typ == null ? typ === 'JWT' : header.typ.toLowerCase() === typ.toLowerCase();
    if (!ok) throw fail.invalidToken();
  }
  return header;
}

/** jose's verification with our time rules; any jose refusal is 401 invalid_token. */
async function verify(token, key, options, ctx) {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      clockTolerance: LEEWAY,
      currentDate: new Date(ctx.now * 1000),
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

/** One of the account's own tokens: the key its kid names in `ring` (exactly, never by trying
 *  each), then the signature, issuer, audience, account, the kind's claims, and times. */
async function verifyOwn(token, ring, { typ, audience, maxLifetime, strings }, ctx) {
  const { kid } = checkHeader(token, typ);
  const key = ring.find((k) => k.kid === kid);
  if (key === undefined) throw fail.invalidToken();
  const payload = await verify(
    token,
    key.key,
    { issuer: ctx.issuer, audience, maxTokenAge: maxLifetime(undefined), requiredClaims: [...strings, 'iat', 'exp'] },
    ctx,
  );
  if (['aud', ...strings].some((c) => typeof payload[c] !== 'string') || payload.acc !== ctx.account) {
    throw fail.invalidToken();
  }
  checkLifetime(payload, maxLifetime(payload));
  return payload;
}

function sign(payload, { typ, audience, subject, jti, iat, exp }, signer, ctx) {
  let jwt = new SignJWT(payload).setProtectedHeader({ typ, alg: 'HS256', kid: signer.kid }).setIssuer(ctx.issuer).setAudience(audience);
  if (subject !== undefined) jwt = jwt.setSubject(subject);
  if (jti !== undefined) jwt = jwt.setJti(jti);
  return jwt.setIssuedAt(iat).setExpirationTime(exp).sign(signer.key);
}

const amrOf = (session) => [session.method];

/** Claims for a fresh JWT of a session: never outliving it. */
function sessionJwt(session, ctx, jti, signer) {
  const exp = ctx.now + Math.max(Math.min(ctx.config.jwtTtl, Math.max(session.expires_at - ctx.now, 0)), 1);
  const payload = { name: session.name, acc: session.account, role: session.role, plat: session.platform, sid: session.id, amr: amrOf(session) };
  return sign(payload, { typ: 'JWT', audience: SESSION_AUDIENCE, subject: session.subject, jti, iat: ctx.now, exp }, signer, ctx)
    .then((jwt) => ({ jwt, exp }));
}

/** The renewal token of a session (SPEC 1.8): its own kind, naming the session, ending with it. */
function renewalToken(session, ctx, signer) {
  const exp = Math.max(session.expires_at, ctx.now + 1);
  return sign({ acc: session.account, sid: session.id }, { typ: RENEWAL_TYP, audience: RENEWAL_AUDIENCE, iat: ctx.now, exp }, signer, ctx);
}

const SESSION_TOKEN = {
  typ: 'JWT',
  audience: SESSION_AUDIENCE,
  maxLifetime: () => SESSION_MAX_LIFETIME,
  strings: ['sub', 'name', 'acc', 'role', 'plat', 'sid', 'jti'],
};

async function verifySession(token, env, ctx) {
  const payload = await verifyOwn(token, await verifyingKeys(env, ctx.account), SESSION_TOKEN, ctx);
  if (!Array.isArray(payload.amr) || !payload.amr.every((m) => typeof m === 'string')) throw fail.invalidToken();
  return payload;
}

/** The iss and aud of a token that passes the header policy, before any signature check (an aud
 *  that is not one string, an array say, is none: deskgate's own tokens carry one string). */
function unverifiedRoute(token) {
  checkHeader(token);
  let payload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw fail.invalidToken();
  }
  if (typeof payload.iss !== 'string') throw fail.invalidToken();
  const { aud } = payload;
  if (aud != null && typeof aud !== 'string' && !Array.isArray(aud)) throw fail.invalidToken();
  return { iss: payload.iss, aud: typeof aud === 'string' ? aud : undefined };
}

// ---------------------------------------------------------------------------------------------
// D1 (the same statements as edge/src/store/)

const SESSION_COLUMNS = 'id, account, subject, name, role, platform, method, ip, created_at, expires_at, revoked_at';

const sessionBy = (db, column, value) =>
  db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE ${column} = ?1`).bind(value).first();

const METHOD_NAMES = ['api_key', 'launch', 'password'];
/** A stored session; a method this code did not write is read as the weakest one. */
const sessionRecord = (row) => row && { ...row, method: METHOD_NAMES.includes(row.method) ? row.method : 'api_key' };

const isLive = (s, ctx) => s !== null && s.revoked_at === null && s.account === ctx.account && ctx.now < s.expires_at;

const UPSERT =
  'ON CONFLICT (account, client) DO UPDATE SET ' +
  'failures = CASE WHEN started_at + ?4 <= ?3 THEN 1 ELSE failures + 1 END, ' +
  'started_at = CASE WHEN started_at + ?4 <= ?3 THEN ?3 ELSE started_at END ' +
  'RETURNING started_at, failures';

/** The two upserts that count one attempt, each returning its window: the client's, then the
 *  account's (unless the client has already used up its limit), which reads what the first
 *  wrote. They begin a batch. */
function countStatements(ctx) {
  const { db, config: cfg } = ctx;
  return [
    db
      .prepare(`INSERT INTO signin_failures (account, client, started_at, failures) VALUES (?1, ?2, ?3, 1) ${UPSERT}`)
      .bind(ctx.account, ctx.client, ctx.now, cfg.windowSeconds),
    db
      .prepare(
        'INSERT INTO signin_failures (account, client, started_at, failures) SELECT ?1, ?6, ?3, 1 ' +
          'WHERE (SELECT failures FROM signin_failures WHERE account = ?1 AND client = ?2) <= ?5 ' +
          UPSERT,
      )
      .bind(ctx.account, ctx.client, ctx.now, cfg.windowSeconds, cfg.maxFailures, ACCOUNT_BUCKET),
  ];
}

/** The windows the counting statements at the start of a batch returned. */
function counted([forClient, forAccount]) {
  const client = forClient.results[0];
  if (client === undefined) {
    console.error("the throttle's upsert returned no row");
    throw fail.internal();
  }
  return { client, account: forAccount.results[0] };
}

/** Whether a sign-in's writes, batched after the counting statements, may take effect: the
 *  credential was right, and both windows within their limits; binds ?n to ?n+5. */
const admitted = (n) =>
  `(SELECT failures FROM signin_failures WHERE account = ?${n} AND client = ?${n + 1}) <= ?${n + 2} ` +
  `AND (SELECT failures FROM signin_failures WHERE account = ?${n} AND client = ?${n + 3}) <= ?${n + 4} AND ?${n + 5} = 1`;
const admittedArgs = (ctx, right) => [ctx.account, ctx.client, ctx.config.maxFailures, ACCOUNT_BUCKET, ctx.config.accountMaxFailures, right ? 1 : 0];

/** 429 while either window is over its limit, with the seconds until the fuller one closes. */
function admit(counted, ctx) {
  const over = (w, max) => {
    const closesAt = w.started_at + ctx.config.windowSeconds;
    return w.failures > max && ctx.now < closesAt ? Math.max(closesAt - ctx.now, 1) : undefined;
  };
  const waits = [over(counted.client, ctx.config.maxFailures), counted.account && over(counted.account, ctx.config.accountMaxFailures)]
    .filter((w) => w !== undefined);
  if (waits.length > 0) throw fail.tooManyAttempts(Math.max(...waits));
}

/** Gives an admitted attempt's count back in both windows, in the batch that counted it. */
const giveBack = (ctx, right) =>
  ctx.db
    .prepare(`UPDATE signin_failures SET failures = MAX(failures - 1, 0) WHERE account = ?1 AND client IN (?2, ?3) AND ${admitted(4)}`)
    .bind(ctx.account, ctx.client, ACCOUNT_BUCKET, ...admittedArgs(ctx, right));

// ---------------------------------------------------------------------------------------------
// Who is calling

function bearerToken(request, url, { query }) {
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
  if (!query) return fromHeader;
  let fromQuery;
  const values = url.searchParams.getAll('access_token');
  if (values.length === 1 && values[0] !== '') fromQuery = values[0];
  else if (values.length > 0) throw fail.invalidRequest('the access_token parameter must be sent once, and not empty');
  if (fromHeader !== undefined && fromQuery !== undefined) {
    throw fail.invalidRequest('send the access token in the Authorization header or the query, not both');
  }
  return fromHeader ?? fromQuery;
}

async function liveSession(column, value, ctx) {
  const session = sessionRecord(await sessionBy(ctx.db, column, value));
  if (!isLive(session, ctx)) throw fail.invalidToken();
  return session;
}

async function sessionByJwt(token, env, ctx) {
  const claims = await verifySession(token, env, ctx);
  return { session: await liveSession('id', claims.sid, ctx), needsFreshJwt: false };
}

/** The session cookie first, else the JWT cookie; null when neither is sent. A request whose
 *  method is not safe must come from the account's own origin (CSRF). */
async function sessionByCookies(request, env, ctx) {
  const cookies = request.headers.get('Cookie');
  const token = readCookie(cookies, SESSION_COOKIE);
  const jwt = readCookie(cookies, JWT_COOKIE);
  if (token === undefined && jwt === undefined) return null;
  if (!SAFE_METHODS.includes(ctx.method)) checkOrigin(ctx, []);
  if (token !== undefined) {
    const session = await liveSession('token_hash', hex(await sha256(encoder.encode(token))), ctx);
    let jwtOk = false;
    if (jwt !== undefined) {
      try {
        jwtOk = (await verifySession(jwt, env, ctx)).sid === session.id;
      } catch {
        jwtOk = false;
      }
    }
    return { session, needsFreshJwt: !jwtOk };
  }
  return sessionByJwt(jwt, env, ctx);
}

/** The service whose active key `serviceKey` is (one read: the key's row names its service and
 *  the service's scopes). */
async function byServiceKey(serviceKey, env, ctx) {
  const hash = await serviceKeyHash(await credentialsKey(env), ctx.account, serviceKey);
  const row = await ctx.db
    .prepare(
      'SELECT c.service_id, c.id, c.status, s.scopes FROM credentials c JOIN services s ON s.id = c.service_id ' +
        "WHERE c.secret_ref = ?1 AND c.kind = 'service_key' AND c.account = ?2",
    )
    .bind(hash, ctx.account)
    .first();
  if (row === null || row.status !== 'active') throw fail.invalidToken();
  return { serviceId: row.service_id, credentialId: row.id, scopes: row.scopes };
}

/** A JWT the service signed with one of its active JWT secrets (HS256, iss = service id). */
async function byCallerJwt(token, serviceId, env, ctx) {
  if (!isServiceId(serviceId)) throw fail.invalidToken();
  const key = await credentialsKey(env);
  const { results } = await ctx.db
    .prepare(
      'SELECT c.id, c.secret_ref, s.scopes FROM credentials c JOIN services s ON s.id = c.service_id ' +
        "WHERE c.account = ?1 AND c.service_id = ?2 AND c.kind = 'jwt' AND c.status = 'active'",
    )
    .bind(ctx.account, serviceId)
    .all();
  for (const { id, secret_ref: salt, scopes } of results) {
    checkHeader(token, 'JWT');
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
    if (!(iat >= 0) || (exp !== undefined && (!(exp >= 0) || exp <= iat))) throw fail.invalidToken();
    return { serviceId, credentialId: id, scopes };
  }
  throw fail.invalidToken();
}

const ACCESS_TOKEN = {
  typ: ACCESS_TYP,
  audience: ACCESS_AUDIENCE,
  maxLifetime: (payload) => (payload === undefined || payload.testing === true ? TESTING_TTL : ACCESS_TTL),
  strings: ['sub', 'client_id', 'acc', 'scope', 'jti'],
};

/** A live access token of this account: signature, times, and its record (not revoked, and
 *  the key it was bought with still active: one read, the token LEFT JOINed with its key). */
async function byAccessToken(token, env, ctx) {
  const payload = await verifyOwn(token, await verifyingKeys(env, ctx.account), ACCESS_TOKEN, ctx);
  if (payload.client_id !== payload.sub || (payload.testing !== undefined && typeof payload.testing !== 'boolean')) {
    throw fail.invalidToken();
  }
  const row = await ctx.db
    .prepare(
      'SELECT t.revoked_at, c.status FROM access_tokens t ' +
        'LEFT JOIN credentials c ON c.id = t.credential_id AND c.service_id = t.service_id ' +
        'WHERE t.jti = ?1 AND t.account = ?2 AND t.service_id = ?3',
    )
    .bind(payload.jti, ctx.account, payload.sub)
    .first();
  if (row === null || row.revoked_at !== null || row.status !== 'active') throw fail.invalidToken();
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

/** POST /apis/admin/session/api-key/: an agent session. The key is judged first; then one batch
 *  (one round trip) counts the attempt and writes the session, its audit entry and the count's
 *  give-back, those only where the key was right and both windows are within their limits. A
 *  wrong key makes the same statements. */
async function signInWithApiKey(request, env, ctx) {
  const signIn = parseSignIn(await readJsonBody(request));
  checkOrigin(ctx, ctx.config.desktops[signIn.platform]);
  const signer = await signingKey(env, ctx.account);
  // An account without a key is counted and answered exactly like a wrong key. During a
  // rotation the previous key still signs in, and the audit entry says so.
  const current = secret(env, `${ctx.account}_integration_api_key`);
  const previous = secret(env, `${ctx.account}_integration_api_key_previous`);

  const [isCurrent, isPrevious] =
    current === undefined
      ? [false, false]
      : await Promise.all([
          secretMatches(current, signIn.api_key),
          previous === undefined ? false : secretMatches(previous, signIn.api_key),
        ]);
  const right = isCurrent || isPrevious;

  const ids = random(64);
  const token = base64url(ids.subarray(0, 32));
  const session = {
    id: hex(ids.subarray(32, 48)),
    account: ctx.account,
    subject: signIn.agent_id,
    name: signIn.agent_name,
    role: 'agent',
    platform: signIn.platform,
    method: 'api_key',
    ip: ctx.clientIp,
    created_at: ctx.now,
    expires_at: ctx.now + ctx.config.sessionTtl,
  };
  // Sign before storing: a signing failure leaves nothing behind.
  const { jwt, exp } = await sessionJwt(session, ctx, hex(ids.subarray(48, 64)), signer);
  const renewal = await renewalToken(session, ctx, signer);
  const detail = `method=${session.method} platform=${session.platform}${isPrevious && !isCurrent ? ' key=previous' : ''}`;
  const { db } = ctx;
  const results = await db.batch([
    ...countStatements(ctx),
    db
      .prepare(
        'INSERT INTO sessions (id, token_hash, account, subject, name, role, platform, method, ip, created_at, expires_at) ' +
          `SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE ${admitted(12)}`,
      )
      .bind(
        session.id,
        hex(await sha256(encoder.encode(token))),
        session.account,
        session.subject,
        session.name,
        session.role,
        session.platform,
        session.method,
        session.ip,
        session.created_at,
        session.expires_at,
        ...admittedArgs(ctx, right),
      ),
    db
      .prepare(
        'INSERT INTO audit_log (account, at, actor, action, target, ip, detail) ' +
          `SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE ${admitted(8)}`,
      )
      .bind(ctx.account, ctx.now, session.subject, 'session.create', session.id, ctx.clientIp, detail, ...admittedArgs(ctx, right)),
    giveBack(ctx, right),
  ]);
  admit(counted(results), ctx);
  // The database judged by the same rule: both writes took effect where the key was right, and
  // none where it was not.
  const expected = right ? 1 : 0;
  if (results[2].meta.changes !== expected || results[3].meta.changes !== expected) {
    console.error("the throttle's verdict and the database's disagree");
    throw fail.internal();
  }
  if (!right) throw fail.invalidApiKey();

  const res = json(200, {
    user: userOf(session),
    amr: amrOf(session),
    expires_at: session.expires_at,
    access_token: jwt,
    token_type: 'Bearer',
    access_token_expires_at: exp,
    renewal_token: renewal,
  });
  res.headers.append('Set-Cookie', setCookie(SESSION_COOKIE, token, ctx.config.sessionTtl));
  res.headers.append('Set-Cookie', setCookie(JWT_COOKIE, jwt, exp - ctx.now));
  return res;
}

const userOf = (s) => ({ id: s.subject, name: s.name, role: s.role, account: s.account, platform: s.platform });

/** GET /apis/admin/session/: a bearer session JWT, else the cookies. */
async function currentSession(request, url, env, ctx) {
  const token = bearerToken(request, url, { query: false });
  const auth = token !== undefined ? await sessionByJwt(token, env, ctx) : await sessionByCookies(request, env, ctx);
  if (auth === null) throw fail.unauthenticated();
  const { session } = auth;
  const res = json(200, { user: userOf(session), amr: amrOf(session), expires_at: session.expires_at });
  if (auth.needsFreshJwt) {
    const { jwt, exp } = await sessionJwt(session, ctx, hex(random(16)), await signingKey(env, ctx.account));
    res.headers.append('Set-Cookie', setCookie(JWT_COOKIE, jwt, exp - ctx.now));
  }
  return res;
}

/** GET /v1/whoami: a bearer token (caller JWT, access token or session JWT), then
 *  X-Service-Key, then the session cookies; the first present decides alone. */
async function whoami(request, url, env, ctx) {
  const service = (kind, s) => ({ kind, id: s.serviceId, account: ctx.account, role: 'service', credential_id: s.credentialId, scope: s.scopes });
  const token = bearerToken(request, url, { query: true });
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
  amr: amrOf(s),
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

/** POST /oauth/token, grant_type=client_credentials: a service id and one of its active keys,
 *  found with one read (the key's row names its service); then the token is recorded. */
async function oauthToken(request, env, ctx) {
  const form = parseForm(request, await readBody(request));
  const grantType = form('grant_type');
  if (grantType === undefined) throw fail.invalidRequest('the parameter grant_type is missing');
  if (grantType !== 'client_credentials') throw fail.unsupportedGrantType();
  const client = clientCredentials(request.headers.get('Authorization'), form);

  if (!isServiceId(client.id)) throw fail.invalidClient();
  let caller;
  try {
    caller = await byServiceKey(client.secret, env, ctx);
  } catch (e) {
    throw e.code === 'invalid_token' ? fail.invalidClient() : e;
  }
  if (caller.serviceId !== client.id) throw fail.invalidClient();
  const scope = grantScope(form('scope'), caller.scopes);

  const jti = hex(random(16));
  const iat = ctx.now;
  const exp = iat + ACCESS_TTL;
  // Sign before recording: a signing failure leaves nothing behind.
  const accessToken = await sign(
    { client_id: caller.serviceId, acc: ctx.account, scope },
    { typ: ACCESS_TYP, audience: ACCESS_AUDIENCE, subject: caller.serviceId, jti, iat, exp },
    await signingKey(env, ctx.account),
    ctx,
  );
  await ctx.db
    .prepare(
      'INSERT INTO access_tokens (jti, account, service_id, credential_id, scope, testing, issued_at, expires_at) ' +
        'VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)',
    )
    .bind(jti, ctx.account, caller.serviceId, caller.credentialId, scope, 0, iat, exp)
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
  // A method deskgate does not serve is refused before anything else reads the request.
  const method = request.method;
  if (!METHODS.includes(method)) throw fail.methodNotAllowed();
  const ctx = requestContext(request, url, method, env);
  const segments = url.pathname.replace(/\/+$/, '').split('/').slice(1);
  const path = segments.join('/');

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
      throw fail.methodNotAllowed();
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
