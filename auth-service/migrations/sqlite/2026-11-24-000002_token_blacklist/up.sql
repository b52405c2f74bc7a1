-- simplejwt's token_blacklist tables as its migrations leave them on SQLite
-- (column order is a by-product of Django's table rebuilds), so a Django
-- db.sqlite3 and tokenpair share one blacklist.
CREATE TABLE IF NOT EXISTS "token_blacklist_outstandingtoken" (
    "token" text NOT NULL,
    "created_at" datetime NULL,
    "expires_at" datetime NOT NULL,
    "user_id" integer NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED,
    "jti" varchar(255) NOT NULL UNIQUE,
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT
);
CREATE INDEX IF NOT EXISTS "token_blacklist_outstandingtoken_user_id_83bc629a"
    ON "token_blacklist_outstandingtoken" ("user_id");
-- UNIQUE token_id: exactly one of several concurrent rotations wins.
CREATE TABLE IF NOT EXISTS "token_blacklist_blacklistedtoken" (
    "blacklisted_at" datetime NOT NULL,
    "token_id" bigint NOT NULL UNIQUE
        REFERENCES "token_blacklist_outstandingtoken" ("id") DEFERRABLE INITIALLY DEFERRED,
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT
);
