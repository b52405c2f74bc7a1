use super::*;
use crate::tokens::{Claims, Codec, DecodeError};
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, RSAKeyParameters, RSAKeyType};

const ED: &str = include_str!("../testdata/ed25519.pem");
const ED_PUB: &str = include_str!("../testdata/ed25519.pub.pem");
const ED_B: &str = include_str!("../testdata/ed25519-b.pem");
const ED_B_PUB: &str = include_str!("../testdata/ed25519-b.pub.pem");
const RSA: &str = include_str!("../testdata/rsa2048.pem");
const RSA_PUB: &str = include_str!("../testdata/rsa2048.pub.pem");
const HMAC_A: &str = "hmac-key-a-of-at-least-thirty-two-bytes!";
const HMAC_B: &str = "hmac-key-b-of-at-least-thirty-two-bytes!";

fn pair(algorithm: Algorithm, private: &str, public: &str) -> JwtSettings {
    let mut jwt = JwtSettings::with_signing_key(private);
    jwt.algorithm = algorithm;
    jwt.verifying_key = Some(public.to_owned());
    jwt
}

fn header_of(token: &str) -> String {
    let segment = token.split('.').next().unwrap();
    String::from_utf8(URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

#[test]
fn thumbprint_matches_rfc_7638_section_3_1() {
    // RFC 7638 §3.1: the RSA key of RFC 7517 appendix A.1 and its SHA-256 thumbprint.
    let jwk = Jwk {
        common: Default::default(),
        algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
            key_type: RSAKeyType::RSA,
            n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw".into(),
            e: "AQAB".into(),
        }),
    };
    assert_eq!(
        thumbprint(&jwk).unwrap(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}

#[test]
fn asymmetric_tokens_carry_the_kid_in_pyjwt_header_order() {
    let codec = Codec::for_signing(&pair(Algorithm::EdDSA, ED, ED_PUB)).unwrap();
    let kid = codec.signing_kid().unwrap().to_owned();
    assert_eq!(kid.len(), 43, "base64url SHA-256: {kid}");
    let token = codec.encode(&Claims::new()).unwrap();
    // PyJWT sorts the header keys: alg, kid, typ.
    assert_eq!(
        header_of(&token),
        format!(r#"{{"alg":"EdDSA","kid":"{kid}","typ":"JWT"}}"#)
    );
    assert!(codec.decode(token.as_bytes()).is_ok());
    let jwks = codec.keys().current().jwks();
    let published = serde_json::to_value(&jwks).unwrap();
    assert_eq!(published["keys"][0]["kid"], kid.as_str());
    assert_eq!(published["keys"][0]["alg"], "EdDSA");
    assert_eq!(published["keys"][0]["use"], "sig");
    assert_eq!(published["keys"][0]["kty"], "OKP");
}

#[test]
fn hmac_tokens_keep_simplejwt_header_and_publish_nothing() {
    let codec = Codec::for_signing(&JwtSettings::with_signing_key(HMAC_A)).unwrap();
    assert_eq!(codec.signing_kid(), None);
    let token = codec.encode(&Claims::new()).unwrap();
    assert_eq!(header_of(&token), r#"{"alg":"HS256","typ":"JWT"}"#);
    assert!(codec.keys().current().jwks().keys.is_empty());
}

#[test]
fn previous_hmac_secrets_are_tried_after_the_current_one() {
    let old = Codec::for_signing(&JwtSettings::with_signing_key(HMAC_A)).unwrap();
    let old_token = old.encode(&Claims::new()).unwrap();
    let mut jwt = JwtSettings::with_signing_key(HMAC_B);
    jwt.previous_verifying_keys = vec![HMAC_A.into()];
    let new = Codec::for_signing(&jwt).unwrap();
    assert!(new.decode(old_token.as_bytes()).is_ok());
    assert!(
        new.decode(new.encode(&Claims::new()).unwrap().as_bytes())
            .is_ok()
    );
    // retired: the old token no longer verifies
    let retired = Codec::for_verifying(&JwtSettings::with_signing_key(HMAC_B)).unwrap();
    assert_eq!(
        retired.decode(old_token.as_bytes()),
        Err(DecodeError::Signature)
    );
    // previous secrets are held to the same length rule, and never shown
    jwt.previous_verifying_keys = vec!["short-old-secret".into()];
    let message = Codec::for_verifying(&jwt).unwrap_err().0;
    assert!(
        message.starts_with(
            "TOKENPAIR.PREVIOUS_VERIFYING_KEYS[0]: 16 bytes is too short for HS256 (at least 32)"
        ),
        "{message}"
    );
    assert!(!message.contains("short-old-secret"));
}

#[test]
fn rotation_by_kid_and_unknown_kids() {
    let a = Codec::for_signing(&pair(Algorithm::EdDSA, ED, ED_PUB)).unwrap();
    let token_a = a.encode(&Claims::new()).unwrap();
    let mut switched = pair(Algorithm::EdDSA, ED_B, ED_B_PUB);
    switched.previous_verifying_keys = vec![ED_PUB.into()];
    let b = Codec::for_signing(&switched).unwrap();
    assert_ne!(a.signing_kid(), b.signing_kid());
    assert!(b.decode(token_a.as_bytes()).is_ok());
    let set = b.keys().current();
    let kids: Vec<_> = set.keys().iter().map(|k| k.kid().unwrap()).collect();
    assert_eq!(kids, [b.signing_kid().unwrap(), a.signing_kid().unwrap()]);
    assert_eq!(set.jwks().keys.len(), 2);

    // B's keys only: A's kid is unknown
    let retired = Codec::for_verifying(&pair(Algorithm::EdDSA, "", ED_B_PUB)).unwrap();
    assert_eq!(
        retired.decode(token_a.as_bytes()),
        Err(DecodeError::UnknownKey)
    );

    // a token without kid (as PyJWT signs for a Django site) is tried against every key
    let parts: Vec<&str> = token_a.split('.').collect();
    let plain_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"EdDSA","typ":"JWT"}"#);
    let input = format!("{plain_header}.{}", parts[1]);
    let key = jsonwebtoken::EncodingKey::from_ed_pem(ED.as_bytes()).unwrap();
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::EdDSA).unwrap();
    let no_kid = format!("{input}.{signature}");
    assert!(b.decode(no_kid.as_bytes()).is_ok());
    assert_eq!(
        retired.decode(no_kid.as_bytes()),
        Err(DecodeError::Signature)
    );

    // A's kid on a token B signed: only A's key is tried
    let b_token = b.encode(&Claims::new()).unwrap();
    let b_parts: Vec<&str> = b_token.split('.').collect();
    let header = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"alg":"EdDSA","kid":"{}","typ":"JWT"}}"#,
        a.signing_kid().unwrap()
    ));
    let key_b = jsonwebtoken::EncodingKey::from_ed_pem(ED_B.as_bytes()).unwrap();
    let input = format!("{header}.{}", b_parts[1]);
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key_b, Algorithm::EdDSA).unwrap();
    assert_eq!(
        b.decode(format!("{input}.{signature}").as_bytes()),
        Err(DecodeError::Signature)
    );
}

