//! DRF's browsable API (`Accept: text/html`, `?format=api`): both sides answer an HTML page.
//! The pages differ (DRF's has Bootstrap, jQuery and a CSRF token; ours no script or
//! external asset), but what they show of the view's answer is DRF's, text for text: the
//! status line, the header lines, and the JSON indented by 4.

use super::*;

/// What Chromium sends when it navigates or submits a form.
const BROWSER: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// Called from the view-plumbing rows, with their pair (one Django server for both).
pub(crate) async fn pages_show_what_drfs_show(p: &Pair) {
    for path in TOKEN_VIEWS {
        // GET: DRF's 405 in the page; an empty form: the field errors; a media type the
        // view cannot parse, echoed (escaped) in the 415
        for request in [
            Req::new(Method::GET, path).header("Accept", BROWSER),
            Req::new(Method::GET, &format!("{path}?format=api")),
            Req::form(path, &[]).header("Accept", BROWSER),
            Req::form(path, &[]).header("Accept", "text/html"),
            Req::raw(path, Some("text/<script>'x'</script>"), "{}").header("Accept", "text/html"),
        ] {
            same_page(p, &request).await;
        }
    }
    // a failed login: 401 and the WWW-Authenticate line
    let wrong = [("username", "alice"), ("password", "wrong")];
    let (_, ours) = same_page(p, &Req::form(OBTAIN, &wrong).header("Accept", BROWSER)).await;
    assert!(
        ours.contains("\nWWW-Authenticate: Bearer realm=\"api\"\n"),
        "{ours}"
    );
    // a login: the same lines, then tokens alike in every way but their ids and times
    let right = [("username", "alice"), ("password", "pw-alice-1")];
    let request = Req::form(OBTAIN, &right).header("Accept", BROWSER);
    let (django, ours) = p.both(&request).await;
    let what = request.describe();
    assert_same_page_headers(&what, &django, &ours);
    let (django, ours) = (response_block(&django), response_block(&ours));
    let split = |block: &str| -> (String, String) {
        let (head, json) = block.split_once("\n\n").expect("blank line");
        (head.to_owned(), json.to_owned())
    };
    let ((django_head, django_json), (our_head, our_json)) = (split(&django), split(&ours));
    assert_eq!(our_head, django_head, "{what}");
    let as_answer = |text: String| Answer {
        status: 200,
        headers: header::HeaderMap::new(),
        text,
    };
    p.assert_same_tokens(&what, &as_answer(django_json), &as_answer(our_json));
}

/// Same status, same headers (but `Vary`), same response block; the blocks (Django's, ours).
async fn same_page(p: &Pair, request: &Req) -> (String, String) {
    let (django, ours) = p.both(request).await;
    let what = request.describe();
    assert_same_page_headers(&what, &django, &ours);
    let (django, ours) = (response_block(&django), response_block(&ours));
    assert_eq!(
        ours, django,
        "{what}: ours (left) differs from Django (right)"
    );
    (django, ours)
}

#[track_caller]
fn assert_same_page_headers(what: &str, django: &Answer, ours: &Answer) {
    assert_eq!(ours.status, django.status, "{what}");
    assert_eq!(
        ours.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{what}"
    );
    // DELIBERATE: Django's page carries a CSRF form token (hence `Vary: Accept, Cookie` and
    // a `csrftoken` cookie); ours has no CSRF token (the token views need none).
    assert_same_headers(what, django, ours, &["vary"]);
    assert_eq!(django.header("vary"), Some("Accept, Cookie"), "{what}");
    assert_eq!(ours.header("vary"), Some("Accept"), "{what}");
}

/// The page's response block as a reader sees it: tags dropped, entities decoded.
/// DRF's is `<div class="response-info" …><pre …>…</pre>`, ours `<pre id="response">`.
#[track_caller]
fn response_block(answer: &Answer) -> String {
    let html = &answer.text;
    let start = html
        .find("aria-label=\"response info\">")
        .or_else(|| html.find("<pre id=\"response\">"))
        .unwrap_or_else(|| panic!("no response block in {html}"));
    let pre = &html[start..];
    let pre = &pre[pre.find("<pre").expect("<pre")..];
    let pre = &pre[pre.find('>').expect(">") + 1..pre.find("</pre>").expect("</pre>")];
    let mut text = String::new();
    let mut in_tag = false;
    for c in pre.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}
