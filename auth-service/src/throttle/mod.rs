//! Login throttling, DRF's `SimpleRateThrottle` for the two obtain views, with its counters in
//! the database so that every auth-service replica on it enforces one limit:
//!
//! * `TOKENPAIR__LOGIN_THROTTLE_IP` (default 300/min): every login attempt per client IP,
//!   checked first, before the body is read (DRF checks throttles in `initial()`). It bounds
//!   what one address can make the service do at all.
//! * `TOKENPAIR__LOGIN_THROTTLE_USER` (default 10/min): failed logins per (username, client
//!   IP), checked once the fields are valid and before the user lookup and the password hash,
//!   so a throttled guess costs neither. The attempt is counted as a failure before the hash
//!   (one atomic upsert, so concurrent guesses cannot exceed the limit either), and a
//!   successful login clears the count.
//!
//! Fixed windows: a bucket's window starts with its first event and lasts one period; when it
//! ends, the next event starts a new one. Over the limit the answer is DRF's 429 with the
//! seconds left in the window. Clocks: each replica uses its own (NTP-synchronised) clock
//! for `now`; a skew of a second shifts a window by a second, nothing more.
//!
//! If the database cannot be reached the login fails with the usual 503: a throttle that
//! opened when its counters are unreachable would be a way around it (fail closed).
//!
//! The table stays bounded: every [`PRUNE_EVERY`]-th check of a process (its first one
//! included) deletes every row whose window has ended. So at any time the table holds the
//! buckets with a live window (at most the attempts of the last period, itself bounded by
//! the per-IP limit per address) plus the rows of at most `PRUNE_EVERY` checks per replica.

pub mod client_ip;
pub mod store;

use crate::settings::{Rate, ThrottleSettings};
use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use ipnet::IpNet;
use sha2::{Digest, Sha256};
use shared::ApiError;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::db::DbConnection;

/// How often (in checks of one process) ended windows are deleted.
pub const PRUNE_EVERY: u64 = 256;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The throttle settings of one process, and its count of checks (for pruning).
#[derive(Debug)]
pub struct LoginThrottle {
    user: Option<Rate>,
    ip: Option<Rate>,
    trusted: Vec<IpNet>,
    checks: AtomicU64,
}

/// One counter: its row key and its rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    key: String,
    rate: Rate,
}

impl Bucket {
    /// Forgets the bucket's events (a successful login clears its failures).
    pub fn clear(&self, conn: &mut DbConnection) -> diesel::QueryResult<usize> {
        store::clear(conn, &self.key)
    }

    /// Takes back one event (an attempt whose password was never checked).
    pub fn undo(&self, conn: &mut DbConnection) -> diesel::QueryResult<usize> {
        store::undo(conn, &self.key)
    }
}

/// Over the limit: available again in this many whole seconds (rounded up, as DRF does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub wait_secs: u32,
}

impl From<Throttled> for ApiError {
    fn from(t: Throttled) -> Self {
        ApiError::throttled(t.wait_secs)
    }
}

/// What a counter is keyed on, besides the client.
#[derive(Debug, Clone, Copy)]
enum Scope<'a> {
    Ip,
    User(&'a str),
}

impl LoginThrottle {
    pub fn new(settings: &ThrottleSettings) -> Self {
        Self {
            user: settings.login_throttle_user,
            ip: settings.login_throttle_ip,
            trusted: settings.trusted_proxies.clone(),
            checks: AtomicU64::new(0),
        }
    }

    /// The client's address: the peer, or what trusted proxies say it is.
    pub fn client_ip(&self, req: &HttpRequest) -> IpAddr {
        // Without a socket (never for TCP) every such request shares one budget.
        let peer = req
            .peer_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        if self.trusted.is_empty() {
            return peer.to_canonical();
        }
        let fields: Vec<&[u8]> = req
            .headers()
            .get_all(X_FORWARDED_FOR)
            .map(|v| v.as_bytes())
            .collect();
        client_ip::resolve(peer, fields.into_iter(), &self.trusted)
    }

    /// The per-IP counter of all attempts, unless that throttle is off.
    pub fn ip_bucket(&self, client: IpAddr) -> Option<Bucket> {
        self.ip.map(|rate| Bucket {
            key: bucket_key(Scope::Ip, client),
            rate,
        })
    }

