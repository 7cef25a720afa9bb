//! AL103: `AuthName` or `AuthType` with other than one argument (an unquoted realm with
//! spaces, a trailing `# comment`, a word glued to a closing quote).
//!
//! Both are TAKE1 in mod_authn_core: Apache rejects the line while reading the config
//! (`AH00526 ... AuthName takes one argument`). Checked on Apache 2.4.71: in a server config
//! file it refuses to start; in a `.htaccess` it reads, every request under that directory
//! gets 500. A `.htaccess` the server never reads, or one where AuthConfig is not allowed
//! (a different error, or skipped under `Nonfatal=Override`: AL108/AL109), is left alone.
//! `AllowOverride Nonfatal` does not soften this error (checked: still 500).
use super::{override_for, Override};
use crate::diag::Diagnostic;
use crate::model::apache::{ApacheModel, Htaccess, Item, ScopeId, ScopeKind};
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;
use crate::syntax::Word;
use std::collections::{BTreeMap, BTreeSet};

pub static RULE: Rule = Rule {
    code: "AL103",
    name: "auth-name-unquoted-spaces",
    severity: Severity::Error,
    default_enabled: true,
    summary: "AuthName or AuthType does not have exactly one argument, so Apache rejects the line",
    why: "`AuthName` and `AuthType` take exactly one argument. Apache splits a line at spaces \
          unless the word is quoted, has no trailing comments (a `#` after a directive is an \
          argument), and ends a quoted word at its closing quote. So `AuthName Members Only`, \
          `AuthName \"Private\" # staff` and `AuthName \"Members\"Only` are all rejected with \
          `AH00526: AuthName takes one argument, the authentication realm`: in a server config \
          file Apache refuses to start, in a `.htaccess` every request under that directory \
          gets 500 Internal Server Error.",
    bad: &[
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName Members Only\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
        }],
        &[
            Example {
                path: "/srv/conf/httpd.conf",
                text: "ServerRoot /srv/conf\n<Directory /srv/www>\n    AllowOverride AuthConfig\n</Directory>\n",
            },
            Example {
                path: "/srv/www/.htaccess",
                text: "AuthType Basic # members only\nAuthName \"Members\"\nAuthUserFile /srv/conf/users\nRequire valid-user\n",
            },
        ],
    ],
    good: &[
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Members Only\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
        }],
        &[
            Example {
                path: "/srv/conf/httpd.conf",
                text: "ServerRoot /srv/conf\n<Directory /srv/www>\n    AllowOverride AuthConfig\n</Directory>\n",
            },
            Example {
                path: "/srv/www/.htaccess",
                text: "# members only\nAuthType Basic\nAuthName \"Members\"\nAuthUserFile /srv/conf/users\nRequire valid-user\n",
            },
        ],
    ],
    evidence: &[
        "scenario: apache_auth_name_unquoted_spaces",
        "scenario: apache_auth_name_define_with_spaces",
        "scenario: apache_htaccess_auth_name_unquoted_spaces",
    ],
    check: Check::Model(check),
};

/// The TAKE1 directives of mod_authn_core this rule checks, with Apache's own wording.
const TAKE1: &[(&str, &str)] = &[
    ("authname", "the authentication realm"),
    ("authtype", "an HTTP authorization type"),
];

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    let defines = defines(apache);
    let htaccess = htaccess_by_scope(apache);
    let mut seen = BTreeSet::new();
    for (id, scope) in apache.scopes.iter().enumerate() {
        for item in &scope.items {
            let Item::Directive(d) = item else { continue };
            let Some(&(_, what)) = TAKE1.iter().find(|(k, _)| *k == d.key) else {
                continue;
            };
            if !seen.insert((d.span.file, d.span.start)) {
                continue; // the same file included twice
            }
            let effect = match htaccess.get(&id) {
                None => "Apache refuses to start",
                Some(h) => match override_for(apache, h, d) {
                    Some(Override::Allowed) => {
                        "every request under this .htaccess's directory gets 500 Internal Server Error"
                    }
                    None => {
                        "when Apache reads this .htaccess, every request under its directory gets 500 Internal Server Error"
                    }
                    // Never read, or AuthConfig not allowed: another finding (AL108, AL109).
                    Some(_) => continue,
                },
            };
            if let Some(diag) = problem(out, d, what, effect, &defines) {
                out.emit(diag);
            }
        }
    }
}

/// The `.htaccess` each scope belongs to (its top and every section inside it).
pub(crate) fn htaccess_by_scope(apache: &ApacheModel) -> BTreeMap<ScopeId, &Htaccess> {
    let mut out = BTreeMap::new();
    for h in &apache.htaccess {
        for s in std::iter::once(h.scope).chain(apache.sections_below(h.scope)) {
            out.insert(s, h);
        }
    }
    out
}

