-- Ours, not Django's: login throttle counters (see the PostgreSQL migration for the columns).
CREATE TABLE IF NOT EXISTS "tokenpair_login_throttle" (
    "bucket" varchar(64) NOT NULL PRIMARY KEY,
    "hits" bigint NOT NULL,
    "window_end_ms" bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS "tokenpair_login_throttle_window_end_ms"
    ON "tokenpair_login_throttle" ("window_end_ms");
