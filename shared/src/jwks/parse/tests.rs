use super::*;
use jsonwebtoken::EncodingKey;
use jsonwebtoken::jwk::Jwk;
use serde_json::json;

const RSA_2048: &str = include_str!("../../tokens/testdata/rsa2048.pem");
const RSA_1024: &str = include_str!("../../tokens/testdata/rsa1024.pem");

/// The public JWK of a PEM private key, with `kid` (and any other member) set.
fn jwk(pem: &str, extra: serde_json::Value) -> serde_json::Value {
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let mut value =
        serde_json::to_value(Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap()).unwrap();
    let map = value.as_object_mut().unwrap();
    map.remove("alg");
    for (k, v) in extra.as_object().unwrap() {
        map.insert(k.clone(), v.clone());
    }
    value
}

fn parse_json(document: &serde_json::Value) -> Result<Parsed, Refused> {
    parse(document.to_string().as_bytes(), Algorithm::RS256)
}

#[test]
fn usable_keys_are_kept_and_the_others_skipped_with_a_reason() {
    let document = json!({"keys": [
        jwk(RSA_2048, json!({"kid": "good", "use": "sig", "alg": "RS256"})),
        jwk(RSA_2048, json!({})),
        jwk(RSA_2048, json!({"kid": "enc", "use": "enc"})),
        jwk(RSA_2048, json!({"kid": "ps", "alg": "PS256"})),
        jwk(RSA_1024, json!({"kid": "short"})),
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
        {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty": "XYZ", "kid": "unknown-type"},
        jwk(RSA_2048, json!({"kid": "also-good"})),
    ]});
    let parsed = parse_json(&document).unwrap();
    let kids: Vec<&str> = parsed.set.keys().iter().filter_map(|k| k.kid()).collect();
    // A key published without kid is named by its RFC 7638 thumbprint.
    let thumbprint = crate::tokens::key_set::thumbprint(
        &serde_json::from_value(jwk(RSA_2048, json!({}))).unwrap(),
    )
    .unwrap();
    assert_eq!(kids, ["good", thumbprint.as_str(), "also-good"]);
    let skipped: Vec<&str> = parsed.skipped.iter().map(|(kid, _)| kid.as_str()).collect();
    assert_eq!(
        skipped,
        ["enc", "ps", "short", "hmac", "ed", "unknown-type"]
    );
}

#[test]
fn documents_without_a_usable_key_are_refused() {
    assert_eq!(
        parse(b"<html>", Algorithm::RS256).err(),
        Some(Refused::NotJson)
    );
    assert_eq!(
        parse_json(&json!({"keys": {}})).err(),
        Some(Refused::NoKeysArray)
    );
    assert_eq!(parse_json(&json!([1, 2])).err(), Some(Refused::NoKeysArray));
    assert_eq!(
        parse_json(&json!({"keys": []})).err(),
        Some(Refused::NoUsableKey)
    );
    let only_enc = json!({"keys": [jwk(RSA_2048, json!({"kid": "a", "use": "enc"}))]});
    assert_eq!(parse_json(&only_enc).err(), Some(Refused::NoUsableKey));
}

#[test]
fn the_set_is_capped() {
    let keys: Vec<_> = (0..MAX_KEYS + 3)
        .map(|i| jwk(RSA_2048, json!({"kid": format!("k{i}")})))
        .collect();
    let parsed = parse_json(&json!({ "keys": keys })).unwrap();
    assert_eq!(parsed.set.len(), MAX_KEYS);
    assert_eq!(parsed.skipped.len(), 3);
}
