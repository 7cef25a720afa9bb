//! AL304: a user defined twice; the first entry wins and the later one is dead.
use super::{quoted, Readers};
use crate::htpasswd::file::{server_user, Format};
use crate::rules::prelude::*;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    code: "AL304",
    name: "duplicate-user",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "A user is defined twice; the first entry wins",
    why: "Apache and nginx both stop at the first line that names the user, so a later entry \
          for the same user is never read: the password set there (often the new one, appended \
          by a script) does not work, and the old one still does. In an htdigest file the key \
          is the user and the realm together.",
    bad: &[&[Example {
        path: "site/.htpasswd",
        text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\nalice:$2y$05$UCZBVJbhbm2qrNHbFzAbCOpTzjMWaDfdALyFzkl7gUnWia1fivF1S\n",
    }]],
    good: &[&[Example {
        path: "site/.htpasswd",
        text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\nbob:$2y$05$UCZBVJbhbm2qrNHbFzAbCOpTzjMWaDfdALyFzkl7gUnWia1fivF1S\n",
    }]],
    evidence: &[
        "scenario: pw_apache_duplicate_user",
        "scenario: pw_nginx_duplicate_user",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    for pf in model.password_files.values() {
        if pf.format == Format::Htgroup {
            continue; // a group may be spread over several lines: Apache unites them
        }
        let readers = Readers::of(model, pf);
        let text = super::text_of(model, pf);
        // For each line: the earlier line that shadows it, per server. Sorting (not
        // hashing) keeps a hostile file with colliding names at n log n.
        let mut shadowed: BTreeMap<usize, Vec<(Server, usize)>> = BTreeMap::new();
        for (server, _) in &readers.servers {
            let mut keys: Vec<(&[u8], &str, usize)> = pf
                .lines
                .iter()
                .enumerate()
                .filter_map(|(i, line)| {
                    let user = server_user(line, text, *server)?;
                    // Bytes lost in decoding: equal here is not equal on disk.
                    if user.windows(3).any(|w| w == "\u{fffd}".as_bytes()) {
                        return None;
                    }
                    let realm = if pf.format == Format::Htdigest {
                        line.realm.slice(text)
                    } else {
                        ""
                    };
                    Some((user, realm, i))
                })
                .collect();
            keys.sort_unstable();
            for pair in keys.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                if (a.0, a.1) == (b.0, b.1) {
                    // `a` is the first of its run or shadowed itself: find the run's first.
                    let winner = shadowed
                        .get(&a.2)
                        .and_then(|l| l.iter().find(|(s, _)| s == server))
                        .map_or(a.2, |(_, w)| *w);
                    shadowed.entry(b.2).or_default().push((*server, winner));
                }
            }
        }
        for (&i, list) in &shadowed {
            let Some(&(_, j)) = list.first() else {
                continue;
            };
            let servers = readers.affected(|s| list.iter().any(|(t, k)| *t == s && *k == j));
            if servers.is_empty() {
                continue;
            }
            let line = &pf.lines[i];
            let winner = &pf.lines[j];
            let name = server_user(line, text, servers[0])
                .map(|u| String::from_utf8_lossy(u).into_owned())
                .unwrap_or_default();
            let realm = if pf.format == Format::Htdigest {
                format!(" in realm {}", quoted(line.realm.slice(text)))
            } else {
                String::new()
            };
            let on = readers.phrase(&servers);
            let d = out
                .diag(format!(
                    "user {}{realm} is defined again: line {} wins on {on}, so this entry is never used",
                    quoted(&name),
                    winner.number
                ))
                .at(line.user.span(pf.file), "ignored duplicate")
                .label(winner.user.span(pf.file), "this entry wins")
                .help("keep one line per user: delete the entry you do not want (`htpasswd -D FILE USER` removes the first)");
            out.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const H: &str = "$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG";

    #[test]
    fn the_second_entry_is_reported_with_the_winner() {
        let t = format!("alice:{H}\nbob:{H}\nalice:{H}\n");
        let d = fires(&super::RULE, &[("site/.htpasswd", &t)]);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message.contains("line 1 wins on Apache and nginx"),
            "{}",
            d[0].message
        );
        assert_eq!(d[0].labels[0].text, "this entry wins");
    }

    #[test]
    fn a_colonless_line_shadows_a_later_entry_on_apache() {
        let t = format!("alice\nalice:{H}\n");
        silent(&super::RULE, &[("site/.htpasswd", &t)]); // nginx would not: unknown reader
        let d = fires(
            &super::RULE,
            &[
                ("httpd.conf", "ServerRoot /x\n<Location />\nAuthType Basic\nAuthName x\nAuthUserFile /srv/auth/users\n</Location>\n"),
                ("/srv/auth/users", &t),
            ],
        );
        assert!(
            d[0].message.contains("line 1 wins on Apache"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn names_differ_by_case_and_realm() {
        silent(
            &super::RULE,
            &[("site/.htpasswd", &format!("alice:{H}\nAlice:{H}\n"))],
        );
        let d = "151239daa5f1408602543b81b1f68fb7";
        silent(
            &super::RULE,
            &[("site/.htdigest", &format!("alice:A:{d}\nalice:B:{d}\n"))],
        );
        fires(
            &super::RULE,
            &[("site/.htdigest", &format!("alice:A:{d}\nalice:A:{d}\n"))],
        );
    }

    #[test]
    fn group_lines_may_repeat() {
        silent(
            &super::RULE,
            &[("site/.htgroup", "admins: alice\nadmins: bob\n")],
        );
    }
}
