//! The rule registry. Each rule is declared once, in its own file, with its code, name,
//! severity, docs (summary, why, bad and good examples) and its check. `ALL` lists them;
//! `tests/examples.rs` runs every bad example (must fire) and good example (must stay
//! silent) in memory.

pub mod apache;
pub mod htpasswd;
pub mod nginx;
pub mod tool;

use crate::diag::{Diagnostic, Severity};
use crate::model::Model;

/// A file in a rule's documentation example.
#[derive(Debug)]
pub struct Example {
    /// Its name decides its kind, as discovery would (`httpd.conf`, `nginx.conf`,
    /// `site/.htaccess`). A suffix ` (mode 0644)` gives the file Unix permission bits.
    pub path: &'static str,
    pub text: &'static str,
}

impl Example {
    /// The path without its ` (mode NNNN, owner USER:GROUP)` suffix, the mode and the
    /// owner names (either part may be left out).
    pub fn path_and_mode(
        &self,
    ) -> (
        &'static str,
        Option<u32>,
        Option<(&'static str, &'static str)>,
    ) {
        let parsed = self
            .path
            .strip_suffix(')')
            .and_then(|rest| rest.rsplit_once(" ("))
            .and_then(|(path, attrs)| {
                let (mut mode, mut owner) = (None, None);
                for part in attrs.split(", ") {
                    if let Some(m) = part.strip_prefix("mode ") {
                        mode = Some(u32::from_str_radix(m, 8).ok()?);
                    } else if let Some(o) = part.strip_prefix("owner ") {
                        owner = Some(o.split_once(':')?);
                    } else {
                        return None;
                    }
                }
                Some((path, mode, owner))
            });
        parsed.unwrap_or((self.path, None, None))
    }
}

/// How a rule finds its cases.
pub enum Check {
    /// Reported by the pipeline itself (parser, discovery, model building).
    Builtin,
    /// Runs over the model.
    Model(fn(&Model, &mut Sink)),
}

/// One rule, self-documenting.
pub struct Rule {
    pub code: &'static str,
    /// kebab-case, naming the problem.
    pub name: &'static str,
    pub severity: Severity,
    pub default_enabled: bool,
    /// One line.
    pub summary: &'static str,
    /// Why it matters, once.
    pub why: &'static str,
    /// Each example is one set of files, linted together.
    pub bad: &'static [&'static [Example]],
    pub good: &'static [&'static [Example]],
    /// The real-server scenarios that back its behavioural claim.
    pub evidence: &'static [&'static str],
    pub check: Check,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("code", &self.code)
            .field("name", &self.name)
            .finish()
    }
}

/// Collects one rule's findings, stamping its code, name and severity.
pub struct Sink<'r> {
    rule: &'r Rule,
    pub found: Vec<Diagnostic>,
}

