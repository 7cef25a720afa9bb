//! AL308: a group file names a user that the user file of the same section lacks.
use super::{quoted, who};
use crate::htpasswd::file::{members, server_user, LineKind, PasswordFile};
use crate::model::apache::Lookup;
use crate::model::PasswordRef;
use crate::rules::prelude::*;
use crate::source::{FileId, FileKind, Span};
use std::collections::{BTreeMap, BTreeSet};

pub static RULE: Rule = Rule {
    code: "AL308",
    name: "group-member-not-in-user-file",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "A group file names a user the section's user file does not have",
    why: "`Require group` lets in the members of a group, but a member must first log in with \
          the `AuthUserFile` of the same section. A member missing from that file can never \
          log in: a typo, a user removed from one file but not the other, or a list written \
          with commas, which mod_authz_groupfile does not split (`admins: alice,bob` has one \
          member, `alice,bob`).",
    bad: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory /srv/www/admin>\n    AuthType Basic\n    AuthName \"Admin\"\n    AuthUserFile /srv/auth/users\n    AuthGroupFile /srv/auth/groups\n    Require group admins\n</Directory>\n",
        },
        Example {
            path: "/srv/auth/users",
            text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\nbob:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
        },
        Example {
            path: "/srv/auth/groups",
            text: "admins: alice,bob\n",
        },
    ]],
    good: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory /srv/www/admin>\n    AuthType Basic\n    AuthName \"Admin\"\n    AuthUserFile /srv/auth/users\n    AuthGroupFile /srv/auth/groups\n    Require group admins\n</Directory>\n",
        },
        Example {
            path: "/srv/auth/users",
            text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\nbob:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
        },
        Example {
            path: "/srv/auth/groups",
            text: "admins: alice bob\n",
        },
    ]],
    evidence: &["scenario: pw_apache_group_members"],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    // Group file → the user files used beside it (the AuthUserFile in effect where the
    // AuthGroupFile stands), each with the span of its path.
    let mut pairs: BTreeMap<FileId, Vec<(FileId, Span)>> = BTreeMap::new();
    let mut unknown: BTreeSet<FileId> = BTreeSet::new();
    for g in &model.password_refs {
        let (Server::Apache, FileKind::Htgroup, Some(group)) = (g.server, g.kind, g.file) else {
            continue;
        };
        if let Lookup::Found(p) = model.apache.effective(g.scope, "authbasicprovider") {
            if !p.args.iter().any(|a| a.text.eq_ignore_ascii_case("file")) {
                unknown.insert(group); // users come from elsewhere (LDAP, DBM...)
                continue;
            }
        }
        let user_ref: Option<&PasswordRef> = match model.apache.effective(g.scope, "authuserfile") {
            Lookup::Found(d) => d
                .args
                .first()
                .and_then(|a| model.password_refs.iter().find(|r| r.span == a.span)),
            _ => None,
        };
        match user_ref.and_then(|r| r.file.map(|f| (f, r.span))) {
            Some(pair) => pairs.entry(group).or_default().push(pair),
            None => {
                unknown.insert(group);
            }
        }
    }
    for (group_id, user_files) in pairs {
        if unknown.contains(&group_id) {
            continue;
        }
        let Some(gf) = model.password_files.get(&group_id) else {
            continue;
        };
        let user_sets: Vec<(BTreeSet<Vec<u8>>, Span)> = user_files
            .iter()
            .filter_map(|(f, span)| {
                model
                    .password_files
                    .get(f)
                    .map(|pf| (names(model, pf), *span))
            })
            .collect();
        if user_sets.is_empty() {
            continue;
        }
        let text = super::text_of(model, gf);
        for line in &gf.lines {
            if line.kind != LineKind::Entry {
                continue;
            }
            for (range, member) in members(line, text) {
                let known = |m: &str| user_sets.iter().any(|(set, _)| set.contains(m.as_bytes()));
                if known(&member) {
                    continue;
                }
                let parts: Vec<&str> = member.split(',').filter(|p| !p.is_empty()).collect();
                let comma = parts.len() > 1 && parts.iter().any(|p| known(p));
                let mut d = out
                    .diag(format!(
                        "{} names {}, who is not in the user file, so this member can never log in",
                        who(line, text, gf.format),
                        quoted(&member)
                    ))
                    .at(range.span(gf.file), "not in the user file")
                    .help(if comma {
                        "commas do not separate members: write `group: alice bob`"
                    } else {
                        "add the user to the user file (`htpasswd -B FILE USER`) or remove the member"
                    });
                for (_, span) in &user_sets {
                    d = d.label(*span, "users come from this file");
                }
                out.emit(d);
            }
        }
    }
}

/// The user names Apache can find in a user file.
fn names(model: &Model, pf: &PasswordFile) -> BTreeSet<Vec<u8>> {
    let text = super::text_of(model, pf);
    pf.lines
        .iter()
        .filter_map(|l| server_user(l, text, Server::Apache))
        .map(<[u8]>::to_vec)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const H: &str = "$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG";
    const CONF: &str = "ServerRoot /x\n<Location />\nAuthType Basic\nAuthName x\nAuthUserFile /srv/auth/users\nAuthGroupFile /srv/auth/groups\nRequire group admins\n</Location>\n";

    #[test]
    fn missing_member_and_comma_list() {
        let users = format!("alice:{H}\nbob:{H}\n");
        let d = fires(
            &super::RULE,
            &[
                ("httpd.conf", CONF),
                ("/srv/auth/users", &users),
                ("/srv/auth/groups", "admins: alice carol\n"),
            ],
        );
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("\"carol\""), "{}", d[0].message);
        let d = fires(
            &super::RULE,
            &[
                ("httpd.conf", CONF),
                ("/srv/auth/users", &users),
                ("/srv/auth/groups", "admins: alice,bob\n"),
            ],
        );
        assert!(
            d[0].help.as_deref().unwrap_or("").contains("commas"),
            "{:?}",
            d[0].help
        );
        silent(
            &super::RULE,
            &[
                ("httpd.conf", CONF),
                ("/srv/auth/users", &users),
                ("/srv/auth/groups", "admins: alice bob\n# carol\n"),
            ],
        );
    }

    #[test]
    fn needs_both_files_in_the_same_section() {
        silent(&super::RULE, &[("site/.htgroup", "admins: carol\n")]);
        let c = "ServerRoot /x\n<Location />\nAuthType Basic\nAuthName x\nAuthGroupFile /srv/auth/groups\nRequire group admins\n</Location>\n";
        silent(
            &super::RULE,
            &[("httpd.conf", c), ("/srv/auth/groups", "admins: carol\n")],
        );
        let c = "ServerRoot /x\n<Location />\nAuthType Basic\nAuthName x\nAuthBasicProvider ldap\nAuthUserFile /srv/auth/users\nAuthGroupFile /srv/auth/groups\n</Location>\n";
        silent(
            &super::RULE,
            &[
                ("httpd.conf", c),
                ("/srv/auth/users", &format!("alice:{H}\n")),
                ("/srv/auth/groups", "admins: carol\n"),
            ],
        );
    }
}
