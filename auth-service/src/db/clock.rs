//! The time rows are stamped with.

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// Now, at the microsecond precision both engines store.
pub fn clock() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
