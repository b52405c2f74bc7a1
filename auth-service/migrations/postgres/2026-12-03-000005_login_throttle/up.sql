-- Ours, not Django's: login throttle counters (TOKENPAIR__LOGIN_THROTTLE_USER/_IP), kept in
-- the database so that every auth-service replica on it enforces one limit. One row per
-- fixed window of one counter; rows whose window ended are deleted by the service (see
-- auth-service/src/throttle/store.rs), so the table holds only live windows.
CREATE TABLE IF NOT EXISTS "tokenpair_login_throttle" (
    -- hex SHA-256 of the scope, the username and the client IP: fixed size whatever the
    -- username, and no username or address stored in clear
    "bucket" varchar(64) NOT NULL PRIMARY KEY,
    -- events counted in the current window
    "hits" bigint NOT NULL,
    -- when the current window ends, Unix time in milliseconds
    "window_end_ms" bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS "tokenpair_login_throttle_window_end_ms"
    ON "tokenpair_login_throttle" ("window_end_ms");
