-- Services, their credentials, and the audit log (SPEC §4). No secret is stored: a service key
-- is kept as its keyed hash, a JWT secret is derived from CREDENTIALS_KEY and a stored salt.
CREATE TABLE services (
  id          TEXT PRIMARY KEY,          -- svc_<16 hex>
  account     TEXT NOT NULL,
  name        TEXT NOT NULL,
  version     INTEGER NOT NULL DEFAULT 0,-- bumped by every credential change (optimistic lock)
  created_at  INTEGER NOT NULL
);
CREATE INDEX services_by_account ON services (account, created_at);

CREATE TABLE credentials (
  id          TEXT PRIMARY KEY,          -- cred_<16 hex>
  service_id  TEXT NOT NULL REFERENCES services (id),
  account     TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('service_key', 'jwt')),
  status      TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
  secret_ref  TEXT NOT NULL,             -- service_key: keyed hash of the key; jwt: salt
  masked      TEXT NOT NULL,             -- prefix + last four characters, for display
  created_at  INTEGER NOT NULL
);
CREATE INDEX credentials_by_service ON credentials (service_id);
CREATE UNIQUE INDEX credentials_by_key_hash ON credentials (secret_ref) WHERE kind = 'service_key';

CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  account     TEXT NOT NULL,
  at          INTEGER NOT NULL,          -- unix seconds
  actor       TEXT NOT NULL,             -- who: the owner's username
  action      TEXT NOT NULL,             -- what: service.create, credential.discard, …
  target      TEXT NOT NULL,             -- which service or credential id
  ip          TEXT NOT NULL              -- from where (CF-Connecting-IP)
);
CREATE INDEX audit_log_by_account ON audit_log (account, id);
