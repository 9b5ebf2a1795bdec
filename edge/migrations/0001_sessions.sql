-- Server-side sessions (SPEC §1.4–§1.6). The cookie's token is never stored, only its SHA-256.
CREATE TABLE sessions (
  id          TEXT PRIMARY KEY,          -- the JWT's sid: 128 random bits, hex
  token_hash  TEXT NOT NULL UNIQUE,      -- SHA-256 of the __Host-deskgate_session value, hex
  account     TEXT NOT NULL,
  subject     TEXT NOT NULL,             -- the agent id
  name        TEXT NOT NULL,
  role        TEXT NOT NULL,             -- 'agent' for every API-key session
  platform    TEXT NOT NULL,
  created_at  INTEGER NOT NULL,          -- unix seconds
  expires_at  INTEGER NOT NULL,
  revoked_at  INTEGER                    -- set by DELETE /apis/admin/session/
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed API-key sign-ins per (account, client) in a fixed window (SPEC §1.4, 429).
CREATE TABLE signin_failures (
  account     TEXT NOT NULL,
  client      TEXT NOT NULL,
  started_at  INTEGER NOT NULL,
  failures    INTEGER NOT NULL,
  PRIMARY KEY (account, client)
);