#[test]
fn a_token_signed_with_the_public_key_as_hmac_secret_is_refused() {
    let codec = Codec::for_verifying(&pair(Algorithm::RS256, "", RSA_PUB)).unwrap();
    let payload = URL_SAFE_NO_PAD.encode(r#"{"token_type":"access"}"#);
    for header in [
        r#"{"alg":"HS256","typ":"JWT"}"#.to_owned(),
        format!(
            r#"{{"alg":"HS256","kid":"{}","typ":"JWT"}}"#,
            codec.keys().current().keys()[0].kid().unwrap()
        ),
    ] {
        let input = format!("{}.{payload}", URL_SAFE_NO_PAD.encode(header));
        let key = jsonwebtoken::EncodingKey::from_secret(RSA_PUB.as_bytes());
        let signature =
            jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::HS256).unwrap();
        assert_eq!(
            codec.decode(format!("{input}.{signature}").as_bytes()),
            Err(DecodeError::Algorithm)
        );
    }
    // and the genuine RS256 token verifies
    let signer = Codec::for_signing(&pair(Algorithm::RS256, RSA, RSA_PUB)).unwrap();
    assert!(
        codec
            .decode(signer.encode(&Claims::new()).unwrap().as_bytes())
            .is_ok()
    );
}

#[test]
fn keys_are_replaceable_and_readers_keep_their_set() {
    let keys = Keys::new(KeySet::default());
    let before = keys.current();
    let (fetched, skipped) = KeySet::from_jwks(
        &Codec::for_verifying(&pair(Algorithm::EdDSA, "", ED_PUB))
            .unwrap()
            .keys()
            .current()
            .jwks(),
        Algorithm::EdDSA,
    );
    assert_eq!((fetched.len(), skipped), (1, 0));
    keys.replace(fetched);
    assert!(before.is_empty());
    assert_eq!(keys.current().len(), 1);
    // a JWKS for another algorithm yields nothing usable
    let (none, skipped) = KeySet::from_jwks(&keys.current().jwks(), Algorithm::ES256);
    assert_eq!((none.len(), skipped), (0, 1));
}
