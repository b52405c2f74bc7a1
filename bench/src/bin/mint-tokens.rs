//! Mint tokens signed with a key, exactly as auth-service issues them (HS256,
//! simplejwt's claims), one per line on stdout.
//!
//! ```text
//! mint-tokens --key SECRET --class refresh --count 100000 [--user-id 1] [--lifetime 3600]
//! ```
//!
//! `--class` is `refresh` or `access`; `--lifetime` (seconds) overrides the class's
//! default lifetime so that tokens outlive the benchmark.

use shared::settings::{JwtSettings, TokenClass};
use shared::tokens::{TokenBackend, now};
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Duration;

struct Args {
    key: String,
    class: TokenClass,
    count: usize,
    user_id: String,
    lifetime: Option<u64>,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        key: String::new(),
        class: TokenClass::Refresh,
        count: 1,
        user_id: "1".to_owned(),
        lifetime: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--key" => args.key = value()?,
            "--class" => {
                args.class = match value()?.as_str() {
                    "refresh" => TokenClass::Refresh,
                    "access" => TokenClass::Access,
                    other => return Err(format!("--class: refresh or access, not {other}")),
                }
            }
            "--count" => args.count = value()?.parse().map_err(|e| format!("--count: {e}"))?,
            "--user-id" => args.user_id = value()?,
            "--lifetime" => {
                args.lifetime = Some(value()?.parse().map_err(|e| format!("--lifetime: {e}"))?)
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.key.is_empty() {
        return Err("--key is required".into());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("mint-tokens: {e}");
            eprintln!(
                "usage: mint-tokens --key KEY [--class refresh|access] [--count N] [--user-id ID] [--lifetime SECONDS]"
            );
            return ExitCode::from(2);
        }
    };
    let mut jwt = JwtSettings::with_signing_key(&args.key);
    if let Some(seconds) = args.lifetime {
        let lifetime = Duration::from_secs(seconds);
        jwt.access_token_lifetime = lifetime;
        jwt.refresh_token_lifetime = lifetime;
    }
    let backend = match TokenBackend::for_signing(jwt) {
        Ok(backend) => backend,
        Err(e) => {
            eprintln!("mint-tokens: {e}");
            return ExitCode::FAILURE;
        }
    };
    let issued_at = now();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for _ in 0..args.count {
        let payload = backend.for_user(args.class, &args.user_id, None, issued_at);
        let token = match backend.encode(&payload) {
            Ok(token) => token,
            Err(e) => {
                eprintln!("mint-tokens: {e}");
                return ExitCode::FAILURE;
            }
        };
        if writeln!(out, "{token}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
