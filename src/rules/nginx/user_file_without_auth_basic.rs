//! AL204: `auth_basic_user_file` where no `auth_basic` realm is on, so the file is never
//! read and nginx checks no password.
//!
//! `ngx_http_auth_basic_handler()` declines unless both a realm (not the exact word `off`) and
//! a user file are in effect. The two directives inherit independently, so a user file set at
//! http or server level for the locations below that set a realm is fine: the rule fires only
//! when no context the file reaches (its own, and those below it that do not set their own
//! file) turns a realm on. A realm with a variable may be on, and an unseen includer may set
//! one: both keep the rule silent.
use crate::model::nginx::{CtxId, NgItem, NginxModel};
use crate::rules::prelude::*;
use crate::syntax::nginx::Stmt;

pub static RULE: Rule = Rule {
    code: "AL204",
    name: "user-file-without-auth-basic",
    severity: Severity::Error,
    default_enabled: true,
    summary: "auth_basic_user_file without an auth_basic realm checks no password",
    why: "nginx asks for a password only where both `auth_basic` (a realm, not `off`) and \
          `auth_basic_user_file` apply. A user file with no realm in effect, or under an \
          inherited `auth_basic off`, is never read: nginx starts without a word and serves the \
          location to anyone (200, no prompt, nothing logged), even to clients that send a \
          wrong password.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 80;\n        location /admin/ {\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    auth_basic_user_file /etc/nginx/admin.htpasswd;\n    server {\n        listen 80;\n        location /admin/ {\n            auth_basic \"Admin\";\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_user_file_without_auth_basic",
        "scenario: nginx_user_file_inherited_healthy",
    ],
    check: Check::Model(check),
};

/// Directives in effect per context by nginx inheritance, computed once, top down: each
/// context holds the statements of the nearest level that sets any name of a group, like
/// [`NginxModel::lookup`], but in O(1) per question. Rules that ask about every location
/// need this: walking up re-reads the http block, which holds thousands of servers in a big
/// config. A group of several names (`allow` + `deny`) is one list, kept in config order.
pub(super) struct Inherited<'a> {
    groups: usize,
    /// Every statement of every group, grouped by context, then by group, in config order.
    flat: Vec<&'a Stmt>,
    /// `own[ctx * groups + g]`: the range of `flat` written directly in the context.
    own: Vec<(u32, u32)>,
    /// `holder[ctx * groups + g]`: the nearest context that sets the group, or [`NOT_SET`]
    /// or [`UNKNOWN`].
    holder: Vec<u32>,
}

const NOT_SET: u32 = u32::MAX;
/// Not set in what authlint sees; an unseen includer could set it.
const UNKNOWN: u32 = u32::MAX - 1;

/// What a group is in a context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Value<'s, 'a> {
    Set(&'s [&'a Stmt]),
    NotSet,
    Unknown,
}

