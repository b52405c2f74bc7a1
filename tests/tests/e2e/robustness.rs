//! No panic, no 500, no hang on malformed input: bodies, headers and tokens,
//! generated from a fixed seed so a failure is reproducible.

use reqwest::header::{HeaderName, HeaderValue};
use serde_json::json;
use std::sync::Arc;

use tests::{Answer, Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        malformed_bodies_never_500,
        malformed_tokens_and_headers_never_500
    ]
}

/// xorshift64*: a few lines, deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = (self.next() as usize) % (max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }
}

#[track_caller]
fn assert_clean(answer: &Answer, what: &str) {
    assert!(
        answer.status < 500,
        "{what} → {} {}",
        answer.status,
        answer.text
    );
    if !answer.text.is_empty() {
        assert!(
            serde_json::from_str::<serde_json::Value>(&answer.text).is_ok(),
            "{what}: non-JSON {:?}",
            answer.text
        );
    }
}

async fn malformed_bodies_never_500(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let content_types = [
        "application/json",
        "application/json; charset=latin-1",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "text/plain",
        "*/*",
        "",
    ];
    let paths = ["/api/token/", "/api/token/refresh/"];
    let fixed: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"[".repeat(10_000),
        format!("{}1{}", "[".repeat(200), "]".repeat(200)).into_bytes(),
        b"{\"username\": 1e999, \"password\": -0}".to_vec(),
        b"{\"username\": 123456789012345678901234567890, \"password\": 1.5e300}".to_vec(),
        b"{\"username\": \"\\udfff\\ud800\", \"password\": \"\\u0000\"}".to_vec(),
        b"{\"refresh\": \"\\ud83d\\ude00.\\ud800.x\"}".to_vec(),
        b"NaN".to_vec(),
        b"\xef\xbb\xbf{}".to_vec(),
        b"--xyz\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nkyoko\r\n--xyz--".to_vec(),
        b"--xyz\r\nContent-Disposition: form-data; name=\"password\"; filename=\"a.txt\"\r\n\r\nx\r\n--xyz--\r\n".to_vec(),
        b"username=%FF%FE&password=%00%ZZ&&&==".to_vec(),
        b"refresh=eyJ.eyJ.".to_vec(),
    ];
    let mut bodies = fixed;
    for _ in 0..150 {
        bodies.push(rng.bytes(300));
    }
    for (i, body) in bodies.into_iter().enumerate() {
        let ct = *rng.pick(&content_types);
        let path = *rng.pick(&paths);
        let answer = app
            .post_raw(path, (!ct.is_empty()).then_some(ct), body.clone())
            .await;
        assert_clean(
            &answer,
            &format!(
                "body #{i} {ct:?} to {path}: {:?}",
                String::from_utf8_lossy(&body)
            ),
        );
    }
}

async fn malformed_tokens_and_headers_never_500(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("SIMPLE_JWT__AUDIENCE", "svc"),
        ("SIMPLE_JWT__ISSUER", "me"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    let mut rng = Rng(0xdead_beef_0000_0001);
    let mut tokens: Vec<String> = vec![
        String::new(),
        ".".into(),
        "..".into(),
        "a.b.c.d".into(),
        "eyJhbGciOiJIUzI1NiJ9.bnVsbA.x".into(),
        "eyJhbGciOiJIUzI1NiJ9.W10.x".into(),
        tests::tokens::forge(
            &json!({"token_type":"access","exp":1e308,"iat":-1e308,"jti":"x","user_id":"1","aud":"svc","iss":"me"}),
        ),
        tests::tokens::forge(
            &json!({"token_type":"access","exp":99999999999999999999u128.to_string(),"jti":"x","user_id":"1","aud":"svc","iss":"me"}),
        ),
        tests::tokens::forge(
            &json!({"token_type":"refresh","exp":"1e99","jti":[],"user_id":{"a":1},"aud":[1,2],"iss":{}}),
        ),
        tests::tokens::forge(
            &json!({"token_type":"refresh","exp":2e9,"jti":"x","user_id":"99999999999999999999","aud":"svc","iss":"me"}),
        ),
        tests::tokens::forge(
            &json!({"token_type":"refresh","exp":2e9,"jti":"x","user_id":-1,"aud":"svc","iss":"me"}),
        ),
        tests::tokens::forge(
            &json!({"token_type":"refresh","exp":2e9,"jti":"x","user_id":true,"aud":"svc","iss":"me"}),
        ),
        tests::tokens::forge(&json!({"token_type":null,"exp":null,"jti":null,"user_id":null})),
    ];
    for _ in 0..60 {
        let base = rng.pick(&[refresh.clone(), access.clone()]).clone();
        let mut bytes = base.into_bytes();
        for _ in 0..(1 + rng.next() % 4) {
            let at = (rng.next() as usize) % bytes.len();
            bytes[at] = *rng.pick(b"AZaz09-_.=+/ \x7f");
        }
        tokens.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    for token in &tokens {
        for path in ["/api/token/refresh/"] {
            let answer = app.post_form(path, &[("refresh", token)]).await;
            assert_clean(&answer, &format!("{path} with {token:?}"));
        }
        // reqwest refuses control characters in headers; the body path covers those
        if HeaderValue::from_str(token).is_ok() {
            let answer = app.protected(Some(&format!("Bearer {token}"))).await;
            assert_clean(&answer, &format!("protected with {token:?}"));
        }
    }
    // raw header bytes that are legal on the wire but not UTF-8
    for raw in [
        &b"Bearer \xff\xfe\xfd"[..],
        b"\xc3\x28 x",
        b"Bearer a,Bearer b",
    ] {
        let value = HeaderValue::from_bytes(raw).unwrap();
        let response = app
            .client
            .get(format!("{}/protected/", app.protected))
            .header(HeaderName::from_static("authorization"), value)
            .send()
            .await
            .unwrap();
        assert_clean(&Answer::read(response).await, &format!("header {raw:?}"));
    }
    let long = format!("Bearer {}", "A".repeat(7000));
    assert_clean(&app.protected(Some(&long)).await, "7 kB token");
}
