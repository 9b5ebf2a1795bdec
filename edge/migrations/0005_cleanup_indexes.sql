-- The scheduled cleanup (SPEC §8) finds expired rows by their time column, a bounded batch per
-- run: these indexes keep each delete a range scan however large the table has grown.
-- (sessions_expiry and launch_jtis_expiry exist already.)
CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);
CREATE INDEX signin_failures_started ON signin_failures (started_at);
CREATE INDEX audit_log_at ON audit_log (at);
