-- Ours, not Django's: which login each refresh token descends from, for
-- refresh-token reuse detection (TOKENPAIR__REUSE_DETECTION). Kept apart from
-- simplejwt's tables and out of the token claims.
CREATE TABLE IF NOT EXISTS "tokenpair_token_family" (
    "jti" varchar(255) NOT NULL PRIMARY KEY,
    "family" varchar(64) NOT NULL,
    -- when this token was rotated (spent); NULL while it is the family's live token
    "rotated_at" timestamp with time zone NULL
);
CREATE INDEX IF NOT EXISTS "tokenpair_token_family_family" ON "tokenpair_token_family" ("family");
