//! AL2xx: nginx rules.

pub mod auth_basic_off_in_protected_location;
pub mod auth_basic_without_user_file;
pub mod auth_request_target_missing;
pub mod basic_auth_over_plain_http;
pub mod cors_preflight_asks_password;
pub mod directive_not_allowed_here;
pub mod error_page_behind_auth;
pub mod error_page_breaks_auth_challenge;
pub mod invalid_regex;
pub mod protected_files_reachable_elsewhere;
pub mod protected_prefix_bypassed;
pub mod proxy_authorization_dropped;
pub mod return_answers_before_auth;
pub mod rewrite_escapes_auth;
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

/// The `auth_basic` line in effect when Basic auth is certainly on for a `method` request
/// served by `ctx` (no unread include around it), to label a finding with.
pub fn realm_in_effect<'m>(
    m: &mut LocationMatcher<'m>,
    ctx: CtxId,
    method: &str,
) -> Option<&'m crate::syntax::nginx::Stmt> {
    use crate::model::nginx::Lookup;
    use crate::model::nginx_match::BasicAuth;
    if !m.sees_all(ctx) {
        return None;
    }
    let auth = m.effective_auth_for(ctx, method);
    if auth.basic() != BasicAuth::On {
        return None;
    }
    match auth.auth_basic {
        Lookup::Found(v) => v.first().copied(),
        _ => None,
    }
}

/// The rewrite-module directives of a context in config order (`rewrite`, `return`,
/// `break`, `set`, and `if` blocks as [`RewriteStep::If`]).
pub enum RewriteStep<'m> {
    Directive(&'m crate::syntax::nginx::Stmt),
    If(CtxId),
}

pub fn rewrite_steps(ng: &NginxModel, ctx: CtxId) -> Vec<RewriteStep<'_>> {
    use crate::model::nginx::NgItem;
    let Some(c) = ng.context(ctx) else {
        return Vec::new();
    };
    c.items
        .iter()
        .filter_map(|i| match i {
            NgItem::Directive(s)
                if matches!(s.name.text.as_str(), "rewrite" | "return" | "break" | "set") =>
            {
                Some(RewriteStep::Directive(s))
            }
            NgItem::Context(id) if ng.context(*id).is_some_and(|c| c.kind == "if") => {
                Some(RewriteStep::If(*id))
            }
            _ => None,
        })
        .collect()
}

/// No server-level rewrite-module directive acts on `uri` before location search (an `if`
/// or a `return` could, a `rewrite` whose pattern matches or does not compile does).
pub fn server_leaves_alone(
    nginx: &NginxModel,
    cache: &mut crate::model::pcre::Cache,
    server: CtxId,
    uri: &str,
) -> bool {
    for step in rewrite_steps(nginx, server) {
        match step {
            RewriteStep::If(_) => return false,
            RewriteStep::Directive(s) => match s.name.text.as_str() {
                "rewrite" => {
                    let Some(re) = s.args.first() else {
                        return false;
                    };
                    if cache.is_match(&re.text, crate::model::pcre::Flavor::Nginx, false, uri)
                        != Some(false)
                    {
                        return false;
                    }
                }
                "set" => {}
                _ => return false,
            },
        }
    }
    true
}
