//! The feed's wire format (docs/revocation.md): one JSON object per answer,
//! `{"cursor":N,"more":false,"keep":S,"events":[["u","42",1700000000],["t","<jti>",1700000300]]}`.
//! `u`: every token of the user (by `USER_ID_CLAIM` text) issued up to that second is revoked;
//! `t`: the token with that jti is revoked until that second (its `exp`). `cursor`: pass it
//! back as `after`; `more`: another page follows at once; `keep`: seconds a user entry matters.

use serde::{Deserialize, Serialize};

/// The path auth-service serves the feed at.
pub const PATH: &str = "/api/token/revocations/";

/// Most events in one answer: bounds a page's size (~100 bytes an event) and the time the
/// resource side holds its write lock applying it.
pub const PAGE_SIZE: usize = 1000;

/// Longest a request may be held waiting for an event (`wait`, seconds).
pub const MAX_WAIT_SECS: u64 = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    #[serde(rename = "u")]
    User,
    #[serde(rename = "t")]
    Token,
}

/// `[kind, subject, second]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event(pub Kind, pub String, pub i64);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub cursor: i64,
    pub more: bool,
    pub keep: u64,
    pub events: Vec<Event>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_arrays() {
        let page = Page {
            cursor: 9,
            more: false,
            keep: 330,
            events: vec![Event(Kind::User, "42".into(), 1_700_000_000)],
        };
        let text = serde_json::to_string(&page).unwrap();
        assert_eq!(
            text,
            r#"{"cursor":9,"more":false,"keep":330,"events":[["u","42",1700000000]]}"#
        );
        assert_eq!(serde_json::from_str::<Page>(&text).unwrap(), page);
    }
}
