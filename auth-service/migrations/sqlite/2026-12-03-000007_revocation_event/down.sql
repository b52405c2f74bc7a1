-- Only the feed's log lives here: resource services reload from the snapshot.
DROP TABLE IF EXISTS "tokenpair_revocation_event";
