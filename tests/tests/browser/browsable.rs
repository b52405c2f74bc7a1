//! auth-service's browsable obtain page (DRF's HTML form) in Chromium: kyoko's credentials
//! typed into the form, the token pair shown on the page.

use std::sync::Arc;
use tests::{Ctx, e2e, harness::E2e};

use crate::driver::with_browser;

pub fn tests() -> Vec<E2e> {
    e2e![obtain_form_shows_a_token_pair]
}

async fn obtain_form_shows_a_token_pair(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let url = format!("{}/api/token/", app.auth);
    with_browser("browsable-obtain", move |browser| async move {
        browser.goto(&url).await;
        browser.screenshot("1-form").await;
        browser
            .fill("#post-form input[name=username]", "kyoko")
            .await;
        browser
            .fill("#post-form input[name=password]", "contrasenasegura")
            .await;
        browser.click("#post-form button[type=submit]").await;
        let answer = browser
            .wait_text("pre#response", "the obtain answer", |t| {
                t.starts_with("HTTP 200 OK")
            })
            .await;
        assert!(
            answer.contains("\n    \"refresh\": \"eyJ")
                && answer.contains("\n    \"access\": \"eyJ"),
            "{answer}"
        );
        browser.screenshot("2-token-pair").await;
    })
    .await;
}
