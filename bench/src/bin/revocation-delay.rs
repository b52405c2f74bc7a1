//! revocation-delay --auth URL --protected URL --tokens FILE
//!
//! The revocation feed's propagation delay (bench/run case 10): for each access token in
//! FILE (one a line, each of a different user), check protected-service accepts it, send
//! `POST /api/token/logout-all/` with it to auth-service, and time from that 200 answer to
//! protected-service's first 401 (polled every millisecond). Prints
//! `REVOCATION n=N p50_ms=… p99_ms=… max_ms=…`.

use std::time::{Duration, Instant};

struct Args {
    auth: String,
    protected: String,
    tokens: String,
}

fn args() -> Result<Args, String> {
    let (mut auth, mut protected, mut tokens) = (None, None, None);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--auth" => auth = Some(value),
            "--protected" => protected = Some(value),
            "--tokens" => tokens = Some(value),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(Args {
        auth: auth.ok_or("--auth is required")?,
        protected: protected.ok_or("--protected is required")?,
        tokens: tokens.ok_or("--tokens is required")?,
    })
}

async fn status(request: reqwest::RequestBuilder) -> Result<u16, String> {
    request
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}

async fn run(args: Args) -> Result<Vec<f64>, String> {
    let client = reqwest::Client::new();
    let text =
        std::fs::read_to_string(&args.tokens).map_err(|e| format!("{}: {e}", args.tokens))?;
    let protected = format!("{}/protected/", args.protected);
    let logout = format!("{}/api/token/logout-all/", args.auth);
    let mut delays = Vec::new();
    for token in text.lines().filter(|l| !l.is_empty()) {
        let bearer = format!("Bearer {token}");
        let before = status(client.get(&protected).header("authorization", &bearer)).await?;
        if before != 200 {
            return Err(format!(
                "protected-service answered {before} before the revocation"
            ));
        }
        let answer = status(client.post(&logout).header("authorization", &bearer)).await?;
        if answer != 200 {
            return Err(format!("logout-all answered {answer}"));
        }
        let revoked_at = Instant::now();
        loop {
            let now = status(client.get(&protected).header("authorization", &bearer)).await?;
            if now == 401 {
                break;
            }
            if revoked_at.elapsed() > Duration::from_secs(10) {
                return Err("still accepted 10 s after logout-all".into());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        delays.push(revoked_at.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(delays)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let delays = match args() {
        Ok(args) => run(args).await,
        Err(e) => Err(e),
    };
    match delays {
        Ok(mut delays) if !delays.is_empty() => {
            delays.sort_by(f64::total_cmp);
            println!(
                "REVOCATION n={} p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
                delays.len(),
                percentile(&delays, 50.0),
                percentile(&delays, 99.0),
                delays[delays.len() - 1]
            );
            std::process::ExitCode::SUCCESS
        }
        Ok(_) => {
            eprintln!("revocation-delay: no tokens");
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("revocation-delay: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
