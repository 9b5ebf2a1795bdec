-- OAuth2 access tokens (SPEC §2). The token is a JWT; this row is what makes it revocable
-- (RFC 7009) and introspectable (RFC 7662). Services gain the scopes they may ask for.
ALTER TABLE services ADD COLUMN scopes TEXT NOT NULL DEFAULT 'api.read api.write';

CREATE TABLE access_tokens (
  jti           TEXT PRIMARY KEY,        -- the JWT's id: 128 random bits, hex
  account       TEXT NOT NULL,
  service_id    TEXT NOT NULL,
  credential_id TEXT,                    -- the service key the client authenticated with;
                                         -- NULL for a testing token minted by the owner
  scope         TEXT NOT NULL,
  testing       INTEGER NOT NULL DEFAULT 0,
  issued_at     INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  revoked_at    INTEGER                  -- set by /oauth/revoke, or when its key is discarded,
                                         -- regenerated or deleted
);
CREATE INDEX access_tokens_by_credential ON access_tokens (credential_id);