/// The diagnostic for one `AuthName`/`AuthType` line, if it does not have exactly one
/// argument as Apache tokenises it.
fn problem(
    out: &Sink,
    d: &Directive,
    what: &str,
    effect: &str,
    defines: &[(String, String)],
) -> Option<Diagnostic> {
    let takes = format!("`{}` takes one argument, {what}", d.name);
    let example = if d.key == "authname" {
        format!("{} \"Members Only\"", d.name)
    } else {
        format!("{} Basic", d.name)
    };
    let (first, rest) = match d.args.split_first() {
        None => {
            return Some(
                out.diag(format!("{takes}, and this line has none: {effect}"))
                    .at(d.name_span, "no argument")
                    .help(format!("give it one, e.g. `{example}`")),
            )
        }
        Some(split) => split,
    };
    if rest.is_empty() {
        if first.text.is_empty() {
            return Some(
                out.diag(format!("{takes}; an empty one counts as none: {effect}"))
                    .at(first.span, "empty argument")
                    .help(format!("give it a value, e.g. `{example}`")),
            );
        }
        return substituted_spaces(out, d, first, &takes, effect, defines);
    }
    let extra = rest.first().map(|w| w.span).unwrap_or(first.span);
    let extra = rest.last().map_or(extra, |w| extra.to(w.span));
    let n = d.args.len();
    if let Some(hash) = d
        .args
        .iter()
        .position(|w| !w.quoted && w.text.starts_with('#'))
    {
        let kept: Vec<&Word> = d.args.iter().take(hash).collect();
        let comment = d.args.get(hash).map_or(extra, |w| w.span);
        let comment = d.args.last().map_or(comment, |w| comment.to(w.span));
        return Some(
            out.diag(format!("{takes}, and this line gives it {n} (a `#` after a directive is not a comment): {effect}"))
                .at(comment, "Apache has no trailing comments: `#` and the words after it are arguments")
                .help(format!(
                    "move the comment to a line of its own: `{}`",
                    suggestion(d, &kept)
                )),
        );
    }
    let glued = d.args.windows(2).any(|w| match w {
        [a, b] => a.quoted && a.span.end == b.span.start,
        _ => false,
    });
    let label = if glued {
        "a closing quote ends the word: this is a second argument"
    } else {
        "extra arguments"
    };
    let all: Vec<&Word> = d.args.iter().collect();
    let help = if d.key == "authname" {
        format!("quote the whole realm: `{}`", suggestion(d, &all))
    } else {
        format!("give one type, e.g. `{example}`")
    };
    Some(
        out.diag(format!("{takes}, and this line gives it {n}: {effect}"))
            .at(extra, label)
            .label(first.span, "the first argument")
            .help(help),
    )
}

/// `AuthName ${REALM}` where `Define REALM "two words"`: Apache substitutes the value into
/// the line before splitting it into words, so the value's spaces make more arguments.
fn substituted_spaces(
    out: &Sink,
    d: &Directive,
    arg: &Word,
    takes: &str,
    effect: &str,
    defines: &[(String, String)],
) -> Option<Diagnostic> {
    if arg.quoted {
        return None;
    }
    let (name, value) = defines.iter().find(|(name, value)| {
        arg.text.contains(&format!("${{{name}}}"))
            && value.contains([' ', '\t'])
            && !value.starts_with(['"', '\''])
    })?;
    Some(
        out.diag(format!(
            "{takes}, but `${{{name}}}` is replaced by `{value}` before the line is split into words: {effect}"
        ))
        .at(arg.span, "the value's spaces split it into several arguments")
        .help(format!("quote it where it is used: `{} \"{}\"`", d.name, arg.text)),
    )
}

/// The directive with these words as one quoted argument.
fn suggestion(d: &Directive, words: &[&Word]) -> String {
    let mut value = String::new();
    let mut prev_end = None;
    for w in words {
        // Words glued in the source (`"Members"Only`) stay glued.
        if prev_end.is_some_and(|e| e != w.span.start) {
            value.push(' ');
        }
        value.push_str(&w.text);
        prev_end = Some(w.span.end);
    }
    if value.is_empty() {
        value.push_str(if d.key == "authname" {
            "Restricted"
        } else {
            "Basic"
        });
    }
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{} \"{escaped}\"", d.name)
}