impl<'r> Sink<'r> {
    pub fn new(rule: &'r Rule) -> Sink<'r> {
        Sink {
            rule,
            found: Vec::new(),
        }
    }
    /// A diagnostic of this rule with the given message; add `.at(...)`, `.help(...)`.
    pub fn diag(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.rule.code, self.rule.name, self.rule.severity, message)
    }
    pub fn emit(&mut self, d: Diagnostic) {
        self.found.push(d);
    }
}

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &tool::syntax_error::RULE,
    &tool::include_problem::RULE,
    &tool::file_skipped::RULE,
    &tool::unreadable_file::RULE,
    &tool::unresolved_path::RULE,
    &tool::assumed_main_config::RULE,
    &apache::auth_type_without_auth_name::RULE,
    &apache::require_user_without_auth_type::RULE,
    &apache::auth_name_unquoted_spaces::RULE,
    &apache::unknown_directive::RULE,
    &apache::require_any_grants_everyone::RULE,
    &apache::satisfy_any_opens_area::RULE,
    &apache::limit_leaves_methods_open::RULE,
    &apache::htaccess_auth_ignored::RULE,
    &apache::htaccess_auth_forbidden::RULE,
    &apache::auth_type_without_require::RULE,
    &apache::auth_user_file_not_found::RULE,
    &apache::auth_user_file_not_set::RULE,
    &apache::protected_area_reopened::RULE,
    &apache::password_file_served::RULE,
    &apache::location_overrides_directory_auth::RULE,
    &apache::unknown_auth_type::RULE,
    &apache::unknown_auth_provider::RULE,
    &apache::mixed_access_generations::RULE,
    &apache::basic_auth_without_tls::RULE,
    &apache::auth_user_file_relative::RULE,
    &apache::rewrite_flags_invalid::RULE,
    &apache::rewrite_regex_invalid::RULE,
    &apache::rewrite_cond_dangling::RULE,
    &apache::rewrite_rules_never_run::RULE,
    &apache::rewrite_leading_slash_per_dir::RULE,
    &apache::rewrite_loop::RULE,
    &apache::alias_bypasses_location_auth::RULE,
    &apache::https_redirect_after_auth::RULE,
    &apache::cors_preflight_needs_auth::RULE,
    &apache::cgi_authorization_hidden::RULE,
    &apache::unauthorized_error_document_url::RULE,
    &apache::directory_auth_on_proxied_url::RULE,
    &apache::auth_missing_in_other_vhost::RULE,
    &nginx::auth_basic_without_user_file::RULE,
    &nginx::directive_not_allowed_here::RULE,
    &nginx::protected_prefix_bypassed::RULE,
    &nginx::user_file_without_auth_basic::RULE,
    &nginx::auth_basic_off_in_protected_location::RULE,
    &nginx::satisfy_any_opens_location::RULE,
    &nginx::error_page_breaks_auth_challenge::RULE,
    &nginx::auth_request_target_missing::RULE,
    &nginx::basic_auth_over_plain_http::RULE,
    &nginx::unknown_nginx_directive::RULE,
    &nginx::user_file_relative::RULE,
    &nginx::user_file_served::RULE,
    &nginx::proxy_authorization_dropped::RULE,
    &nginx::return_answers_before_auth::RULE,
    &nginx::rewrite_escapes_auth::RULE,
    &nginx::protected_files_reachable_elsewhere::RULE,
    &nginx::cors_preflight_asks_password::RULE,
    &nginx::error_page_behind_auth::RULE,
    &nginx::invalid_regex::RULE,
    &htpasswd::misread_password_line::RULE,
    &htpasswd::malformed_hash::RULE,
    &htpasswd::unsupported_hash_scheme::RULE,
    &htpasswd::duplicate_user::RULE,
    &htpasswd::weak_hash_scheme::RULE,
    &htpasswd::bcrypt_cost_out_of_range::RULE,
    &htpasswd::digest_realm_mismatch::RULE,
    &htpasswd::group_member_not_in_user_file::RULE,
    &htpasswd::password_file_writable_by_others::RULE,
    &htpasswd::password_file_readable_by_others::RULE,
    &htpasswd::password_file_unreadable_by_server::RULE,
];

/// A rule by code (`AL101`) or name (`auth-type-without-auth-name`), case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| {
        r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// Run the model rules with these codes only (what `why` needs to know).
pub fn run_only(model: &Model, codes: &[&str]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in ALL.iter().filter(|r| codes.contains(&r.code)) {
        if let Check::Model(check) = rule.check {
            let mut sink = Sink::new(rule);
            check(model, &mut sink);
            out.extend(sink.found);
        }
    }
    out
}

