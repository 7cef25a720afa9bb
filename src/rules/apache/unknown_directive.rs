//! AL104: a directive or section name that no module of Debian's apache2 defines.
//!
//! Apache looks every name up in the loaded modules' command tables while it reads the
//! config: an unknown one is `Invalid command 'X', perhaps misspelled or defined by a module
//! not included in the server configuration`. Checked on Apache 2.4.71: in a server config
//! file it refuses to start; in a `.htaccess` it reads, every request under that directory
//! gets 500, unless `AllowOverride Nonfatal=Unknown` (or `Nonfatal=All`) turns the error
//! into a warning that skips the line. Names are checked against `data/apache2-directives.txt`
//! (`apache2 -L` with every module Debian ships), so a third-party module's directive is
//! reported too; the message says so. Bodies Apache skips or does not read as directives
//! are left alone: `<IfModule>`, `<IfDefine>`, `<IfFile>`, `<IfDirective>`, `<IfSection>`,
//! `<IfVersion>` (false ones are skipped unread, and the module may be a third-party one),
//! `<Macro>` and mod_lua's `<LuaHook...>` (raw text), and unknown sections (Apache stops at
//! the section itself).
use super::auth_name_unquoted_spaces::htaccess_by_scope;
use super::{override_for, Override};
use crate::model::apache::{ApacheModel, Htaccess, HtaccessContext, Item, ScopeKind};
use crate::model::directives::apache_names;
use crate::rules::prelude::*;
use crate::source::Span;
use crate::syntax::apache::Directive;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

pub static RULE: Rule = Rule {
    code: "AL104",
    name: "unknown-directive",
    severity: Severity::Error,
    default_enabled: true,
    summary: "No Apache module defines this directive, so Apache rejects the config",
    why: "Apache rejects a directive or section name that no loaded module defines, usually a \
          typo such as `AuthUserFle` or `<Diretory>`: `Invalid command 'AuthUserFle', perhaps \
          misspelled or defined by a module not included in the server configuration`. In a \
          server config file Apache refuses to start; in a `.htaccess` every request under \
          that directory gets 500 Internal Server Error. authlint knows the directives of every \
          module Debian's apache2 ships; a third-party module's directive should be wrapped in \
          `<IfModule>`.",
    bad: &[
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFle /etc/apache2/users\n    Require valid-user\n</Directory>\n",
        }],
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Diretory \"/srv/www/private\">\n    Require all denied\n</Diretory>\n",
        }],
        &[
            Example {
                path: "/srv/conf/httpd.conf",
                text: "ServerRoot /srv/conf\n<Directory /srv/www>\n    AllowOverride AuthConfig\n</Directory>\n",
            },
            Example {
                path: "/srv/www/.htaccess",
                text: "AuthType Basic\nAuthName \"Members\"\nAuthUserFile /srv/conf/users\nRequre valid-user\n",
            },
        ],
    ],
    good: &[
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
        }],
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<IfModule mod_passenger.c>\n    PassengerRuby /usr/bin/ruby\n</IfModule>\n",
        }],
    ],
    evidence: &[
        "scenario: apache_directive_module_not_loaded",
        "scenario: apache_unknown_directive_in_server_config",
        "scenario: apache_unknown_section_in_server_config",
        "scenario: apache_unknown_directive_in_htaccess",
        "scenario: apache_unknown_directive_nonfatal_htaccess",
        "scenario: apache_unknown_directive_in_ifmodule",
    ],
    check: Check::Model(check),
};

/// Every name in the table, lowercase (sections with their `<`).
fn known() -> &'static HashSet<String> {
    static KNOWN: OnceLock<HashSet<String>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        apache_names()
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect()
    })
}

