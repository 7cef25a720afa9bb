//! AL126: a `RewriteRule` whose target matches the same rule again, with nothing to stop
//! it: endless redirects for the browser (`[R]`), or 500 after ten internal redirects in a
//! `.htaccess`/`<Directory>` (`AH00124`).
//!
//! Only what can be shown is reported: the rule has no conditions, its substitution is a
//! local path built from its own captures, no earlier rule of the section matches along the
//! way, and no other rewrite section, alias or `RewriteOptions` could step in. The chain of
//! URLs is computed with PCRE2, a dozen steps deep, and printed.
use super::rewrite_rules_never_run::engine_may_be_on;
use super::rewrite_support::{live_scopes, mod_rewrite_args};
use crate::model::apache::{ApacheModel, Lookup, ScopeId, ScopeKind};
use crate::model::pcre::{compile, Flavor};
use crate::model::rewrite::{parse_rule_flags, Flag};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL126",
    name: "rewrite-loop",
    severity: Severity::Error,
    default_enabled: true,
    summary: "RewriteRule whose target matches itself again: endless redirects, or 500",
    why: "When the URL a rule produces matches the same rule again and no `RewriteCond` \
          stops it, the rule applies over and over. With `[R]` the browser is sent from \
          redirect to redirect until it gives up (\"too many redirects\"). In a `.htaccess` \
          or `<Directory>`, an internal rewrite starts the request over in that directory, \
          the rule matches again, and after ten rounds Apache answers 500 (`AH00124: Request \
          exceeded the limit of 10 internal redirects`).",
    bad: &[&[
        Example {
            path: "/etc/apache2/apache2.conf",
            text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    AllowOverride FileInfo\n</Directory>\n",
        },
        Example {
            path: "/srv/www/.htaccess",
            text: "RewriteEngine On\nRewriteRule ^(.*)$ /app/$1 [L]\n",
        },
    ]],
    good: &[&[
        Example {
            path: "/etc/apache2/apache2.conf",
            text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    AllowOverride FileInfo\n</Directory>\n",
        },
        Example {
            path: "/srv/www/.htaccess",
            text: "RewriteEngine On\nRewriteCond %{REQUEST_URI} !^/app/\nRewriteRule ^(.*)$ /app/$1 [L]\n",
        },
    ]],
    evidence: &[
        "scenario: apache_rewrite_redirect_loop",
        "scenario: apache_rewrite_htaccess_internal_loop",
        "scenario: apache_rewrite_loops_stopped",
        "scenario: apache_rewrite_htaccess_front_controller_loop",
        "scenario: apache_rewrite_front_controller_guarded",
        "scenario: apache_rewrite_htaccess_relative_loop",
        "scenario: apache_rewrite_relative_front_controller",
    ],
    check: Check::Model(check),
};

/// How deep the chain of URLs is followed: past Apache's 10 internal redirects.
const STEPS: usize = 12;

/// Longest URL followed.
const MAX_URL: usize = 2048;

