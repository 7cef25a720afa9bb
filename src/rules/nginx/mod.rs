//! AL2xx: nginx rules.

pub mod auth_basic_off_in_protected_location;
pub mod auth_basic_without_user_file;
pub mod auth_request_target_missing;
pub mod basic_auth_over_plain_http;
pub mod directive_not_allowed_here;
pub mod error_page_breaks_auth_challenge;
pub mod invalid_regex;
pub mod protected_prefix_bypassed;
pub mod proxy_authorization_dropped;
pub mod satisfy_any_opens_location;
pub mod unknown_nginx_directive;
pub mod user_file_relative;
pub mod user_file_served;
pub mod user_file_without_auth_basic;

use crate::model::nginx::{CtxId, NginxModel};
use crate::model::nginx_match::LocationMatcher;
use crate::model::Model;

/// The `server` context that holds a context (itself when it is one).
pub fn server_of(ng: &NginxModel, id: CtxId) -> Option<CtxId> {
    let mut cur = Some(id);
    let mut guard = 0;
    while let Some(c) = cur {
        guard += 1;
        if guard > 1024 {
            return None;
        }
        let ctx = ng.context(c)?;
        if ctx.kind == "server" {
            return Some(c);
        }
        cur = ctx.parent;
    }
    None
}

/// A location matcher that knows which includes were not followed (their files may hold
/// locations, so a level with one is unknown).
pub fn matcher(model: &Model) -> LocationMatcher<'_> {
    let unseen = model
        .diagnostics
        .iter()
        .filter(|d| d.code == "AL002" || d.code == "AL005")
        .filter_map(|d| d.primary.as_ref().map(|p| p.span));
    LocationMatcher::new(&model.nginx).with_unseen_includes(unseen)
}
