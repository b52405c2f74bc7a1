-- Ours, not Django's (issue 9): revoked-before times, one per user (logout-all) and one
-- per token family (reuse detection); a token whose `iat` (whole seconds) is not later
-- than the time truncated to the second is refused. No foreign key to auth_user.
CREATE TABLE IF NOT EXISTS "tokenpair_user_revocation" (
    "user_id" integer NOT NULL PRIMARY KEY,
    "revoked_at" datetime NOT NULL
);
CREATE TABLE IF NOT EXISTS "tokenpair_family_revocation" (
    "family" varchar(255) NOT NULL PRIMARY KEY,
    "revoked_at" datetime NOT NULL
);

-- Outstanding rows keep `header.payload` only (no signature: a copy of db.sqlite3 must not
-- replay sessions). Everything up to the second dot, for rows that have one.
UPDATE "token_blacklist_outstandingtoken"
   SET "token" = substr("token", 1, instr("token", '.')
                        + instr(substr("token", instr("token", '.') + 1), '.') - 1)
 WHERE instr(substr("token", instr("token", '.') + 1), '.') > 0;