/// How many unknown names per run get a did-you-mean.
const MAX_SUGGESTIONS: usize = 500;

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    let syntax_errors: Vec<Span> = model
        .diagnostics
        .iter()
        .filter(|d| d.code == "AL001")
        .flat_map(|d| d.primary.iter().chain(d.labels.iter()).map(|l| l.span))
        .collect();
    let htaccess = htaccess_by_scope(apache);
    let mut seen = BTreeSet::new();
    let mut suggested = 0;
    let skipped = skipped_bodies(apache);
    for (id, scope) in apache.scopes.iter().enumerate() {
        if skipped.get(id).copied().unwrap_or(true) {
            continue;
        }
        for item in &scope.items {
            // Apache's name for a section keeps its `<`; `override_for` takes a section by
            // its opening line.
            let (name, span, section, directive) = match item {
                Item::Directive(d) => (d.name.clone(), d.name_span, false, Cow::Borrowed(d)),
                Item::Scope(c) => match apache.scope(*c).and_then(|s| s.head.as_ref()) {
                    Some(h) => (
                        format!("<{}", h.name),
                        Span::new(
                            h.name_span.file,
                            h.open_span.start as usize,
                            h.name_span.end as usize,
                        ),
                        true,
                        Cow::Owned(Directive {
                            name: h.name.clone(),
                            key: h.key.clone(),
                            name_span: h.name_span,
                            args: h.args.clone(),
                            span: h.open_span,
                        }),
                    ),
                    None => continue,
                },
            };
            if name.contains("${") {
                continue; // variables are substituted before the name is looked up
            }
            if known().contains(&name.to_ascii_lowercase()) {
                // Known, but is its module loaded? Only where the input shows every
                // LoadModule of this server.
                if let Some(missing) = module_not_loaded(apache, id, &directive.key) {
                    if !htaccess.contains_key(&id) && seen.insert((span.file, span.start)) {
                        let d = out
                            .diag(format!(
                                "`{name}` belongs to {missing}, which this config does not load: Apache refuses to start (\"Invalid command '{name}'\")"
                            ))
                            .at(span, "its module is not loaded")
                            .help(format!(
                                "load the module first (`a2enmod {}` on Debian), or wrap the line in `<IfModule {missing}>`",
                                missing.trim_start_matches("mod_").trim_end_matches(".c")
                            ));
                        out.emit(d);
                    }
                }
                continue;
            }
            if syntax_errors
                .iter()
                .any(|e| e.file == span.file && e.start < span.end && span.start < e.end)
            {
                continue; // already an AL001
            }
            if !seen.insert((span.file, span.start)) {
                continue; // the same file included twice
            }
            let invalid = format!("(\"Invalid command '{name}'\")");
            let effect = match htaccess.get(&id) {
                None => format!("Apache refuses to start {invalid}"),
                Some(h) => match override_for(apache, h, &directive) {
                    Some(Override::Ignored) => continue, // never read
                    _ if nonfatal_unknown(h) => {
                        "AllowOverride Nonfatal makes Apache skip the line \
                        with only a warning (AH02296), so it has no effect"
                            .to_string()
                    }
                    None => format!(
                        "when Apache reads this .htaccess, every request under its directory gets \
                         500 Internal Server Error {invalid}"
                    ),
                    Some(_) => format!(
                        "every request under this .htaccess's directory gets 500 Internal Server \
                         Error {invalid}"
                    ),
                },
            };
            let message =
                format!("no module that Debian's apache2 ships defines `{name}`: {effect}");
            // Suggestions cost a pass over the table each: a file of garbage gets none past
            // the first few hundred.
            suggested += 1;
            let guess = if suggested <= MAX_SUGGESTIONS {
                did_you_mean(&name, section)
            } else {
                None
            };
            let d = match guess {
                Some(s) => out
                    .diag(message)
                    .at(span, format!("did you mean `{s}`?"))
                    .help(format!("replace `{name}` with `{s}`")),
                None => out
                    .diag(message)
                    .at(span, "unknown directive")
                    .help("check the spelling; a directive of a module Debian does not ship needs that module's LoadModule first, and belongs inside `<IfModule>`"),
            };
            out.emit(d);
        }
    }
}

/// The source file (`mod_authn_file.c`) of the module that defines `key`, when the
/// server's loaded modules are known and it is not among them. Modules whose source name
/// does not follow `mod_*.c` (the MPMs, util_ldap) are left alone.
fn module_not_loaded(apache: &ApacheModel, id: usize, key: &str) -> Option<String> {
    let loaded = apache.modules_for(id)?;
    let module = &crate::model::directives::apache(key)?.module;
    if !module.starts_with("mod_") || loaded.sources.contains(module) {
        return None;
    }
    let module_id = crate::model::directives::apache_module_id(key)?;
    (!loaded.ids.contains(&module_id)).then(|| module.clone())
}

/// Does the `AllowOverride` in effect for this `.htaccess` make unknown directives a
/// warning? `None` and `All` replace the words before them (core.c `set_override`).
fn nonfatal_unknown(h: &Htaccess) -> bool {
    let HtaccessContext::Known {
        allow_override: Some(ao),
        ..
    } = &h.context
    else {
        return false;
    };
    let mut on = false;
    for w in &ao.args {
        match w.text.to_ascii_lowercase().as_str() {
            "none" | "all" => on = false,
            "nonfatal=unknown" | "nonfatal=all" => on = true,
            _ => {}
        }
    }
    on
}