/// Every `Define NAME value` in the server configs, as (name, value).
fn defines(apache: &ApacheModel) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for scope in apache
        .scopes
        .iter()
        .filter(|s| s.kind != ScopeKind::Htaccess)
    {
        for item in &scope.items {
            if let Item::Directive(d) = item {
                if let (true, Some(name), Some(value)) = (d.key == "define", d.arg(0), d.arg(1)) {
                    out.push((name.text.clone(), value.text.clone()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn in_dir(body: &str) -> String {
        format!("ServerRoot /x\n<Directory /srv/a>\n{body}\n</Directory>\n")
    }

    fn with_htaccess(allow: &str, htaccess: &'static str) -> Vec<crate::diag::Diagnostic> {
        let conf = format!("ServerRoot /srv/conf\n<Directory /srv/www>\n{allow}\n</Directory>\n");
        crate::lint_memory(&[
            ("/srv/conf/httpd.conf", conf.as_str()),
            ("/srv/www/.htaccess", htaccess),
        ])
        .diagnostics
        .into_iter()
        .filter(|d| d.code == "AL103")
        .collect()
    }

    #[test]
    fn unquoted_realm_in_server_config_refuses_to_start() {
        let text = in_dir("AuthName Members Only");
        let found = fires(&super::RULE, &[("httpd.conf", &text)]);
        assert!(
            found[0].message.contains("refuses to start"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.contains("gives it 2"),
            "{}",
            found[0].message
        );
        let help = found[0].help.clone().unwrap_or_default();
        assert!(help.contains("AuthName \"Members Only\""), "{help}");
        let primary = found[0].primary.as_ref().map(|l| l.span.range());
        let start = text.find("Only").unwrap_or(0);
        assert_eq!(primary, Some(start..start + 4));
    }

    #[test]
    fn trailing_comment_is_an_argument() {
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &in_dir("AuthName \"Restricted\" # staff only"),
            )],
        );
        let help = found[0].help.clone().unwrap_or_default();
        assert!(help.contains("AuthName \"Restricted\""), "{help}");
        let text = in_dir("AuthType Basic # comment");
        let found = fires(&super::RULE, &[("httpd.conf", &text)]);
        let start = text.find('#').unwrap_or(0);
        let primary = found[0].primary.as_ref().map(|l| l.span.range());
        assert_eq!(primary, Some(start..start + "# comment".len()));
        let help = found[0].help.clone().unwrap_or_default();
        assert!(help.contains("`AuthType \"Basic\"`"), "{help}");
        let found = fires(&super::RULE, &[("httpd.conf", &in_dir("AuthName # staff"))]);
        let help = found[0].help.clone().unwrap_or_default();
        assert!(help.contains("AuthName \"Restricted\""), "{help}");
    }

    #[test]
    fn two_auth_types_are_not_told_to_quote() {
        let found = fires(
            &super::RULE,
            &[("httpd.conf", &in_dir("AuthType Basic Digest"))],
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("give one type, e.g. `AuthType Basic`")
        );
    }

    #[test]
    fn closing_quote_ends_the_word() {
        let found = fires(
            &super::RULE,
            &[("httpd.conf", &in_dir("AuthName \"Members\"Only"))],
        );
        let label = found[0].primary.as_ref().map(|l| l.text.clone());
        assert!(label.is_some_and(|l| l.contains("closing quote")));
    }

    #[test]
    fn no_argument_and_empty_argument_fire() {
        fires(&super::RULE, &[("httpd.conf", &in_dir("AuthName"))]);
        fires(&super::RULE, &[("httpd.conf", &in_dir("AuthName \"\""))]);
        fires(
            &super::RULE,
            &[("httpd.conf", &in_dir("AuthType Basic Digest"))],
        );
        // A backslash does not escape a space (apache2 -t: "takes one argument").
        fires(
            &super::RULE,
            &[("httpd.conf", &in_dir("AuthName Members\\ Only"))],
        );
    }

    #[test]
    fn one_argument_is_fine() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &in_dir("AuthType Basic\nAuthName 'Members Only'\nAuthName \"a \\\"b\\\"\""),
            )],
        );
    }

    #[test]
    fn quoted_use_of_a_define_is_fine_unquoted_is_not() {
        let text = "ServerRoot /x\nDefine REALM \"My Realm\"\n<Directory /a>\nAuthName ${REALM}\n</Directory>\n";
        let found = fires(&super::RULE, &[("httpd.conf", text)]);
        assert!(
            found[0].message.contains("${REALM}"),
            "{}",
            found[0].message
        );
        silent(
            &super::RULE,
            &[("httpd.conf", "ServerRoot /x\nDefine REALM \"My Realm\"\n<Directory /a>\nAuthName \"${REALM}\"\nAuthName ${OTHER}\n</Directory>\n")],
        );
    }

    #[test]
    fn htaccess_that_is_read_gives_500() {
        let found = with_htaccess("AllowOverride AuthConfig", "AuthName Members Only\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("500"), "{}", found[0].message);
        let found = with_htaccess(
            "AllowOverride None\nAllowOverrideList AuthName",
            "AuthName a b\n",
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn htaccess_the_server_ignores_or_forbids_stays_silent() {
        assert!(with_htaccess("AllowOverride None", "AuthName Members Only\n").is_empty());
        assert!(with_htaccess("Require all granted", "AuthName Members Only\n").is_empty());
        // Not allowed here: a different error (or skipped under Nonfatal=Override).
        assert!(with_htaccess("AllowOverride FileInfo", "AuthName a b\n").is_empty());
        assert_eq!(
            with_htaccess("AllowOverride FileInfo All", "AuthName a b\n").len(),
            1
        );
    }

    #[test]
    fn lone_htaccess_fires_with_the_htaccess_effect() {
        let found = fires(
            &super::RULE,
            &[("site/.htaccess", "AuthName Members Only\n")],
        );
        assert!(found[0].message.contains("500"), "{}", found[0].message);
    }
}
