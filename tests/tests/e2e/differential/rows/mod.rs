//! The default profile: every row of docs/simplejwt.md §2.1, §2.2 and §1.1. The token
//! rules of each view are tables of rows ([`Row`]), each table checked by one loop
//! ([`check`]).

use super::*;

mod browsable;
mod obtain;
mod protected;
mod token_views;

pub(crate) use obtain::{field_validation_rows, obtain_rows, view_plumbing_on_every_token_view};
pub(crate) use protected::protected_rows;
pub(crate) use token_views::{refresh_rows, sliding_rows, verify_and_blacklist_rows};

/// What both sides must answer to a row's request.
#[derive(Clone, Copy)]
enum Expect {
    /// 401 `token_not_valid` with this detail (and the same answer on both sides).
    NotValid(&'static str),
    /// 200 `{}` (and the same answer on both sides).
    Empty,
    /// The same answer, whatever it is.
    Same,
    /// 200 with tokens alike in every way but their ids and times.
    SameTokens,
}

/// One row: a request and what both sides answer; `label` leads the failure message.
struct Row {
    label: &'static str,
    request: Req,
    expect: Expect,
}

/// How a token view takes a token.
type View = fn(&str) -> Req;

fn refresh_view(token: &str) -> Req {
    Req::form(REFRESH, &[("refresh", token)])
}

fn verify_view(token: &str) -> Req {
    Req::form(VERIFY, &[("token", token)])
}

fn blacklist_view(token: &str) -> Req {
    Req::form(BLACKLIST, &[("refresh", token)])
}

fn sliding_refresh_view(token: &str) -> Req {
    Req::form(SLIDING_REFRESH, &[("token", token)])
}

fn bearer_view(token: &str) -> Req {
    Req::protected(Some(&format!("Bearer {token}")))
}

/// A token forged with `claims`, presented to `view`.
fn forged(view: View, claims: &Value, expect: Expect) -> Row {
    Row {
        label: "",
        request: view(&forge(claims)),
        expect,
    }
}

/// The tokens invalid for every view (one reason each), presented to `view`.
fn invalid_rows(view: View, good: &Value, expect: Expect) -> Vec<Row> {
    invalid_variants(good)
        .into_iter()
        .map(|(label, token)| Row {
            label,
            request: view(&token),
            expect,
        })
        .collect()
}

/// The loop of every table: each row to both sides, answers compared and checked.
async fn check(p: &Pair, rows: Vec<Row>) {
    for Row {
        label,
        request,
        expect,
    } in rows
    {
        if let Expect::SameTokens = expect {
            let (django, ours) = p.both(&request).await;
            p.assert_same_tokens(&format!("{label} {}", request.describe()), &django, &ours);
            continue;
        }
        let answer = p.same_as(label, &request).await;
        match expect {
            Expect::NotValid(message) => answer.assert_401(&not_valid(message)),
            Expect::Empty => answer.assert(200, "{}"),
            Expect::Same | Expect::SameTokens => {}
        }
    }
}