/// For each scope: is its body one Apache skips unread, or does not read as directives?
/// Inherited from the sections around it, up to the top of its file (or `.htaccess`).
/// Scopes are created parent first, so one pass in index order sees each parent's answer.
fn skipped_bodies(apache: &ApacheModel) -> Vec<bool> {
    let mut out: Vec<bool> = Vec::with_capacity(apache.scopes.len());
    for scope in &apache.scopes {
        let skipped = match scope.kind {
            ScopeKind::Server | ScopeKind::Htaccess => false,
            ScopeKind::Conditional => true,
            _ => {
                let own = scope.head.as_ref().is_some_and(|h| {
                    h.key == "ifversion"
                        || h.key == "macro"
                        || h.key.starts_with("lua")
                        || !known().contains(&format!("<{}", h.key))
                });
                own || scope
                    .parent
                    .and_then(|p| out.get(p).copied())
                    .unwrap_or(false)
            }
        };
        out.push(skipped);
    }
    out
}

/// The closest name of the same kind in the table, if it is close enough to be a typo: at
/// most one edit (insertion, deletion, substitution or swap of neighbours) in about four
/// letters (`AuthUserFle`, `Requre`, `<Diretory`).
fn did_you_mean(name: &str, section: bool) -> Option<&'static str> {
    let typed = name.to_ascii_lowercase();
    let typed = typed.trim_start_matches('<');
    let len = typed.chars().count();
    let max_edits = (len / 4).max(1);
    let mut best: Option<(usize, &'static str)> = None;
    for candidate in apache_names()
        .iter()
        .filter(|n| n.starts_with('<') == section)
    {
        let bare = candidate.trim_start_matches('<');
        // Each edit changes the length by at most one: a cheap filter before the distance.
        if bare.len().abs_diff(len) > max_edits {
            continue;
        }
        let edits = strsim::osa_distance(typed, &bare.to_ascii_lowercase());
        if edits <= max_edits && best.is_none_or(|(b, _)| edits < b) {
            best = Some((edits, candidate));
        }
    }
    best.map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn in_dir(body: &str) -> String {
        format!("ServerRoot /x\n<Directory /srv/a>\n{body}\n</Directory>\n")
    }

    fn al104(files: &[(&str, &str)]) -> Vec<crate::diag::Diagnostic> {
        crate::lint_memory(files)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "AL104")
            .collect()
    }

    fn with_htaccess(allow: &str, htaccess: &str) -> Vec<crate::diag::Diagnostic> {
        let conf = format!("ServerRoot /srv/conf\n<Directory /srv/www>\n{allow}\n</Directory>\n");
        al104(&[
            ("/srv/conf/httpd.conf", conf.as_str()),
            ("/srv/www/.htaccess", htaccess),
        ])
    }

    #[test]
    fn the_table_lists_real_names_only() {
        let names = crate::model::directives::apache_names();
        assert!(names.len() > 900, "{}", names.len());
        assert!(names.contains(&"MDomain") && names.contains(&"<MDomain"));
        assert!(names.iter().all(|n| !n.contains(' ')));
    }

    #[test]
    fn typo_in_server_config_suggests_the_directive() {
        let found = fires(&super::RULE, &[("httpd.conf", &in_dir("AuthUserFle /x"))]);
        assert!(
            found[0].message.contains("refuses to start"),
            "{}",
            found[0].message
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("replace `AuthUserFle` with `AuthUserFile`")
        );
        let found = fires(
            &super::RULE,
            &[("httpd.conf", &in_dir("Requre valid-user"))],
        );
        assert!(found[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("`Require`")));
    }

    #[test]
    fn known_directive_of_a_module_not_loaded() {
        let conf = |load: &str| {
            format!("ServerRoot /x\nLoadModule mime_module m/mod_mime.so\n{load}<Directory /a>\nAuthUserFile /u\n</Directory>\n")
        };
        let found = al104(&[("httpd.conf", &conf(""))]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("mod_authn_file.c"),
            "{}",
            found[0].message
        );
        assert!(al104(&[(
            "httpd.conf",
            &conf("LoadModule authn_file_module m/mod_authn_file.so\n")
        )])
        .is_empty());
        // Without a main config the modules are unknown.
        assert!(al104(&[(
            "site.conf",
            "<Directory /a>\nAuthUserFile /u\n</Directory>\n"
        )])
        .is_empty());
    }

    #[test]
    fn far_names_get_no_suggestion() {
        let found = fires(&super::RULE, &[("httpd.conf", &in_dir("FooBar 1"))]);
        let help = found[0].help.clone().unwrap_or_default();
        assert!(help.starts_with("check the spelling"), "{help}");
    }

    #[test]
    fn section_typo_suggests_a_section() {
        let text = "ServerRoot /x\n<Diretory /a>\nRequire all denied\n</Diretory>\n";
        let found = fires(&super::RULE, &[("httpd.conf", text)]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("`<Diretory`"),
            "{}",
            found[0].message
        );
        assert!(found[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("`<Directory`")));
        let span = found[0].primary.as_ref().map(|l| l.span.range());
        assert_eq!(span, Some(14..23));
    }

    #[test]
    fn names_are_case_insensitive_and_sections_are_not_directives() {
        silent(
            &super::RULE,
            &[("httpd.conf", &in_dir("authuserfile /x\nREQUIRE valid-user"))],
        );
        fires(
            &super::RULE,
            &[("httpd.conf", "ServerRoot /x\nDirectory /a\n")],
        );
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<ServerName x>\n</ServerName>\n",
            )],
        );
    }

    #[test]
    fn word_glued_to_the_name_is_part_of_it() {
        let found = fires(&super::RULE, &[("httpd.conf", &in_dir("AuthUserFile/x"))]);
        assert!(
            found[0].message.contains("`AuthUserFile/x`"),
            "{}",
            found[0].message
        );
        silent(
            &super::RULE,
            &[("httpd.conf", &in_dir("AuthUser\\\nFile /x"))],
        );
    }

    #[test]
    fn conditional_and_raw_bodies_are_skipped() {
        silent(
            &super::RULE,
            &[("httpd.conf", "ServerRoot /x\n<IfModule nonexistent_module>\nAuthUserFle /x\n<Diretory /a>\n</Diretory>\n</IfModule>\n<IfDefine X>\n<Directory /a>\nFooBar\n</Directory>\n</IfDefine>\n<IfVersion < 2.0>\nFooBar\n</IfVersion>\n<Macro M $a>\nFooBar $a\n</Macro>\n<LuaHookAccessChecker>\nfunction f(r)\nend\n</LuaHookAccessChecker>\n")],
        );
    }

    #[test]
    fn only_the_unknown_section_is_reported_not_its_body() {
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Perl>\nuse strict;\nmy $x = 1;\n</Perl>\n",
            )],
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn variables_and_syntax_errors_are_left_alone() {
        silent(&super::RULE, &[("httpd.conf", &in_dir("Auth${X} /x"))]);
        // An unclosed section is AL001 already.
        silent(
            &super::RULE,
            &[("httpd.conf", "ServerRoot /x\n<Diretory /a>\n")],
        );
    }

    #[test]
    fn included_twice_reports_once() {
        let found = al104(&[
            (
                "/c/httpd.conf",
                "ServerRoot /c\nInclude /c/a.conf\nInclude /c/a.conf\n",
            ),
            ("/c/a.conf", "FooBar 1\n"),
        ]);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn htaccess_depends_on_allow_override() {
        let found = with_htaccess("AllowOverride FileInfo", "AuthUserFle /x\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("500"), "{}", found[0].message);
        let found = with_htaccess(
            "AllowOverride AuthConfig Nonfatal=Unknown",
            "Requre valid-user\n",
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("no effect"),
            "{}",
            found[0].message
        );
        // `All` after `Nonfatal=Unknown` resets it (checked: 500).
        let found = with_htaccess("AllowOverride Nonfatal=Unknown All", "FooBar\n");
        assert!(found[0].message.contains("500"), "{}", found[0].message);
        assert!(with_htaccess("AllowOverride None", "AuthUserFle /x\n").is_empty());
        assert!(with_htaccess("Require all granted", "AuthUserFle /x\n").is_empty());
        let found = with_htaccess(
            "AllowOverride None\nAllowOverrideList Redirect",
            "AuthUserFle /x\n",
        );
        assert_eq!(found.len(), 1);
        assert!(
            with_htaccess("AllowOverride All", "<IfModule x>\nFooBar\n</IfModule>\n").is_empty()
        );
    }

    #[test]
    fn lone_htaccess_fires_with_the_htaccess_effect() {
        let found = fires(&super::RULE, &[("site/.htaccess", "Requre valid-user\n")]);
        assert!(found[0].message.contains("500"), "{}", found[0].message);
    }
}
