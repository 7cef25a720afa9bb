//! AL1xx: Apache httpd rules.

pub mod alias_bypasses_location_auth;
pub mod auth_missing_in_other_vhost;
pub mod auth_name_unquoted_spaces;
pub mod auth_type_without_auth_name;
pub mod auth_type_without_require;
pub mod auth_user_file_not_found;
pub mod auth_user_file_not_set;
pub mod auth_user_file_relative;
pub mod basic_auth_without_tls;
pub mod cgi_authorization_hidden;
pub mod cors_preflight_needs_auth;
pub mod directory_auth_on_proxied_url;
pub mod htaccess_auth_forbidden;
pub mod htaccess_auth_ignored;
pub mod https_redirect_after_auth;
pub mod limit_leaves_methods_open;
pub mod location_overrides_directory_auth;
pub mod mixed_access_generations;
pub mod password_file_served;
pub mod protected_area_reopened;
pub mod require_any_grants_everyone;
pub mod require_user_without_auth_type;
pub mod rewrite_cond_dangling;
pub mod rewrite_flags_invalid;
pub mod rewrite_leading_slash_per_dir;
pub mod rewrite_loop;
pub mod rewrite_regex_invalid;
pub mod rewrite_rules_never_run;
pub mod rewrite_support;
pub mod satisfy_any_opens_area;
pub mod unauthorized_error_document_url;
pub mod unknown_auth_provider;
pub mod unknown_auth_type;
pub mod unknown_directive;

use crate::model::apache::{ApacheModel, Htaccess, ScopeId};
use crate::model::directives;
use crate::syntax::apache::Directive;

/// What the `AllowOverride` in effect does to a directive in a `.htaccess`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Override {
    /// Honoured.
    Allowed,
    /// The `.htaccess` is never read (`AllowOverride None`, or none written: the 2.4
    /// default).
    Ignored,
    /// Reading it fails: 500 for the directory ("... not allowed here").
    Forbidden,
    /// `Nonfatal=Override|All`: the directive is skipped with a warning in the log.
    Skipped,
}

/// How the server config treats `directive` in `.htaccess` `h`: `None` when the server
/// config is not in the input (or `AllowOverrideList` is in play), so it cannot be told.
pub fn override_for(model: &ApacheModel, h: &Htaccess, directive: &Directive) -> Option<Override> {
    let words = model.allow_override_words(h)?;
    if words.is_empty() {
        return Some(Override::Ignored);
    }
    let classes = directives::apache(&directive.key)
        .map(|d| d.override_classes.clone())
        .unwrap_or_default();
    // No class in the table means "whenever AllowOverride isn't None".
    let allowed = classes.is_empty()
        || words
            .iter()
            .any(|w| w == "all" || classes.iter().any(|c| c.eq_ignore_ascii_case(w)));
    if allowed {
        return Some(Override::Allowed);
    }
    let nonfatal = words
        .iter()
        .any(|w| w == "nonfatal=override" || w == "nonfatal=all");
    Some(if nonfatal {
        Override::Skipped
    } else {
        Override::Forbidden
    })
}

/// Directives that set up or decide authentication and authorization.
pub const AUTH_DIRECTIVES: &[&str] = &[
    "authtype",
    "authname",
    "authuserfile",
    "authgroupfile",
    "authbasicprovider",
    "authdigestprovider",
    "require",
    "satisfy",
    "order",
    "allow",
    "deny",
];

/// The auth directives a `.htaccess` holds (sections inside it included), in order.
pub fn auth_directives_of(model: &ApacheModel, scope: ScopeId) -> Vec<&Directive> {
    std::iter::once(scope)
        .chain(model.sections_below(scope))
        .flat_map(|s| model.directives_in(s))
        .filter(|d| AUTH_DIRECTIVES.contains(&d.key.as_str()))
        .collect()
}

/// `Require` providers that need an authenticated user.
pub const NEEDS_USER: &[&str] = &["valid-user", "user", "group", "file-owner", "file-group"];

/// Does this `Require` need a logged-in user?
pub fn require_needs_user(d: &Directive) -> bool {
    let mut args = d.args.iter();
    let first = args.next().map(|a| a.text.to_ascii_lowercase());
    let provider = match first.as_deref() {
        Some("not") => args.next().map(|a| a.text.to_ascii_lowercase()),
        other => other.map(str::to_string),
    };
    provider.is_some_and(|p| NEEDS_USER.contains(&p.as_str()))
}

/// The `.htaccess` files Apache never reads, by the server config in the input.
pub fn ignored_htaccess_files(model: &ApacheModel) -> Vec<crate::source::FileId> {
    model
        .htaccess
        .iter()
        .filter(|h| model.allow_override_words(h).is_some_and(|w| w.is_empty()))
        .map(|h| h.file)
        .collect()
}

/// `Require all granted`.
pub fn grants_all(d: &Directive) -> bool {
    let words: Vec<String> = d.args.iter().map(|a| a.text.to_ascii_lowercase()).collect();
    d.key == "require" && words == ["all", "granted"]
}