/// Run every enabled model rule.
pub fn run_all(model: &Model) -> Vec<Diagnostic> {
    // A `.htaccess` Apache never reads can cause nothing: only the rules that say so, or
    // that already weigh it, report there.
    let ignored = apache::ignored_htaccess_files(&model.apache);
    let weighs_ignored = ["AL103", "AL104", "AL108"];
    let mut out = Vec::new();
    for rule in ALL.iter().filter(|r| r.default_enabled) {
        if let Check::Model(check) = rule.check {
            let mut sink = Sink::new(rule);
            check(model, &mut sink);
            let apache_rule = rule.code.starts_with("AL1") && !weighs_ignored.contains(&rule.code);
            out.extend(sink.found.into_iter().filter(|d| {
                !(apache_rule
                    && d.primary
                        .as_ref()
                        .is_some_and(|p| ignored.contains(&p.span.file)))
            }));
        }
    }
    out
}

pub mod testing {
    //! In-memory linting for rule tests: `fires(&RULE, files)` / `silent(&RULE, files)`.
    use super::{Example, Rule};
    use crate::diag::Diagnostic;

    /// Lint a set of example files in memory and return every diagnostic.
    pub fn lint_examples(files: &[Example]) -> Vec<Diagnostic> {
        if files.iter().all(|e| e.path_and_mode().1.is_none()) {
            let pairs: Vec<(&str, &str)> = files.iter().map(|e| (e.path, e.text)).collect();
            return crate::lint_memory(&pairs).diagnostics;
        }
        // With permission bits: the same as `lint_memory`, on a file system that has them.
        use crate::discover::{classify_by_content, classify_by_name, Found};
        use crate::source::MemFs;
        use std::path::PathBuf;
        let mut fs = MemFs::default();
        let mut found = Vec::new();
        let mut roots = Vec::new();
        for e in files {
            let (path, mode, owner) = e.path_and_mode();
            let p = PathBuf::from(path);
            fs.files.insert(p.clone(), e.text.as_bytes().to_vec());
            if let Some(m) = mode {
                fs.modes.insert(p.clone(), m);
            }
            if let Some((u, g)) = owner {
                fs.owners.insert(p.clone(), (id_of(u), id_of(g)));
            }
            if let Some((kind, reason)) =
                classify_by_name(&p).or_else(|| classify_by_content(&p, e.text))
            {
                found.push(Found {
                    path: p.clone(),
                    kind,
                    reason,
                    text: e.text.to_string(),
                });
            }
            roots.push(p);
        }
        // The Debian accounts examples name.
        for name in ["root", "www-data", "nobody"] {
            let group = if name == "nobody" { "nogroup" } else { name };
            let id = id_of(name);
            fs.accounts.insert(
                (name.to_string(), group.to_string()),
                crate::source::Ids {
                    uid: id,
                    gid: id,
                    groups: vec![id],
                },
            );
        }
        let opts = crate::model::ModelOptions {
            linted_roots: roots,
            ..Default::default()
        };
        crate::lint_found(found, Vec::new(), &opts, &fs).diagnostics
    }

    /// Debian's ids for the account names examples use.
    fn id_of(name: &str) -> u32 {
        match name {
            "root" => 0,
            "www-data" => 33,
            _ => 65534,
        }
    }

    fn codes(rule: &Rule, files: &[(&str, &str)]) -> Vec<Diagnostic> {
        crate::lint_memory(files)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == rule.code)
            .collect()
    }

    /// Assert the rule fires on these files (path, text).
    pub fn fires(rule: &Rule, files: &[(&str, &str)]) -> Vec<Diagnostic> {
        let found = codes(rule, files);
        assert!(
            !found.is_empty(),
            "{} did not fire on {:?}",
            rule.code,
            files.iter().map(|f| f.0).collect::<Vec<_>>()
        );
        found
    }

    /// Assert the rule stays silent on these files.
    pub fn silent(rule: &Rule, files: &[(&str, &str)]) {
        let found = codes(rule, files);
        assert!(
            found.is_empty(),
            "{} fired: {:?}",
            rule.code,
            found.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
    }
}

/// Everything a rule file needs.
pub mod prelude {
    pub use super::{Check, Example, Rule, Sink};
    pub use crate::diag::Severity;
    pub use crate::htpasswd::scheme::Server;
    pub use crate::model::Model;
}
