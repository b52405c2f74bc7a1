-- Ours, not Django's (issue 11): the revocation feed resource services follow
-- (docs/revocation.md). One row per revocation that a resource service must apply:
-- kind 'u' (every token of `user_id` issued up to `second`) or 't' (the token `jti`, until
-- `second`, its exp). Written in the transaction of the revocation itself, under one
-- advisory lock taken just before the insert and held to commit, so ids become visible in
-- id order and a reader's cursor never skips a row. A user keeps only their latest row
-- (older ones are deleted with the insert); rows that can no longer matter are pruned.
CREATE TABLE IF NOT EXISTS "tokenpair_revocation_event" (
    "id" bigserial NOT NULL PRIMARY KEY,
    "kind" varchar(1) NOT NULL,
    "user_id" integer NULL,
    "jti" varchar(255) NULL,
    "second" bigint NOT NULL,
    "created" timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS "tokenpair_revocation_event_user_id" ON "tokenpair_revocation_event" ("user_id");
CREATE INDEX IF NOT EXISTS "tokenpair_revocation_event_second" ON "tokenpair_revocation_event" ("second");
