//! Every `ALGORITHM` tokenpair accepts, issued by auth-service and verified by a
//! protected-service that holds only the public key (or only the HMAC secret), then by PyJWT
//! (simplejwt's library); and the algorithm-confusion attack.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tests::Ctx;

use super::{
    HMAC_KEY, PASSWORD, USERNAME, auth_settings, ensure_user, header, opens_protected,
    protected_settings, refused_by_protected, testdata,
};

/// (algorithm, private key file, public key file); HMAC algorithms use [`HMAC_KEY`].
const ALGORITHMS: &[(&str, &str, &str)] = &[
    ("HS256", "", ""),
    ("HS384", "", ""),
    ("HS512", "", ""),
    ("RS256", "rsa2048.pem", "rsa2048.pub.pem"),
    ("RS384", "rsa2048.pem", "rsa2048.pub.pem"),
    ("RS512", "rsa2048.pem", "rsa2048.pub.pem"),
    ("PS256", "rsa2048.pem", "rsa2048.pub.pem"),
    ("PS384", "rsa2048.pem", "rsa2048.pub.pem"),
    ("PS512", "rsa2048.pem", "rsa2048.pub.pem"),
    ("ES256", "ec256.pem", "ec256.pub.pem"),
    ("ES384", "ec384.pem", "ec384.pub.pem"),
    ("EdDSA", "ed25519.pem", "ed25519.pub.pem"),
];

/// PyJWT decodes each token with the verifying key alone; where the signature is
/// deterministic (HMAC, RSA PKCS#1 v1.5, Ed25519) it also re-signs the claims with
/// `headers={"kid": ...}` and must produce our token byte for byte. The kid is checked
/// against the RFC 7638 thumbprint of the JWK PyJWT makes of the public key.
const PYJWT_CHECK: &str = r#"
import base64, hashlib, json, sys, jwt
from jwt.algorithms import get_default_algorithms

def thumbprint(alg, pem):
    algorithm = get_default_algorithms()[alg]
    jwk = json.loads(algorithm.to_jwk(algorithm.prepare_key(pem)))
    required = {"EC": ["crv", "kty", "x", "y"], "RSA": ["e", "kty", "n"], "OKP": ["crv", "kty", "x"]}
    members = json.dumps({m: jwk[m] for m in required[jwk["kty"]]}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()

out = []
for case in json.load(sys.stdin):
    claims = jwt.decode(case["token"], case["verify"], algorithms=[case["alg"]])
    if case["kid"] is not None:
        assert case["kid"] == thumbprint(case["alg"], case["verify"]), case["alg"]
    same = None
    if case["alg"][:2] in ("HS", "RS", "Ed"):
        headers = {"kid": case["kid"]} if case["kid"] else None
        same = jwt.encode(claims, case["sign"], algorithm=case["alg"], headers=headers) == case["token"]
    out.append({"alg": case["alg"], "user_id": claims["user_id"], "same": same})
print(json.dumps(out))
"#;

pub async fn every_algorithm_end_to_end_and_in_pyjwt(ctx: Arc<Ctx>) {
    ensure_user(&ctx);
    let mut cases = Vec::new();
    for (alg, private, public) in ALGORITHMS {
        let hmac = public.is_empty();
        let (sign, verify) = if hmac {
            (HMAC_KEY.to_owned(), HMAC_KEY.to_owned())
        } else {
            (testdata(private), testdata(public))
        };
        let auth = if hmac {
            auth_settings(
                &ctx,
                &[("SIMPLE_JWT__ALGORITHM", alg), ("SECRET_KEY", &sign)],
            )
        } else {
            auth_settings(
                &ctx,
                &[
                    ("SIMPLE_JWT__ALGORITHM", alg),
                    ("SIMPLE_JWT__SIGNING_KEY", &sign),
                    ("SIMPLE_JWT__VERIFYING_KEY", &verify),
                ],
            )
        };
        // only what verifies: the secret, or the public key
        let protected = if hmac {
            protected_settings(&[("SIMPLE_JWT__ALGORITHM", alg), ("SECRET_KEY", &verify)])
        } else {
            protected_settings(&[
                ("SIMPLE_JWT__ALGORITHM", alg),
                ("SIMPLE_JWT__VERIFYING_KEY", &verify),
            ])
        };
        assert!(hmac || protected.jwt.signing_key.is_empty());
        let app = ctx.app(auth, protected);
        let (refresh, access) = app.obtain(USERNAME, PASSWORD).await;
        opens_protected(&app, &access).await;

        // the kid: in the header of asymmetric tokens only, and the JWKS's
        let jwks = app
            .get(&format!("{}/.well-known/jwks.json", app.auth))
            .await;
        assert_eq!(jwks.status, 200, "{alg}: {}", jwks.text);
        assert_eq!(jwks.header("cache-control"), Some("public, max-age=300"));
        let keys = jwks.json()["keys"].as_array().cloned().unwrap_or_default();
        let head = header(&access);
        if hmac {
            assert_eq!(head, json!({"alg": alg, "typ": "JWT"}), "{alg}");
            assert!(keys.is_empty(), "{alg}: a secret published: {}", jwks.text);
        } else {
            assert_eq!(keys.len(), 1, "{alg}: {}", jwks.text);
            assert_eq!(keys[0]["alg"], *alg);
            assert_eq!(keys[0]["use"], "sig");
            assert_eq!(head["kid"], keys[0]["kid"], "{alg}");
            let order: Vec<_> = head.as_object().unwrap().keys().cloned().collect();
            assert_eq!(order, ["alg", "kid", "typ"], "{alg}");
        }
        // a refresh verifies with the same key and issues a token the same way
        let refreshed = app
            .post_form("/api/token/refresh/", &[("refresh", refresh.as_str())])
            .await;
        assert_eq!(refreshed.status, 200, "{alg}: {}", refreshed.text);
        opens_protected(&app, &refreshed.field("access")).await;

        cases.push(json!({
            "alg": alg,
            "token": access,
            "kid": head.get("kid"),
            "verify": verify,
            "sign": sign,
        }));
    }

    let results = pyjwt(&Value::from(cases)).await;
    let results = results.as_array().expect("a list");
    assert_eq!(results.len(), ALGORITHMS.len());
    for (result, (alg, ..)) in results.iter().zip(ALGORITHMS) {
        assert_eq!(result["alg"], *alg);
        assert!(result["user_id"].is_string(), "{result}");
        let deterministic = !alg.starts_with("PS") && !alg.starts_with("ES");
        assert_eq!(
            result["same"],
            if deterministic {
                json!(true)
            } else {
                json!(null)
            },
            "{alg}: PyJWT signs the same claims differently"
        );
    }
}

/// Runs [`PYJWT_CHECK`] with the reference virtualenv's python.
async fn pyjwt(cases: &Value) -> Value {
    let reference =
        tests::django::reference().unwrap_or_else(|e| panic!("reference virtualenv: {e}"));
    let python = reference.venv.join("bin/python");
    let input = cases.to_string();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(&python)
            .args(["-c", PYJWT_CHECK])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", python.display()));
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write cases");
        let output = child.wait_with_output().expect("python");
        assert!(
            output.status.success(),
            "PyJWT refused a token: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("JSON from python")
    })
    .await
    .expect("python task")
}

