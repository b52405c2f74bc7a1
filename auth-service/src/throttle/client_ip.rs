//! Who is logging in, as far as the network can tell: the socket peer, unless the peer is a
//! proxy listed in `TOKENPAIR__TRUSTED_PROXIES`; then the right-most `X-Forwarded-For` entry
//! that is not itself a trusted proxy. Entries left of that one are whatever the client chose
//! to send (anyone can start the header with any address), so they are never believed.

use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// Longest entry worth parsing: `[` + an IPv6 address (45) + `]:65535` is 53 bytes. A longer
/// one is malformed, and nothing left of it is read.
const MAX_ENTRY_BYTES: usize = 64;

/// Proxies walked through at most: a chain longer than this is not a real deployment, and the
/// cap keeps the work per request small whatever the header holds.
const MAX_HOPS: usize = 16;

/// The client address for `peer` and the request's `X-Forwarded-For` field values (in the
/// order they came; several fields are one comma-separated list, as RFC 9110 §5.3 says).
///
/// Walks from the right while the address at hand is a trusted proxy. A malformed or
/// over-long entry ends the walk at the last good address (the proxy that appended the
/// garbage is then the client: its budget, not someone else's, pays). At most
/// [`MAX_HOPS`] entries of at most [`MAX_ENTRY_BYTES`] bytes each are read.
pub fn resolve<'a, I>(peer: IpAddr, forwarded_for: I, trusted: &[IpNet]) -> IpAddr
where
    I: DoubleEndedIterator<Item = &'a [u8]>,
{
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return client;
    }
    let mut hops = 0;
    for field in forwarded_for.rev() {
        let mut rest = field;
        loop {
            if hops == MAX_HOPS {
                return client;
            }
            hops += 1;
            // Look for the next comma only among the last MAX_ENTRY_BYTES + 1 bytes.
            let start = rest.len().saturating_sub(MAX_ENTRY_BYTES + 1);
            let (entry, more) = match rest[start..].iter().rposition(|&b| b == b',') {
                Some(at) => (&rest[start + at + 1..], Some(&rest[..start + at])),
                None if start == 0 => (rest, None),
                None => return client,
            };
            let Some(ip) = parse_entry(entry) else {
                return client;
            };
            client = ip;
            if !is_trusted(&client) {
                return client;
            }
            match more {
                Some(more) => rest = more,
                None => break,
            }
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, optionally with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`) or in brackets, surrounded by optional whitespace.
fn parse_entry(entry: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(entry).ok()?.trim_matches([' ', '\t']);
    let ip = text
        .parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            text.strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse::<IpAddr>().ok())
        })?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn resolve_with(peer: &str, fields: &[&str], trusted: &[&str]) -> IpAddr {
        resolve(
            ip(peer),
            fields.iter().map(|f| f.as_bytes()),
            &nets(trusted),
        )
    }

    #[test]
    fn untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(
            resolve_with("198.51.100.9", &["203.0.113.5"], &[]),
            ip("198.51.100.9")
        );
        assert_eq!(
            resolve_with("198.51.100.9", &["203.0.113.5"], &["10.0.0.0/8"]),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn trusted_peer_gives_the_rightmost_untrusted_entry() {
        let trusted = ["10.0.0.0/8"];
        assert_eq!(
            resolve_with("10.0.0.1", &["203.0.113.5"], &trusted),
            ip("203.0.113.5")
        );
        // the client may prepend anything: only the proxy's own entry counts
        assert_eq!(
            resolve_with("10.0.0.1", &["1.1.1.1, 203.0.113.5"], &trusted),
            ip("203.0.113.5")
        );
        // through two trusted proxies
        assert_eq!(
            resolve_with("10.0.0.1", &["1.1.1.1, 203.0.113.5,10.9.9.9"], &trusted),
            ip("203.0.113.5")
        );
        // several header fields are one list, in order
        assert_eq!(
            resolve_with("10.0.0.1", &["1.1.1.1, 203.0.113.5", "10.9.9.9"], &trusted),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn trusted_peer_without_the_header_is_the_client() {
        assert_eq!(
            resolve_with("10.0.0.1", &[], &["10.0.0.0/8"]),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn all_entries_trusted_gives_the_leftmost() {
        assert_eq!(
            resolve_with("10.0.0.1", &["10.0.0.3, 10.0.0.2"], &["10.0.0.0/8"]),
            ip("10.0.0.3")
        );
    }

    #[test]
    fn malformed_entries_end_the_walk_at_the_last_good_address() {
        let trusted = ["10.0.0.0/8"];
        for garbage in ["unknown", "", " ", "1.2.3", "_hidden", "1.2.3.4.5", "::g"] {
            let header = format!("203.0.113.5, {garbage}");
            assert_eq!(
                resolve_with("10.0.0.1", &[&header], &trusted),
                ip("10.0.0.1"),
                "{header:?}"
            );
            let header = format!("{garbage}, 10.0.0.7");
            assert_eq!(
                resolve_with("10.0.0.1", &[&header], &trusted),
                ip("10.0.0.7"),
                "{header:?}"
            );
        }
        assert_eq!(
            resolve_with("10.0.0.1", &["203.0.113.5,"], &trusted),
            ip("10.0.0.1")
        );
        // not UTF-8
        assert_eq!(
            resolve(
                ip("10.0.0.1"),
                [&b"1.2.3.4\xff"[..]].into_iter(),
                &nets(&trusted)
            ),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ports_brackets_and_spaces() {
        let trusted = ["10.0.0.0/8"];
        for entry in [
            "203.0.113.5:4711",
            " 203.0.113.5\t",
            "[2001:db8::1]:443",
            "[2001:db8::1]",
            "2001:db8::1",
        ] {
            let got = resolve_with("10.0.0.1", &[entry], &trusted);
            assert!(
                got == ip("203.0.113.5") || got == ip("2001:db8::1"),
                "{entry:?} gave {got}"
            );
        }
    }

    #[test]
    fn mapped_ipv4_counts_as_ipv4() {
        // a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d
        assert_eq!(
            resolve_with("::ffff:10.0.0.1", &["::ffff:203.0.113.5"], &["10.0.0.0/8"]),
            ip("203.0.113.5")
        );
        assert_eq!(
            resolve_with("::ffff:198.51.100.9", &[], &[]),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn long_headers_are_read_only_so_far() {
        let trusted = ["10.0.0.0/8"];
        // an over-long entry is malformed, and stops the walk before anything left of it
        let long = format!("203.0.113.5, {}", "1".repeat(100_000));
        assert_eq!(resolve_with("10.0.0.1", &[&long], &trusted), ip("10.0.0.1"));
        // a chain of trusted proxies longer than MAX_HOPS ends at the last one read
        let mut chain: Vec<String> = vec!["203.0.113.5".into()];
        chain.extend((0..100).map(|i| format!("10.0.{}.{}", i / 250, i % 250 + 1)));
        let header = chain.join(", ");
        let got = resolve_with("10.0.0.1", &[&header], &trusted);
        assert!(trusted_net().contains(&got), "{got}");
        // the same chain within the cap reaches the client
        let short = chain[..MAX_HOPS].join(", ");
        assert_eq!(
            resolve_with("10.0.0.1", &[&short], &trusted),
            ip("203.0.113.5")
        );
    }

    fn trusted_net() -> IpNet {
        "10.0.0.0/8".parse().unwrap()
    }
}