    /// The per-(username, IP) counter of failed logins, unless that throttle is off.
    pub fn user_bucket(&self, username: &str, client: IpAddr) -> Option<Bucket> {
        self.user.map(|rate| Bucket {
            key: bucket_key(Scope::User(username), client),
            rate,
        })
    }

    /// Counts one event in `bucket` (on a database thread): `Err(Throttled)` when it is over
    /// the bucket's rate. Prunes ended windows every [`PRUNE_EVERY`]-th call.
    pub fn count(
        &self,
        conn: &mut DbConnection,
        bucket: &Bucket,
    ) -> diesel::QueryResult<Result<(), Throttled>> {
        let now = now_ms();
        let period = i64::try_from(bucket.rate.period.as_millis()).unwrap_or(i64::MAX / 4);
        let hit = store::hit(conn, &bucket.key, now, period)?;
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY)
        {
            // A failed prune changes no decision; the next one catches up.
            match store::prune(conn, now) {
                Ok(n) if n > 0 => {
                    tracing::debug!(rows = n, "login throttle: ended windows deleted")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "login throttle: pruning failed"),
            }
        }
        if hit.hits <= i64::from(bucket.rate.count) {
            return Ok(Ok(()));
        }
        // Concurrent checks (or replicas' clocks) may read `now` in another order than their
        // upserts ran: never announce more than one period.
        Ok(Err(Throttled {
            wait_secs: wait_secs((hit.window_end_ms - now).min(period)),
        }))
    }
}

/// The row key: SHA-256 of the scope, the username (length-prefixed, so no two
/// (username, IP) pairs share an encoding) and the client's network, in hex. Fixed size
/// whatever the username, and neither usernames nor addresses are stored in clear.
fn bucket_key(scope: Scope<'_>, client: IpAddr) -> String {
    let mut hash = Sha256::new();
    hash.update(b"tokenpair login throttle v1\0");
    match scope {
        Scope::Ip => hash.update(b"ip\0"),
        Scope::User(name) => {
            hash.update(b"user\0");
            hash.update((name.len() as u64).to_be_bytes());
            hash.update(name.as_bytes());
        }
    }
    hash.update(network(client).to_string().as_bytes());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What one client is: an IPv4 address, or an IPv6 /64 (the smallest block a site gets: one
/// machine can use any address of its /64, and must not get a budget per address).
fn network(client: IpAddr) -> IpNet {
    let prefix = if client.is_ipv4() { 32 } else { 64 };
    IpNet::new(client, prefix)
        .map(|net| net.trunc())
        .unwrap_or_else(|_| IpNet::from(client))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4))
}

/// Whole seconds until `remaining_ms` have passed, rounded up; at least 1 (a window that
/// ends this very millisecond is still closed for this request).
fn wait_secs(remaining_ms: i64) -> u32 {
    let secs = (remaining_ms.max(1) + 999) / 1000;
    u32::try_from(secs).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn keys_are_fixed_size_and_distinct() {
        let a = bucket_key(Scope::User("alice"), ip("203.0.113.5"));
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            bucket_key(Scope::User(&"x".repeat(100_000)), ip("::1")).len(),
            64
        );
        for other in [
            bucket_key(Scope::User("alice"), ip("203.0.113.6")),
            bucket_key(Scope::User("alicf"), ip("203.0.113.5")),
            bucket_key(Scope::User(""), ip("203.0.113.5")),
            bucket_key(Scope::Ip, ip("203.0.113.5")),
        ] {
            assert_ne!(a, other);
        }
        assert_eq!(a, bucket_key(Scope::User("alice"), ip("203.0.113.5")));
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        assert_eq!(
            bucket_key(Scope::Ip, ip("2001:db8:1:2::1")),
            bucket_key(Scope::Ip, ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            bucket_key(Scope::Ip, ip("2001:db8:1:2::1")),
            bucket_key(Scope::Ip, ip("2001:db8:1:3::1"))
        );
    }

    #[test]
    fn waits_round_up_to_whole_seconds() {
        assert_eq!(wait_secs(1), 1);
        assert_eq!(wait_secs(0), 1);
        assert_eq!(wait_secs(-5), 1);
        assert_eq!(wait_secs(1000), 1);
        assert_eq!(wait_secs(1001), 2);
        assert_eq!(wait_secs(59_999), 60);
    }
}