impl<'a> Inherited<'a> {
    /// One pass over every context's items. Parents come before their children in the
    /// model; a context whose parent does not is `Unknown`.
    pub(super) fn new(ng: &'a NginxModel, groups: &[&[&str]]) -> Inherited<'a> {
        let g = groups.len();
        let n = ng.contexts.len();
        // A name can only match if its length and first byte are among the groups' names:
        // two bit tests reject almost every directive.
        let mut lengths = 0u64;
        let mut firsts = [false; 256];
        for name in groups.iter().flat_map(|names| names.iter()) {
            lengths |= 1u64 << name.len().min(63);
            if let Some(b) = name.bytes().next() {
                firsts[usize::from(b)] = true;
            }
        }
        let mut out = Inherited {
            groups: g,
            flat: Vec::new(),
            own: Vec::with_capacity(n * g),
            holder: Vec::with_capacity(n * g),
        };
        let mut scratch: Vec<(usize, &'a Stmt)> = Vec::new();
        for (id, ctx) in ng.contexts.iter().enumerate() {
            scratch.clear();
            for item in &ctx.items {
                let NgItem::Directive(s) = item else { continue };
                let name = s.name.text.as_str();
                // The length is in the string header; the first byte needs a read of the text.
                if lengths & (1u64 << name.len().min(63)) == 0
                    || !firsts[name.bytes().next().map_or(0, usize::from)]
                {
                    continue;
                }
                for (k, names) in groups.iter().enumerate() {
                    if names.contains(&name) {
                        scratch.push((k, s));
                    }
                }
            }
            for k in 0..g {
                let start = out.flat.len();
                out.flat
                    .extend(scratch.iter().filter(|(key, _)| *key == k).map(|(_, s)| *s));
                let end = out.flat.len();
                out.own.push((to_u32(start), to_u32(end)));
                let h = if end > start {
                    to_u32(id)
                } else if ctx.kind == "snippet" {
                    UNKNOWN
                } else {
                    match ctx.parent {
                        None => NOT_SET,
                        Some(p) if p < id => out.holder.get(p * g + k).copied().unwrap_or(UNKNOWN),
                        Some(_) => UNKNOWN,
                    }
                };
                out.holder.push(h);
            }
        }
        out
    }

    /// Group `g` (its index in `new`'s list) in effect in a context.
    pub(super) fn get(&self, id: CtxId, g: usize) -> Value<'_, 'a> {
        match self.holder(id, g) {
            Some(h) => {
                let range = self.own.get(h * self.groups + g).copied();
                match range.and_then(|(a, b)| self.flat.get(a as usize..b as usize)) {
                    Some(v) => Value::Set(v),
                    None => Value::Unknown,
                }
            }
            None => match self.holder.get(id * self.groups + g) {
                Some(&NOT_SET) => Value::NotSet,
                _ => Value::Unknown,
            },
        }
    }

    /// The context that holds group `g`'s statements in effect at `id`.
    pub(super) fn holder(&self, id: CtxId, g: usize) -> Option<CtxId> {
        match self.holder.get(id * self.groups + g) {
            Some(&h) if h != NOT_SET && h != UNKNOWN => Some(h as usize),
            _ => None,
        }
    }
}

/// Context ids and statement counts fit in `u32` (files are capped far below that); a
/// larger value turns into `UNKNOWN`-like saturation rather than a panic.
fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(UNKNOWN)
}

/// The groups [`Auth`] needs first in an [`Inherited`] list.
pub(super) const AUTH_GROUPS: [&[&str]; 2] = [&["auth_basic"], &["auth_basic_user_file"]];

/// What an `auth_basic` lookup says about the realm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Realm<'a> {
    /// A realm is set (a variable counts: it may be anything).
    On(&'a Stmt),
    /// `auth_basic off;` is in effect.
    Off(&'a Stmt),
    NotSet,
    /// An unseen includer decides.
    Unknown,
}

/// The `auth_basic` in effect (group 0 of an [`Inherited`] built with [`AUTH_GROUPS`] first).
/// nginx compares the realm with the exact bytes `off`; a realm with a variable is taken as
/// on (it cannot be proved off).
pub(super) fn realm<'a>(inh: &Inherited<'a>, id: CtxId) -> Realm<'a> {
    match inh.get(id, 0) {
        Value::Set(v) => match v.first() {
            Some(s) if s.args.first().is_some_and(|a| a.text == "off") => Realm::Off(s),
            Some(s) => Realm::On(s),
            None => Realm::Unknown,
        },
        Value::NotSet => Realm::NotSet,
        Value::Unknown => Realm::Unknown,
    }
}

/// The realm statement when Basic auth surely applies in a context: a realm that is not
/// `off` and has no variable, and a user file (groups 0 and 1, see [`AUTH_GROUPS`]). The same
/// answer as `effective_auth(id).basic() == On`.
pub(super) fn basic_on<'a>(inh: &Inherited<'a>, id: CtxId) -> Option<&'a Stmt> {
    let Realm::On(r) = realm(inh, id) else {
        return None;
    };
    if r.args.first().is_none_or(|a| a.text.contains('$')) {
        return None;
    }
    matches!(inh.get(id, 1), Value::Set(_)).then_some(r)
}

/// Does some context below `id` turn a realm on while still using `id`'s user file? Contexts
/// that set their own `auth_basic_user_file` are not entered. Iterative, bounded by the
/// number of contexts.
fn realm_on_below(ng: &NginxModel, id: CtxId) -> bool {
    let mut stack: Vec<CtxId> = children(ng, id).collect();
    let mut steps = 0usize;
    while let Some(c) = stack.pop() {
        steps += 1;
        if steps > ng.contexts.len() {
            return true; // cannot happen in a tree; stay silent if it does
        }
        if !ng.directives_in(c, "auth_basic_user_file").is_empty() {
            continue;
        }
        if ng
            .directives_in(c, "auth_basic")
            .iter()
            .any(|s| s.args.first().is_some_and(|a| a.text != "off"))
        {
            return true;
        }
        stack.extend(children(ng, c));
    }
    false
}

/// The contexts directly inside one, in config order.
pub(super) fn children(ng: &NginxModel, id: CtxId) -> impl Iterator<Item = CtxId> + '_ {
    ng.context(id)
        .into_iter()
        .flat_map(|c| c.items.iter())
        .filter_map(|i| match i {
            NgItem::Context(c) => Some(*c),
            NgItem::Directive(_) => None,
        })
}

