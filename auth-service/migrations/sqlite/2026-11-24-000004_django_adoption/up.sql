-- Lets Django adopt a db.sqlite3 that tokenpair created: plain `manage.py migrate` then
-- succeeds instead of failing on "table auth_user already exists".
--
-- 1. The rest of the tables of Django's auth and contenttypes apps, exactly as Django 5.2's
--    `migrate` leaves them on SQLite (index names included), and django_migrations.
--    IF NOT EXISTS: on a database Django migrated, all of this already exists and nothing
--    changes.
-- 2. The rows `migrate` would have written for the migrations whose tables tokenpair made
--    (contenttypes, auth, token_blacklist), but only for an app with no row at all: an app
--    Django already migrated keeps its own history untouched.
-- Django's post_migrate handlers fill django_content_type and auth_permission at the next
-- `migrate`; the admin and sessions apps' tables are left to it too.

CREATE TABLE IF NOT EXISTS "django_migrations" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "app" varchar(255) NOT NULL,
    "name" varchar(255) NOT NULL,
    "applied" datetime NOT NULL
);

CREATE TABLE IF NOT EXISTS "django_content_type" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "app_label" varchar(100) NOT NULL,
    "model" varchar(100) NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "django_content_type_app_label_model_76bd3d3b_uniq"
    ON "django_content_type" ("app_label", "model");

CREATE TABLE IF NOT EXISTS "auth_permission" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "content_type_id" integer NOT NULL
        REFERENCES "django_content_type" ("id") DEFERRABLE INITIALLY DEFERRED,
    "codename" varchar(100) NOT NULL,
    "name" varchar(255) NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "auth_permission_content_type_id_codename_01ab375a_uniq"
    ON "auth_permission" ("content_type_id", "codename");
CREATE INDEX IF NOT EXISTS "auth_permission_content_type_id_2f476e4b"
    ON "auth_permission" ("content_type_id");

CREATE TABLE IF NOT EXISTS "auth_group" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" varchar(150) NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS "auth_group_permissions" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "group_id" integer NOT NULL
        REFERENCES "auth_group" ("id") DEFERRABLE INITIALLY DEFERRED,
    "permission_id" integer NOT NULL
        REFERENCES "auth_permission" ("id") DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX IF NOT EXISTS "auth_group_permissions_group_id_permission_id_0cd325b0_uniq"
    ON "auth_group_permissions" ("group_id", "permission_id");
CREATE INDEX IF NOT EXISTS "auth_group_permissions_group_id_b120cbf9"
    ON "auth_group_permissions" ("group_id");
CREATE INDEX IF NOT EXISTS "auth_group_permissions_permission_id_84c5c92e"
    ON "auth_group_permissions" ("permission_id");

CREATE TABLE IF NOT EXISTS "auth_user_groups" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "user_id" integer NOT NULL
        REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED,
    "group_id" integer NOT NULL
        REFERENCES "auth_group" ("id") DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX IF NOT EXISTS "auth_user_groups_user_id_group_id_94350c0c_uniq"
    ON "auth_user_groups" ("user_id", "group_id");
CREATE INDEX IF NOT EXISTS "auth_user_groups_user_id_6a12ed8b"
    ON "auth_user_groups" ("user_id");
CREATE INDEX IF NOT EXISTS "auth_user_groups_group_id_97559544"
    ON "auth_user_groups" ("group_id");

CREATE TABLE IF NOT EXISTS "auth_user_user_permissions" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "user_id" integer NOT NULL
        REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED,
    "permission_id" integer NOT NULL
        REFERENCES "auth_permission" ("id") DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX IF NOT EXISTS "auth_user_user_permissions_user_id_permission_id_14a6b632_uniq"
    ON "auth_user_user_permissions" ("user_id", "permission_id");
CREATE INDEX IF NOT EXISTS "auth_user_user_permissions_user_id_a95ead1b"
    ON "auth_user_user_permissions" ("user_id");
CREATE INDEX IF NOT EXISTS "auth_user_user_permissions_permission_id_1fbb5f2c"
    ON "auth_user_user_permissions" ("permission_id");

-- Django's migration names, in the order `migrate` applies them (Django 4.2 to 6.1 and
-- simplejwt 5.5.1 have these; a later migration of theirs is applied by Django on top).
-- `applied` in Django's SQLite format: UTC text with microseconds' place.
INSERT INTO "django_migrations" ("app", "name", "applied")
SELECT m.column2, m.column3, strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM (VALUES
    (1, 'contenttypes', '0001_initial'),
    (2, 'auth', '0001_initial'),
    (3, 'contenttypes', '0002_remove_content_type_name'),
    (4, 'auth', '0002_alter_permission_name_max_length'),
    (5, 'auth', '0003_alter_user_email_max_length'),
    (6, 'auth', '0004_alter_user_username_opts'),
    (7, 'auth', '0005_alter_user_last_login_null'),
    (8, 'auth', '0006_require_contenttypes_0002'),
    (9, 'auth', '0007_alter_validators_add_error_messages'),
    (10, 'auth', '0008_alter_user_username_max_length'),
    (11, 'auth', '0009_alter_user_last_name_max_length'),
    (12, 'auth', '0010_alter_group_name_max_length'),
    (13, 'auth', '0011_update_proxy_permissions'),
    (14, 'auth', '0012_alter_user_first_name_max_length'),
    (15, 'token_blacklist', '0001_initial'),
    (16, 'token_blacklist', '0002_outstandingtoken_jti_hex'),
    (17, 'token_blacklist', '0003_auto_20171017_2007'),
    (18, 'token_blacklist', '0004_auto_20171017_2013'),
    (19, 'token_blacklist', '0005_remove_outstandingtoken_jti'),
    (20, 'token_blacklist', '0006_auto_20171017_2113'),
    (21, 'token_blacklist', '0007_auto_20171017_2214'),
    (22, 'token_blacklist', '0008_migrate_to_bigautofield'),
    (23, 'token_blacklist', '0010_fix_migrate_to_bigautofield'),
    (24, 'token_blacklist', '0011_linearizes_history'),
    (25, 'token_blacklist', '0012_alter_outstandingtoken_user'),
    (26, 'token_blacklist', '0013_alter_blacklistedtoken_options_and_more')
) AS m
WHERE NOT EXISTS (SELECT 1 FROM "django_migrations" d WHERE d."app" = m.column2)
ORDER BY m.column1;
