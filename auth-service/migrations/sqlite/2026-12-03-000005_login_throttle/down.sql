-- Only counters live here: dropping them resets the throttles, nothing else.
DROP TABLE IF EXISTS "tokenpair_login_throttle";
