//! `TOKENPAIR` settings of the login throttle, and their value types: DRF throttle rates and
//! trusted proxy networks.

use ipnet::IpNet;
use shared::settings::RawValue as ValueKind;
use shared::settings::catalogue::{OURS, Section, Setting, set};
use shared::settings::values::{self, Parsed};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ThrottleSettings {
    /// Failed logins per (username, client IP); `None` is off.
    pub login_throttle_user: Option<Rate>,
    /// Login attempts per client IP; `None` is off.
    pub login_throttle_ip: Option<Rate>,
    /// Proxies whose `X-Forwarded-For` is believed; empty: the socket peer is the client.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            login_throttle_user: Some(Rate::per_minute(10)),
            login_throttle_ip: Some(Rate::per_minute(300)),
            trusted_proxies: Vec::new(),
        }
    }
}

impl Section for ThrottleSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "LOGIN_THROTTLE_USER",
            "`10/min`",
            "failed logins per username and client IP (DRF rate syntax: `N/s`, `N/min`, \
             `N/hour`, `N/day`; `off`)",
            |s, raw| set(&mut s.login_throttle_user, rate(raw)),
        ),
        Setting::new(
            OURS,
            "LOGIN_THROTTLE_IP",
            "`300/min`",
            "login attempts per client IP (`off` disables)",
            |s, raw| set(&mut s.login_throttle_ip, rate(raw)),
        ),
        Setting::new(
            OURS,
            "TRUSTED_PROXIES",
            "none",
            "CIDRs of your proxies (`none`: no proxy); a request from one is attributed to the \
             right-most untrusted `X-Forwarded-For` address (compose: `172.16.0.0/12`)",
            |s, raw| set(&mut s.trusted_proxies, networks(raw)),
        ),
    ];
}

/// A DRF throttle rate, `num/period`: at most `count` events per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub period: Duration,
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.count, self.period.as_secs())
    }
}

impl Rate {
    pub const fn per_minute(count: u32) -> Self {
        Self {
            count,
            period: Duration::from_secs(60),
        }
    }
}

/// DRF's `SimpleRateThrottle.parse_rate`: `num, period = rate.split('/')` and the first letter
/// of the period picks seconds, minutes, hours or days (`10/min`, `100/hour`, `5/s`); `off`
/// turns the throttle off. Empty and `none` are refused rather than read as "off", so that a
/// compose `${VAR:-}` cannot switch a throttle off by accident.
pub fn rate(raw: &ValueKind) -> Parsed<Option<Rate>> {
    let text = values::string(raw)?;
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let hint = || format!("invalid rate {text:?} (use e.g. 10/min, 100/hour, or off)");
    let (num, period) = text.split_once('/').ok_or_else(hint)?;
    if period.contains('/') {
        return Err(hint());
    }
    let count: u32 = num.trim().parse().map_err(|_| hint())?;
    if count == 0 {
        return Err(format!(
            "invalid rate {text:?} (at least 1 per period; use off to disable)"
        ));
    }
    let seconds = match period.trim().chars().next() {
        Some('s') => 1,
        Some('m') => 60,
        Some('h') => 3600,
        Some('d') => 86_400,
        _ => return Err(hint()),
    };
    Ok(Some(Rate {
        count,
        period: Duration::from_secs(seconds),
    }))
}

/// A list of networks in CIDR notation (`10.0.0.0/8`, `::1/128`); a bare address is its own
/// /32 or /128. `none` is the empty list (no proxy is trusted), so that a deployment whose
/// defaults trust one (docker-compose.yml) can say so; an empty value keeps the default.
pub fn networks(raw: &ValueKind) -> Parsed<Vec<IpNet>> {
    if matches!(raw, ValueKind::String(text) if text.trim().eq_ignore_ascii_case("none")) {
        return Ok(Vec::new());
    }
    values::string_list(raw)?
        .iter()
        .map(|item| {
            let item = item.trim();
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("invalid network {item:?} (use CIDR notation, e.g. 10.0.0.0/8)")
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> ValueKind {
        ValueKind::String(text.into())
    }

    #[test]
    fn rates_as_drf_parses_them() {
        let minute = |count| Some(Rate::per_minute(count));
        assert_eq!(rate(&s("10/min")), Ok(minute(10)));
        assert_eq!(rate(&s("10/m")), Ok(minute(10)));
        assert_eq!(rate(&s("10/minute")), Ok(minute(10)));
        assert_eq!(
            rate(&s("100/hour")).map(|r| r.map(|r| r.period)),
            Ok(Some(Duration::from_secs(3600)))
        );
        assert_eq!(
            rate(&s("5/s")).map(|r| r.map(|r| r.period)),
            Ok(Some(Duration::from_secs(1)))
        );
        assert_eq!(
            rate(&s("1/day")).map(|r| r.map(|r| r.period)),
            Ok(Some(Duration::from_secs(86_400)))
        );
        assert_eq!(rate(&s("off")), Ok(None));
        assert_eq!(rate(&s("OFF")), Ok(None));
        for bad in [
            "", "none", "10", "10/", "x/min", "10/year", "0/min", "1/2/3", "-1/min",
        ] {
            assert!(rate(&s(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn networks_in_cidr_notation() {
        let nets = networks(&s("10.0.0.0/8, 127.0.0.1, ::1/128")).expect("valid");
        assert_eq!(nets.len(), 3);
        assert!(nets[0].contains(&"10.1.2.3".parse::<std::net::IpAddr>().expect("ip")));
        assert!(nets[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().expect("ip")));
        assert!(!nets[1].contains(&"127.0.0.2".parse::<std::net::IpAddr>().expect("ip")));
        // `none` trusts no proxy; an empty value is refused (the caller keeps the default).
        assert_eq!(networks(&s("none")), Ok(Vec::new()));
        assert_eq!(networks(&s(" NONE ")), Ok(Vec::new()));
        assert!(networks(&s("")).is_err());
        assert!(networks(&s("10.0.0.0/33")).is_err());
        assert!(networks(&s("proxy.local")).is_err());
    }
}
