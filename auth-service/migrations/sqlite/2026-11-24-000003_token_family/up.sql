-- Ours, not Django's: refresh-token families for reuse detection.
CREATE TABLE IF NOT EXISTS "tokenpair_token_family" (
    "jti" varchar(255) NOT NULL PRIMARY KEY,
    "family" varchar(64) NOT NULL,
    "rotated_at" datetime NULL
);
CREATE INDEX IF NOT EXISTS "tokenpair_token_family_family" ON "tokenpair_token_family" ("family");
