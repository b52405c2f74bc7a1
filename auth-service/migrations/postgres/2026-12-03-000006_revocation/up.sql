-- Ours, not Django's (issue 9): revoked-before times. logout-all records one per user,
-- refresh-token reuse detection one per token family; refresh, rotation and verify
-- refuse a token whose `iat` (whole seconds) is not later than the time truncated to
-- the second. No foreign key to auth_user: Django deletes users without knowing this
-- table. IF NOT EXISTS: safe to apply again.
CREATE TABLE IF NOT EXISTS "tokenpair_user_revocation" (
    "user_id" integer NOT NULL PRIMARY KEY,
    "revoked_at" timestamp with time zone NOT NULL
);
CREATE TABLE IF NOT EXISTS "tokenpair_family_revocation" (
    "family" varchar(255) NOT NULL PRIMARY KEY,
    "revoked_at" timestamp with time zone NOT NULL
);

-- Outstanding rows keep `header.payload` only: simplejwt (and tokenpair until now) stored
-- whole tokens, so whoever read a backup, a replica or the database could replay every
-- live session. Every lookup goes by jti; simplejwt never reads the column back.
UPDATE "token_blacklist_outstandingtoken"
   SET "token" = split_part("token", '.', 1) || '.' || split_part("token", '.', 2)
 WHERE "token" LIKE '%.%.%';
