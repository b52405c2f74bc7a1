//! The protected view: the Authorization header and the access token (§2.2).

use super::*;

pub(crate) async fn protected_rows(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, &[]).await else {
        return;
    };
    let t = now();
    let good = payload("access", alice());
    let token = forge(&good);
    let bearer = bearer_view;
    let same = |request| Row {
        label: "",
        request,
        expect: Expect::Same,
    };
    let mut rows = vec![same(Req::protected(None))];
    // §2.2: headers
    for value in [
        String::new(),
        "   ".to_owned(),
        format!("bearer {token}"),
        format!("JWT {token}"),
        "Basic dXNlcjpwYXNz".to_owned(),
        token.clone(),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Bearer {token} extra"),
        format!("Bearer  {token}"),
        format!("Bearer\t{token}"),
        format!("Bearer {token} "),
        format!(" Bearer {token}"),
    ] {
        rows.push(same(Req::protected(Some(&value))));
    }
    // §2.2: tokens
    rows.extend(invalid_rows(bearer, &good, Expect::Same));
    for claims in [
        good.clone(),
        tokens::with(&good, "token_type", json!("refresh")),
        tokens::with(&good, "token_type", json!("sliding")),
        tokens::with(&good, "exp", json!(t - 1)),
        tokens::with(&good, "exp", json!(t)),
        tokens::without(&good, "exp"),
        tokens::without(&good, "jti"),
        tokens::without(&good, "token_type"),
        tokens::without(&good, "user_id"),
        // stateless: the user is never looked up (unknown, inactive, unparsable id: 200)
        tokens::with(&good, "user_id", json!("424242")),
        tokens::with(&good, "user_id", json!(user_id("bob").to_string())),
        tokens::with(&good, "user_id", json!("abc")),
        tokens::with(&good, "user_id", json!(1)),
        tokens::with(&good, "user_id", json!("")),
        tokens::with(&good, "exp", json!(t as f64 + 60.5)),
        tokens::with(&tokens::with(&good, "aud", json!("x")), "iss", json!("y")),
        tokens::with(&good, "aud", json!(123)),
    ] {
        rows.push(forged(bearer, &claims, Expect::Same));
    }
    check(&p, rows).await;
    // a non-string `iss` (ISSUER not configured): not looked at, on both
    p.same(&bearer(&forge(&tokens::with(&good, "iss", json!(123)))))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
    // HEAD, POST and OPTIONS on /protected/
    for method in [Method::HEAD, Method::OPTIONS, Method::POST] {
        p.same(&Req::new(method.clone(), PROTECTED)).await;
        p.same(&Req::new(method, PROTECTED).header("Authorization", &format!("Bearer {token}")))
            .await;
    }
    // each side's tokens at the other side's /protected/
    let (django, ours) = p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    for access in [&django["access"], &ours["access"]] {
        p.same(&bearer(access.as_str().unwrap()))
            .await
            .assert(200, r#"{"content":"This view is protected"}"#);
    }
}
