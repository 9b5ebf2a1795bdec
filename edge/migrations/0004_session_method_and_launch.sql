-- How each session was made (SPEC §6 `amr`, §8 sessions panel), from where, and the launch
-- tokens already used (SPEC §6: a launch token's jti is single use).
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'api_key'; -- api_key, launch, password
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT 'unknown';      -- CF-Connecting-IP at sign-in
-- Sessions made before this migration: the owner's came from the password sign-in.
UPDATE sessions SET method = 'password' WHERE role = 'owner';
CREATE INDEX sessions_by_account ON sessions (account, created_at);

CREATE TABLE launch_jtis (
  account     TEXT NOT NULL,
  jti         TEXT NOT NULL,             -- the launch token's jti, as sent (at most 256 bytes)
  expires_at  INTEGER NOT NULL,          -- until then a second use is refused; then it may go
  PRIMARY KEY (account, jti)
);
CREATE INDEX launch_jtis_expiry ON launch_jtis (expires_at);

-- What an audit entry adds to its action and target: a sign-in's method and platform, say.
ALTER TABLE audit_log ADD COLUMN detail TEXT NOT NULL DEFAULT '';
