//! What authentication costs per request, measured in-process (no network, no
//! scheduler): the CPU time the protected view adds on top of a bare handler.
//!
//! ```text
//! auth-cost [--iterations 200000]
//! ```
//!
//! Prints nanoseconds per call (best of 5 rounds) of: `TokenBackend::decode` (base64,
//! header, HMAC-SHA256, payload JSON), `Authenticator::validate` (+ the claim checks),
//! `Authenticator::token_user` on a request with `Authorization: Bearer <token>`
//! (+ negotiation and the header), and the same with an invalid signature (the 401 path).

use actix_web::test::TestRequest;
use shared::Authenticator;
use shared::settings::{JwtSettings, TokenClass};
use shared::tokens::{TokenBackend, now};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn best_ns(iterations: u32, mut f: impl FnMut()) -> f64 {
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..iterations {
            f();
        }
        best = best.min(start.elapsed());
    }
    best.as_nanos() as f64 / f64::from(iterations)
}

fn main() {
    let mut iterations: u32 = 200_000;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, n] = args.as_slice()
        && flag == "--iterations"
    {
        iterations = n.parse().unwrap_or(iterations);
    }
    let key = "auth-cost-signing-key-0123456789abcdef";
    let mut jwt = JwtSettings::with_signing_key(key);
    jwt.access_token_lifetime = Duration::from_secs(3600);
    let signer = TokenBackend::for_signing(jwt.clone()).expect("signing backend");
    let token = signer
        .encode(&signer.for_user(TokenClass::Access, "1", None, now()))
        .expect("token");
    let forged = {
        let other = TokenBackend::for_signing(JwtSettings::with_signing_key(
            "another-key-0123456789abcdef-0123456789",
        ))
        .expect("other backend");
        other
            .encode(&other.for_user(TokenClass::Access, "1", None, now()))
            .expect("token")
    };
    let backend = Arc::new(TokenBackend::for_verifying(jwt).expect("verifying backend"));
    let auth = Authenticator::new(backend.clone());
    let request = TestRequest::get()
        .uri("/protected/")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_http_request();
    let bad_request = TestRequest::get()
        .uri("/protected/")
        .insert_header(("Authorization", format!("Bearer {forged}")))
        .to_http_request();
    assert!(auth.token_user(&request).is_ok(), "the token must be valid");
    assert!(
        auth.token_user(&bad_request).is_err(),
        "the forged token must fail"
    );

    let t = now();
    let decode = best_ns(iterations, || {
        black_box(backend.decode(black_box(token.as_bytes()), t).ok());
    });
    let validate = best_ns(iterations, || {
        black_box(auth.validate(black_box(token.as_bytes()), t).ok());
    });
    let token_user = best_ns(iterations, || {
        black_box(auth.token_user(black_box(&request)).ok());
    });
    let invalid = best_ns(iterations, || {
        black_box(auth.token_user(black_box(&bad_request)).err());
    });
    println!(
        "decode_ns={decode:.0} validate_ns={validate:.0} token_user_ns={token_user:.0} invalid_ns={invalid:.0}"
    );
}