/// A token "signed" with HS256 using the RS256 public key (which every resource service
/// holds and anyone can fetch) as the secret: refused, with and without a matching kid.
pub async fn public_key_as_hmac_secret_is_refused(ctx: Arc<Ctx>) {
    ensure_user(&ctx);
    let (private, public) = (testdata("rsa2048.pem"), testdata("rsa2048.pub.pem"));
    let auth = auth_settings(
        &ctx,
        &[
            ("SIMPLE_JWT__ALGORITHM", "RS256"),
            ("SIMPLE_JWT__SIGNING_KEY", &private),
            ("SIMPLE_JWT__VERIFYING_KEY", &public),
        ],
    );
    let protected = protected_settings(&[
        ("SIMPLE_JWT__ALGORITHM", "RS256"),
        ("SIMPLE_JWT__VERIFYING_KEY", &public),
    ]);
    let app = ctx.app(auth, protected);
    let (_, genuine) = app.obtain(USERNAME, PASSWORD).await;
    opens_protected(&app, &genuine).await;

    let kid = header(&genuine)["kid"].clone();
    let payload = genuine.split('.').nth(1).expect("payload").to_owned();
    for head in [
        json!({"alg": "HS256", "typ": "JWT"}),
        json!({"alg": "HS256", "kid": kid, "typ": "JWT"}),
    ] {
        let input = format!("{}.{payload}", URL_SAFE_NO_PAD.encode(head.to_string()));
        // the key exactly as configured, and as the PEM file reads (trailing newline)
        for secret in [public.trim_end().to_owned(), public.clone()] {
            let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
            let signature =
                jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
                    .expect("HMAC");
            let forged = format!("{input}.{signature}");
            refused_by_protected(&app, &forged).await;
            let verify = app
                .post_form("/api/token/verify/", &[("token", &forged)])
                .await;
            assert_eq!(verify.status, 401, "{}", verify.text);
        }
    }
}
