use super::*;
use serde_json::json;

const SPEC_KEY: &str = "test-secret-key-for-spec-research-0123456789";
const SPEC_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoyMDAwMDAwMDAwLCJpYXQiOjE5OTk5OTk3MDAsImp0aSI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwidXNlcl9pZCI6IjEifQ.36KsoSYoym1MaU_VGu7A3RsM8IPYkCn3SObjQtb-kV0";

fn codec(key: &str) -> Codec {
    Codec::for_signing(&JwtSettings::with_signing_key(key)).expect("codec")
}

fn spec_payload() -> Claims {
    match json!({"token_type":"access","exp":2000000000,"iat":1999999700,
                 "jti":"0123456789abcdef0123456789abcdef","user_id":"1"})
    {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

#[test]
fn reproduces_the_spec_vector_byte_for_byte() {
    assert_eq!(codec(SPEC_KEY).encode(&spec_payload()).unwrap(), SPEC_TOKEN);
}

#[test]
fn decodes_the_spec_vector_and_keeps_claim_order() {
    let payload = codec(SPEC_KEY).decode(SPEC_TOKEN.as_bytes()).unwrap();
    let keys: Vec<_> = payload.keys().map(String::as_str).collect();
    assert_eq!(keys, ["token_type", "exp", "iat", "jti", "user_id"]);
}

#[test]
fn payload_is_ascii_escaped_like_python() {
    let text = ascii_json(&json!({"name":"Zoë","emoji":"😀","q":"\"\n"}));
    assert_eq!(
        String::from_utf8(text).unwrap(),
        r#"{"name":"Zo\u00eb","emoji":"\ud83d\ude00","q":"\"\n"}"#
    );
}

#[test]
fn rejects_other_keys_algorithms_and_garbage() {
    let other = codec("another-key-of-at-least-thirty-two-bytes")
        .encode(&spec_payload())
        .unwrap();
    let ours = codec(SPEC_KEY);
    assert_eq!(ours.decode(other.as_bytes()), Err(DecodeError::Signature));
    assert_eq!(ours.decode(b"garbage"), Err(DecodeError::Segments));
    assert_eq!(ours.decode(b"a.b"), Err(DecodeError::Segments));
    assert_eq!(ours.decode(b"a.b.c"), Err(DecodeError::Base64));
    assert_eq!(ours.decode(b""), Err(DecodeError::Segments));
    assert!(ours.decode("é.é.é".as_bytes()).is_err());

    // alg "none" and a valid HS512 signature under an HS256 setting
    let parts: Vec<&str> = SPEC_TOKEN.split('.').collect();
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    assert_eq!(ours.decode(none.as_bytes()), Err(DecodeError::Algorithm));
    let mut hs512 = JwtSettings::with_signing_key(SPEC_KEY);
    hs512.algorithm = Algorithm::HS512;
    // 44 bytes: short for HS512, which does not matter to this test.
    hs512.key_rules.allow_weak_key = true;
    let hs512 = Codec::for_signing(&hs512)
        .unwrap()
        .encode(&spec_payload())
        .unwrap();
    assert_eq!(ours.decode(hs512.as_bytes()), Err(DecodeError::Algorithm));
}

#[test]
fn accepts_any_typ_and_string_kid_but_not_other_kid() {
    let ours = codec(SPEC_KEY);
    let sign = |header: &str| {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            SPEC_TOKEN.split('.').nth(1).unwrap()
        );
        let sig = crypto::sign(
            input.as_bytes(),
            &EncodingKey::from_secret(SPEC_KEY.as_bytes()),
            Algorithm::HS256,
        )
        .unwrap();
        format!("{input}.{sig}")
    };
    assert!(
        ours.decode(sign(r#"{"typ":"at+jwt","alg":"HS256","kid":"k1"}"#).as_bytes())
            .is_ok()
    );
    assert!(ours.decode(sign(r#"{"alg":"HS256"}"#).as_bytes()).is_ok());
    assert_eq!(
        ours.decode(sign(r#"{"alg":"HS256","kid":7}"#).as_bytes()),
        Err(DecodeError::Header)
    );
    assert_eq!(
        ours.decode(sign(r#"["HS256"]"#).as_bytes()),
        Err(DecodeError::Header)
    );
}

#[test]
fn a_payload_that_is_not_an_object_is_invalid() {
    let ours = codec(SPEC_KEY);
    let input = format!(
        "{}.{}",
        ours.signer.as_ref().unwrap().header_segment,
        URL_SAFE_NO_PAD.encode("[1,2]")
    );
    let sig = crypto::sign(
        input.as_bytes(),
        &EncodingKey::from_secret(SPEC_KEY.as_bytes()),
        Algorithm::HS256,
    )
    .unwrap();
    assert_eq!(
        ours.decode(format!("{input}.{sig}").as_bytes()),
        Err(DecodeError::Claims)
    );
}

const RSA1024: &str = include_str!("../testdata/rsa1024.pem");
const RSA1024_PUB: &str = include_str!("../testdata/rsa1024.pub.pem");
const RSA1024_PKCS1: &str = include_str!("../testdata/rsa1024.pkcs1.pem");
const RSA1024_PKCS1_PUB: &str = include_str!("../testdata/rsa1024.pkcs1.pub.pem");
const RSA2048: &str = include_str!("../testdata/rsa2048.pem");
const RSA2048_PUB: &str = include_str!("../testdata/rsa2048.pub.pem");

fn rsa(algorithm: Algorithm, private: &str, public: &str) -> JwtSettings {
    let mut jwt = JwtSettings::with_signing_key(private);
    jwt.algorithm = algorithm;
    jwt.verifying_key = Some(public.to_owned());
    jwt
}

#[test]
fn rsa_keys_below_2048_bits_are_refused_for_signing_and_verifying() {
    for algorithm in [Algorithm::RS256, Algorithm::PS512] {
        let good = rsa(algorithm, RSA2048, RSA2048_PUB);
        let signer = Codec::for_signing(&good).expect("2048-bit pair");
        let token = signer.encode(&spec_payload()).unwrap();
        assert!(
            Codec::for_verifying(&good)
                .unwrap()
                .decode(token.as_bytes())
                .is_ok()
        );

        for private in [RSA1024, RSA1024_PKCS1] {
            let message = Codec::for_signing(&rsa(algorithm, private, RSA2048_PUB))
                .unwrap_err()
                .0;
            assert!(
                message.starts_with(&format!(
                    "SIMPLE_JWT.SIGNING_KEY: a 1024-bit RSA key is too small for \
                     {algorithm:?} (at least 2048)"
                )),
                "{message}"
            );
            assert_eq!(message.lines().count(), 1);
        }
        for public in [RSA1024_PUB, RSA1024_PKCS1_PUB] {
            let weak = rsa(algorithm, "", public);
            let message = Codec::for_verifying(&weak).unwrap_err().0;
            assert!(
                message
                    .starts_with("SIMPLE_JWT.VERIFYING_KEY: a 1024-bit RSA key is too small for"),
                "{message}"
            );
            let message = Codec::for_signing(&rsa(algorithm, RSA2048, public))
                .unwrap_err()
                .0;
            assert!(
                message.starts_with("SIMPLE_JWT.VERIFYING_KEY: a 1024"),
                "{message}"
            );
        }
    }
}

#[test]
fn a_pem_that_is_not_an_rsa_key_is_named() {
    let broken = rsa(
        Algorithm::RS256,
        RSA2048,
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    );
    let message = Codec::for_verifying(&broken).unwrap_err().0;
    assert!(
        message.starts_with("SIMPLE_JWT.VERIFYING_KEY: not a PEM public key for RS256"),
        "{message}"
    );
}

#[test]
fn short_hmac_keys_are_refused_by_signers_and_verifiers_alike() {
    let mut jwt = JwtSettings::with_signing_key("k".repeat(31).as_str());
    for build in [Codec::for_signing, Codec::for_verifying] {
        let message = build(&jwt).unwrap_err().0;
        assert!(
            message.starts_with("SIMPLE_JWT.SIGNING_KEY: 31 bytes is too short for HS256"),
            "{message}"
        );
    }
    jwt.key_rules.allow_weak_key = true;
    let signer = Codec::for_signing(&jwt).expect("allowed");
    let token = signer.encode(&spec_payload()).unwrap();
    assert!(
        Codec::for_verifying(&jwt)
            .unwrap()
            .decode(token.as_bytes())
            .is_ok()
    );
}

#[test]
fn padded_segments_are_accepted_like_pyjwt() {
    let ours = codec(SPEC_KEY);
    let mut parts: Vec<String> = SPEC_TOKEN.split('.').map(str::to_owned).collect();
    parts[2].push('=');
    assert!(ours.decode(parts.join(".").as_bytes()).is_ok());
}
