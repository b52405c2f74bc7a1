-- Ours, not Django's: the revocation feed (see the PostgreSQL migration). AUTOINCREMENT:
-- an id is never reused after the newest row is deleted, so a cursor never goes back.
CREATE TABLE IF NOT EXISTS "tokenpair_revocation_event" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" varchar(1) NOT NULL,
    "user_id" integer NULL,
    "jti" varchar(255) NULL,
    "second" bigint NOT NULL,
    "created" datetime NOT NULL
);
CREATE INDEX IF NOT EXISTS "tokenpair_revocation_event_user_id" ON "tokenpair_revocation_event" ("user_id");
CREATE INDEX IF NOT EXISTS "tokenpair_revocation_event_second" ON "tokenpair_revocation_event" ("second");