/// Directives that map or redirect URLs before or beside mod_rewrite.
const URL_MAPPERS: &[&str] = &[
    "alias",
    "aliasmatch",
    "scriptalias",
    "scriptaliasmatch",
    "redirect",
    "redirectmatch",
    "redirectpermanent",
    "redirecttemp",
    "rewriteoptions",
    "rewritemap",
];

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    let scopes = live_scopes(apache);
    let any_mapper = (0..apache.scopes.len()).any(|i| {
        apache
            .directives_in(i)
            .iter()
            .any(|d| URL_MAPPERS.contains(&d.key.as_str()))
    });
    if any_mapper {
        return;
    }
    for &id in &scopes {
        let Some(ctx) = context(apache, id) else {
            continue;
        };
        let rw = apache.rewrites(id);
        if rw.engine.is_some_and(|(_, on)| !on) || engine_may_be_on(apache, id) != Some(true) {
            continue;
        }
        // Another section with rules in the same server could take over: stay silent.
        let vhost = apache.vhost_of(id);
        let others = scopes.iter().any(|&o| {
            o != id
                && (apache.vhost_of(o).is_none() || apache.vhost_of(o) == vhost)
                && !apache.rewrites(o).rules.is_empty()
        });
        if others {
            continue;
        }
        // Compiled patterns and parsed flags of every rule, in order; any rule we cannot
        // read stops the analysis of the section.
        let mut rules = Vec::new();
        for r in &rw.rules {
            let Some(words) = mod_rewrite_args(model, r.directive) else {
                break;
            };
            let (Some(p), Some(s)) = (words.first(), words.get(1)) else {
                break;
            };
            let (flags, problem) = parse_rule_flags(words.get(2));
            if problem.is_some() {
                break;
            }
            let nc = has(&flags, "NC");
            let negated = p.text.starts_with('!');
            let text = p.text.strip_prefix('!').unwrap_or(&p.text).to_string();
            let Ok(re) = compile(&text, Flavor::Apache, nc) else {
                break;
            };
            rules.push((r, re, negated, s.text.clone(), flags));
        }
        for (k, (rule, re, negated, sub, flags)) in rules.iter().enumerate() {
            // Earlier rules that chain, skip or restart make the order hard to follow.
            if rules[..=k]
                .iter()
                .any(|r| has(&r.4, "C") || has(&r.4, "S") || has(&r.4, "N"))
            {
                break;
            }
            if *negated || !rule.conds.is_empty() {
                continue;
            }
            let Some(kind) = loop_kind(flags, &ctx) else {
                continue;
            };
            let Some(chain) = follow(&ctx, re, sub, &rules[..k], kind) else {
                continue;
            };
            let shown: Vec<String> = chain.iter().take(4).map(|u| format!("`{u}`")).collect();
            let (msg, label, help) = match kind {
                Kind::Redirect => (
                    format!(
                        "endless redirects: the target matches this rule again ({} ...)",
                        shown.join(" -> ")
                    ),
                    "redirects to a URL it matches itself",
                    "add a `RewriteCond` that excludes the target (e.g. `RewriteCond \
                     %{REQUEST_URI} !^/target/`), or narrow the pattern",
                ),
                Kind::Internal => (
                    format!(
                        "Apache answers 500 after 10 internal redirects: the rewritten path \
                         matches this rule again ({} ...)",
                        shown.join(" -> ")
                    ),
                    "rewrites to a path it matches itself",
                    "add a `RewriteCond` that excludes the target (e.g. `RewriteCond \
                     %{REQUEST_URI} !^/target/`), or use the `[END]` flag",
                ),
            };
            out.emit(out.diag(msg).at(rule.directive.span, label).help(help));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Redirect,
    Internal,
}

/// Where the rule runs: the URL prefix stripped before matching (`None`: server context).
struct Ctx {
    prefix: Option<String>,
    /// Per-directory: the URL a relative substitution is put under (`RewriteBase`, or the
    /// directory's own URL).
    base: Option<String>,
}

fn has(flags: &[Flag], name: &str) -> bool {
    flags.iter().any(|f| f.known && f.name == name)
}

/// What a rule with these flags does, if it can loop.
fn loop_kind(flags: &[Flag], ctx: &Ctx) -> Option<Kind> {
    if ["F", "G", "P", "PT", "END", "H", "CO"]
        .iter()
        .any(|f| has(flags, f))
    {
        return None;
    }
    if let Some(r) = flags.iter().find(|f| f.known && f.name == "R") {
        let redirects = match r.value.as_deref() {
            None => true,
            Some(v) => {
                let v = v.to_ascii_lowercase();
                [
                    "301",
                    "302",
                    "303",
                    "307",
                    "308",
                    "permanent",
                    "temp",
                    "seeother",
                ]
                .contains(&v.as_str())
            }
        };
        return redirects.then_some(Kind::Redirect);
    }
    // Server-context internal rewrites are not processed again.
    ctx.prefix.as_ref().map(|_| Kind::Internal)
}

/// The context of a scope, when its rules can be followed: server level (the main server
/// without virtual hosts, or a virtual host), or a `.htaccess`/plain `<Directory>` whose URL
/// is known through the DocumentRoot and that does not forbid per-directory rewriting.
fn context(apache: &ApacheModel, id: ScopeId) -> Option<Ctx> {
    let s = apache.scope(id)?;
    let any_vhost = apache
        .scopes
        .iter()
        .any(|s| s.kind == ScopeKind::VirtualHost);
    match s.kind {
        ScopeKind::VirtualHost => Some(Ctx {
            prefix: None,
            base: None,
        }),
        ScopeKind::Server if !any_vhost && apache.has_main_config => Some(Ctx {
            prefix: None,
            base: None,
        }),
        ScopeKind::Htaccess | ScopeKind::Directory => {
            let vhost = apache.vhost_of(id);
            if vhost.is_none() && any_vhost {
                return None;
            }
            let dir = apache.anchor_dir(id)?;
            let url = apache.url_of(&dir, vhost)?;
            // Per-directory rewriting needs FollowSymLinks (on by default).
            if let Lookup::Found(o) = apache.effective(id, "options") {
                let ok = o.args.iter().any(|a| {
                    let t = a.text.to_ascii_lowercase();
                    let t = t.trim_start_matches('+');
                    t == "all" || t == "followsymlinks" || t == "symlinksifownermatch"
                });
                if !ok {
                    return None;
                }
            }
            let prefix = if url.ends_with('/') {
                url
            } else {
                format!("{url}/")
            };
            let base = match apache.rewrites(id).base {
                None => prefix.clone(),
                Some(d) => {
                    let b = &d.args.first()?.text;
                    if !b.starts_with('/') {
                        return None;
                    }
                    if b.ends_with('/') {
                        b.clone()
                    } else {
                        format!("{b}/")
                    }
                }
            };
            Some(Ctx {
                prefix: Some(prefix),
                base: Some(base),
            })
        }
        _ => None,
    }
}

/// Follow the rule from the URL its substitution gives (captures `x`) for [`STEPS`]
/// rounds. `Some(urls)` when every round matches the rule again (and no earlier rule).
/// A per-directory internal rewrite to the same URL loops too: mod_rewrite only stops
/// when the new *file path* equals the old one, and a substitution starting with `/` is a
/// URL (observed: `^(.*)$ /index.html` in the DocumentRoot's `.htaccess` gives 500).
fn follow(
    ctx: &Ctx,
    re: &pcre2::bytes::Regex,
    sub: &str,
    earlier: &[(
        &crate::model::rewrite::RewriteRule<'_>,
        pcre2::bytes::Regex,
        bool,
        String,
        Vec<Flag>,
    )],
    kind: Kind,
) -> Option<Vec<String>> {
    // A relative substitution (per-directory only) lands under the base.
    let relative = !sub.starts_with('/');
    let base = match (&ctx.base, relative) {
        (_, false) => "",
        (Some(b), true) => b.as_str(),
        (None, true) => return None,
    };
    let first = substitute(sub, &|_| Some("x".to_string()))?;
    let mut chain = vec![format!("{base}{first}")];
    for _ in 0..STEPS {
        let url = chain.last()?.clone();
        let path = url.split('?').next().unwrap_or("");
        let subject = match &ctx.prefix {
            None => path.to_string(),
            Some(p) => path.strip_prefix(p.as_str())?.to_string(),
        };
        // An earlier rule that matches (or might) gets the request first.
        for (_, ere, neg, _, _) in earlier {
            let m = ere.is_match(subject.as_bytes()).ok()?;
            if m != *neg {
                return None;
            }
        }
        let caps = re.captures(subject.as_bytes()).ok()??;
        let next = substitute(sub, &|n| {
            caps.get(n)
                .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
                .or(Some(String::new()))
        })?;
        // mod_rewrite stops an internal rewrite whose new file path is the old one: for a
        // relative substitution, when it gives the path it was matched against (`^(.*)$
        // index.php` on index.php). A `/...` substitution is a URL and never equals the
        // file path (observed).
        if kind == Kind::Internal && relative && next.split('?').next() == Some(subject.as_str()) {
            return None;
        }
        // A target that grows without bound is not followed (nor claimed).
        if next.len() > MAX_URL {
            return None;
        }
        chain.push(format!("{base}{next}"));
    }
    Some(chain)
}

/// A substitution with `$N` filled in; `None` for anything not followed: a URL with a
/// scheme, `-`, server variables or condition back-references (`%`), escapes, fragments.
fn substitute(sub: &str, cap: &dyn Fn(usize) -> Option<String>) -> Option<String> {
    if sub == "-"
        || sub.contains("://")
        || sub.contains(['%', '\\', '#', ':'])
        || sub.contains("${")
    {
        return None;
    }
    let mut out = String::new();
    let mut chars = sub.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            if let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                chars.next();
                out.push_str(&cap(d as usize)?);
                continue;
            }
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const MAIN: &str = "ServerRoot /etc/apache2\nDocumentRoot /srv/www\nRewriteEngine On\n<Directory /srv/www>\nAllowOverride All\n</Directory>\n";

    fn ht(text: &str) -> Vec<(&'static str, String)> {
        vec![
            ("/etc/apache2/apache2.conf", MAIN.to_string()),
            ("/srv/www/.htaccess", text.to_string()),
        ]
    }

    fn run(text: &str) -> Vec<(&'static str, String)> {
        ht(text)
    }

    fn files<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        v.iter().map(|(p, t)| (*p, t.as_str())).collect()
    }

    #[test]
    fn htaccess_prefixing_rule_loops_internally() {
        let v = run("RewriteRule ^(.*)$ /app/$1 [L]\n");
        let found = fires(&super::RULE, &files(&v));
        assert!(
            found[0].message.contains("`/app/x` -> `/app/app/x`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn same_target_loops_unless_an_earlier_rule_leaves_it_alone() {
        let v = run("RewriteRule ^(.*)$ /index.php [L]\n");
        fires(&super::RULE, &files(&v));
        let v = run("RewriteRule ^(.*)$ /index.php [R,L]\n");
        fires(&super::RULE, &files(&v));
        let v = run("RewriteRule ^index\\.php$ - [L]\nRewriteRule ^(.*)$ /index.php [L]\n");
        silent(&super::RULE, &files(&v));
    }

    #[test]
    fn conditions_end_flag_and_non_matching_targets_are_silent() {
        for t in [
            "RewriteCond %{REQUEST_URI} !^/app/\nRewriteRule ^(.*)$ /app/$1 [L]\n",
            "RewriteRule ^(.*)$ /app/$1 [END]\n",
            "RewriteRule ^old/(.*)$ /new/$1 [R=301,L]\n",
            "RewriteRule ^(.*)$ http://example.com/$1 [R=301,L]\n",
            "RewriteRule ^app/ - [L]\nRewriteRule ^(.*)$ /app/$1 [L]\n",
            "RewriteRule ^(.*)$ /app/%{HTTP_HOST}/$1 [L]\n",
        ] {
            let v = run(t);
            silent(&super::RULE, &files(&v));
        }
    }

    #[test]
    fn server_level_redirect_to_itself_fires() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nDocumentRoot /srv/www\nRewriteEngine On\nRewriteRule ^/app/(.*)$ /app/v2/$1 [R=302,L]\n",
            )],
        );
        // A server-level internal rewrite is not processed again.
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nDocumentRoot /srv/www\nRewriteEngine On\nRewriteRule ^/app/(.*)$ /app/v2/$1 [L]\n",
            )],
        );
    }

    #[test]
    fn aliases_or_other_rewrite_sections_make_it_silent() {
        let mut v = run("RewriteRule ^(.*)$ /app/$1 [L]\n");
        v[0].1.push_str("Alias /app /srv/app\n");
        silent(&super::RULE, &files(&v));
        let mut v = run("RewriteRule ^(.*)$ /app/$1 [L]\n");
        v[0].1
            .push_str("<Directory /srv/www/app>\nRewriteRule ^ - [L]\n</Directory>\n");
        silent(&super::RULE, &files(&v));
    }

    #[test]
    fn exploding_targets_are_not_followed() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nDocumentRoot /srv/www\nRewriteEngine On\nRewriteRule ^(.*)$ /$1$1$1$1 [R]\n",
            )],
        );
    }

    #[test]
    fn relative_targets_loop_unless_they_give_back_the_same_path() {
        let v = run("RewriteRule ^(.*)$ app/$1 [L]\n");
        let found = fires(&super::RULE, &files(&v));
        assert!(
            found[0].message.contains("`/app/x` -> `/app/app/x`"),
            "{}",
            found[0].message
        );
        let v = run("RewriteBase /\nRewriteRule ^(.*)$ app/$1 [L]\n");
        fires(&super::RULE, &files(&v));
        for t in [
            "RewriteRule .* index.php [L]\n",
            "RewriteRule ^ index.php [L]\n",
            "RewriteBase app\nRewriteRule ^(.*)$ app/$1 [L]\n",
        ] {
            let v = run(t);
            silent(&super::RULE, &files(&v));
        }
    }
}