fn check(model: &Model, out: &mut Sink) {
    let ng = &model.nginx;
    let mut inh: Option<Inherited<'_>> = None;
    for id in 0..ng.contexts.len() {
        let files = ng.directives_in(id, "auth_basic_user_file");
        let Some(file) = files.first() else {
            continue;
        };
        // A realm beside the file (the usual case) needs no look upwards.
        if ng
            .directives_in(id, "auth_basic")
            .first()
            .and_then(|s| s.args.first())
            .is_some_and(|a| a.text != "off")
        {
            continue;
        }
        let inh = inh.get_or_insert_with(|| Inherited::new(ng, &AUTH_GROUPS));
        let off = match realm(inh, id) {
            Realm::On(_) | Realm::Unknown => continue,
            Realm::Off(s) => Some(s),
            Realm::NotSet => None,
        };
        if realm_on_below(ng, id) {
            continue;
        }
        let span = file
            .args
            .first()
            .map_or(file.name.span, |a| file.name.span.to(a.span));
        let mut d = match off {
            Some(_) => out.diag(
                "`auth_basic_user_file` is never read: `auth_basic off` is in effect here and in every context below, so nginx checks no password and anyone gets in",
            ),
            None => out.diag(
                "`auth_basic_user_file` is never read: no `auth_basic` realm is on here or in any context below, so nginx checks no password and anyone gets in",
            ),
        }
        .at(span, "a password file without a realm");
        if let Some(off) = off {
            d = d.label(off.span, "auth turned off here");
        }
        out.emit(d.help(
            "add `auth_basic \"Restricted\";` beside it to ask for the password; remove the line if the area is meant to be public",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(http: &str) -> String {
        format!("events {{}}\nhttp {{\n{http}\n}}\n")
    }

    /// The table answers what `NginxModel::lookup` answers, in every context, also across
    /// includes and in a snippet whose includer is unseen.
    #[test]
    fn inherited_agrees_with_lookup() {
        use super::{Inherited, Value};
        use crate::model::nginx::Lookup;
        let out = crate::lint_memory(&[
            (
                "nginx.conf",
                "events {}\nhttp {\nauth_basic a; allow all;\nserver { include inc.conf; \
                 location /a/ { deny 1.2.3.4; allow all; location /a/b/ { auth_basic off; } }\n\
                 location /c/ { limit_except GET { allow 10.0.0.1; } } }\n}\n",
            ),
            ("inc.conf", "auth_basic_user_file u;\nsatisfy any;\n"),
            (
                "snip.conf",
                "location /s/ {\n    location /t/ { allow all; }\n}\n",
            ),
        ]);
        let ng = &out.model.nginx;
        let groups: [&[&str]; 4] = [
            &["auth_basic"],
            &["auth_basic_user_file"],
            &["satisfy"],
            &["allow"],
        ];
        let inh = Inherited::new(ng, &groups);
        assert!(ng.contexts.iter().any(|c| c.kind == "snippet"));
        for id in 0..ng.contexts.len() {
            for (g, names) in groups.iter().enumerate() {
                let want: Option<Vec<_>> = match ng.lookup(id, names[0]) {
                    Lookup::Found(v) => Some(v.iter().map(|s| s.span).collect()),
                    Lookup::NotSet => Some(Vec::new()),
                    Lookup::Unknown => None,
                };
                let got: Option<Vec<_>> = match inh.get(id, g) {
                    Value::Set(v) => Some(v.iter().map(|s| s.span).collect()),
                    Value::NotSet => Some(Vec::new()),
                    Value::Unknown => None,
                };
                assert_eq!(got, want, "context {id}, {}", names[0]);
            }
        }
    }

    #[test]
    fn realm_in_a_location_below_uses_the_file() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("server { auth_basic_user_file u; location /a/ { limit_except GET { auth_basic x; } } }").as_str(),
            )],
        );
    }

    #[test]
    fn inherited_off_fires_and_names_it() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("auth_basic off; server { location /a/ { auth_basic_user_file u; } }")
                    .as_str(),
            )],
        );
        assert_eq!(found[0].labels.len(), 1);
    }

    #[test]
    fn a_realm_below_that_uses_its_own_file_does_not_count() {
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("server { auth_basic_user_file u; location /a/ { auth_basic x; auth_basic_user_file v; } }").as_str(),
            )],
        );
    }

    #[test]
    fn variable_realms_and_snippets_stay_silent() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("server { auth_basic $realm; auth_basic_user_file u; }").as_str(),
            )],
        );
        silent(
            &super::RULE,
            &[(
                "site.conf",
                "location /a/ {\n    auth_basic_user_file u;\n}\n",
            )],
        );
    }

    #[test]
    fn case_matters_for_off() {
        // `Off` is a realm named "Off": auth stays on.
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("server { auth_basic Off; auth_basic_user_file u; }").as_str(),
            )],
        );
    }
}
