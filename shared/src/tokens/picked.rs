//! The claims a stateless verifier reads, picked from a token's payload in one pass. A map of
//! every claim costs an allocation per key and per value and a hash per insert and lookup on
//! every request; the checks read at most ten claims, and the protected view none.
//! [`PickedClaims::into_parts`] hands the payload's JSON on to whoever wants the rest.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

use super::claims::{ClaimLookup, REGISTERED};
use crate::settings::JwtSettings;

/// At most: the registered claims and the configured user-id, type and id claims.
const MAX: usize = REGISTERED.len() + 3;

/// The names of the claims the checks read, each once (`ClaimNames::new(&jwt)`, at start-up).
#[derive(Debug, Clone)]
pub struct ClaimNames(Vec<String>);

impl ClaimNames {
    pub fn new(jwt: &JwtSettings) -> Self {
        let configured = [
            Some(jwt.user_id_claim.as_str()),
            jwt.token_type_claim.as_deref(),
            jwt.jti_claim.as_deref(),
        ];
        let mut names: Vec<String> = Vec::with_capacity(MAX);
        for name in REGISTERED.into_iter().map(Some).chain(configured).flatten() {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
        Self(names)
    }

    fn position(&self, name: &str) -> Option<usize> {
        // Names of a few bytes: compared inline rather than by a call to `memcmp` each.
        let name = name.as_bytes();
        self.0
            .iter()
            .position(|n| n.len() == name.len() && n.bytes().zip(name).all(|(a, &b)| a == b))
    }
}

/// A verified payload's JSON and the claims of [`ClaimNames`] it holds, nothing else parsed.
/// A claim given twice keeps its last value, as in Python's `json.loads` (and serde_json's
/// map); other claims are checked for syntax (and the whole payload for UTF-8), not kept.
#[derive(Debug)]
pub struct PickedClaims<'n> {
    names: &'n ClaimNames,
    /// (position in `names`, value), each position once. Small, so that moving the
    /// claims through the checks' results copies a few words, not every slot.
    values: Vec<(usize, Value)>,
    payload: Vec<u8>,
}

/// The payload is not a JSON object (or not UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnObject;

impl<'n> PickedClaims<'n> {
    pub fn parse(payload: Vec<u8>, names: &'n ClaimNames) -> Result<Self, NotAnObject> {
        let mut values = Vec::with_capacity(MAX);
        {
            // serde_json's own check of a `Value`'s strings, done once for the whole text.
            let text = std::str::from_utf8(&payload).map_err(|_| NotAnObject)?;
            let mut de = serde_json::Deserializer::from_str(text);
            de.deserialize_map(Picker {
                names,
                values: &mut values,
            })
            .map_err(|_| NotAnObject)?;
            de.end().map_err(|_| NotAnObject)?;
        }
        Ok(Self {
            names,
            values,
            payload,
        })
    }

    /// The payload's JSON, and the value of the claim `take` names (if it is one of
    /// [`ClaimNames`] and present).
    pub fn into_parts(mut self, take: &str) -> (Vec<u8>, Option<Value>) {
        let value = self.names.position(take).and_then(|at| {
            let i = self.values.iter().position(|(n, _)| *n == at)?;
            Some(self.values.swap_remove(i).1)
        });
        (self.payload, value)
    }
}

impl ClaimLookup for PickedClaims<'_> {
    fn claim(&self, name: &str) -> Option<&Value> {
        let at = self.names.position(name)?;
        self.values.iter().find(|(n, _)| *n == at).map(|(_, v)| v)
    }
}

struct Picker<'a> {
    names: &'a ClaimNames,
    values: &'a mut Vec<(usize, Value)>,
}

impl<'de> Visitor<'de> for Picker<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Key)? {
            match self.names.position(&key) {
                Some(at) => {
                    let value = map.next_value()?;
                    match self.values.iter_mut().find(|(n, _)| *n == at) {
                        Some(slot) => slot.1 = value,
                        None => self.values.push((at, value)),
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A key, borrowed from the payload unless it has escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a claim name")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key.to_owned()))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names() -> ClaimNames {
        ClaimNames::new(&JwtSettings::with_signing_key("k"))
    }

    fn pick<'n>(json: &str, names: &'n ClaimNames) -> Result<PickedClaims<'n>, NotAnObject> {
        PickedClaims::parse(json.as_bytes().to_vec(), names)
    }

    #[test]
    fn picks_the_checked_claims_as_the_map_holds_them() {
        let names = names();
        let text = r#"{"token_type":"access","exp":17e8,"iat":1700000000,"jti":"a\u00e9",
            "user_id":"7","aud":["x",1],"nested":{"deep":[1,2,{"k":null}]},"big":1e400}"#;
        let picked = pick(text, &names).unwrap();
        let map: crate::tokens::Claims = serde_json::from_str(text).unwrap();
        for name in [
            "token_type",
            "exp",
            "iat",
            "jti",
            "user_id",
            "aud",
            "nbf",
            "sub",
        ] {
            assert_eq!(picked.claim(name), map.get(name), "{name}");
        }
        assert_eq!(
            picked.claim("nested"),
            None,
            "not a checked claim: not kept"
        );
        let (payload, user_id) = picked.into_parts("user_id");
        assert_eq!(user_id, Some(json!("7")));
        assert_eq!(payload, text.as_bytes());
    }

    #[test]
    fn the_last_of_a_repeated_claim_wins_and_escaped_names_match() {
        let names = names();
        let picked = pick(r#"{"exp":1,"\u0065xp":2,"exp":3}"#, &names).unwrap();
        assert_eq!(picked.claim("exp"), Some(&json!(3)));
        let picked = pick(r#"{"exp":1,"\u0065xp":2}"#, &names).unwrap();
        assert_eq!(picked.claim("exp"), Some(&json!(2)));
    }

    #[test]
    fn configured_names_are_picked() {
        let mut jwt = JwtSettings::with_signing_key("k");
        jwt.user_id_claim = "uid".into();
        jwt.token_type_claim = Some("kind".into());
        jwt.jti_claim = None;
        let names = ClaimNames::new(&jwt);
        let picked = pick(r#"{"uid":5,"kind":"access","user_id":"no"}"#, &names).unwrap();
        assert_eq!(picked.claim("uid"), Some(&json!(5)));
        assert_eq!(picked.claim("kind"), Some(&json!("access")));
        assert_eq!(picked.claim("user_id"), None);
    }

    #[test]
    fn anything_but_one_json_object_is_refused() {
        let names = names();
        for bad in [
            "[]",
            "\"x\"",
            "1",
            "",
            "{",
            r#"{"a":1} {}"#,
            r#"{"a":1,}"#,
            r#"{"a":nan}"#,
            r#"{"a":"\x"}"#,
            "{\"a\":\"\u{1}\"}",
        ] {
            assert_eq!(pick(bad, &names).err(), Some(NotAnObject), "{bad:?}");
        }
        let not_utf8 = PickedClaims::parse(b"{\"a\":\"\xff\"}".to_vec(), &names);
        assert_eq!(not_utf8.err(), Some(NotAnObject));
        assert!(pick(" {\"a\": [1, {\"b\": 2}]}\n", &names).is_ok());
    }
}
