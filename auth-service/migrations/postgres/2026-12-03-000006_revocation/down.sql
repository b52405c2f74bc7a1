-- Nothing to undo: the signatures stripped from token_blacklist_outstandingtoken cannot be
-- restored (that is the point), and dropping the revocation tables would bring revoked
-- tokens back to life.
SELECT 1;
