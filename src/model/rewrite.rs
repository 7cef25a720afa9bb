//! mod_rewrite as it reads a scope: `RewriteEngine`, `RewriteBase`, `RewriteOptions` and
//! the `RewriteCond`/`RewriteRule` sequence, with conditions attached to the rule that
//! follows them and flags parsed the way `mod_rewrite.c` parses them.
//!
//! Guarantees: one scope at a time, directives in config order (those of true conditional
//! sections inline, [`super::apache::ApacheModel::directives_in`]); no inheritance between
//! scopes (what merges where is each rule's question). Flag names are matched without case,
//! long and short forms alike; a flag mod_rewrite does not know is kept with `known: false`
//! (the server refuses it: at start-up in server config, with 500 in `.htaccess`).
//!
//! Caveat: `pattern`, `substitution` and the flags here come from the generic Apache word
//! split. `RewriteRule`/`RewriteCond` take raw arguments that mod_rewrite splits itself
//! (`\ ` keeps a space in the word, a `"` inside an unquoted word is a plain character,
//! `'...'` quotes too): where that matters, split the directive's raw text with
//! [`split_raw_args`] (the AL12x rules do, through `rules::apache::rewrite_support`).
use super::apache::{ApacheModel, ScopeId, ScopeKind};
use crate::source::Span;
use crate::syntax::apache::Directive;
use crate::syntax::Word;

/// A `RewriteRule` flag as written, with its canonical short name when mod_rewrite knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// The canonical short form (`L`, `R`, `P`, `NC`...), or the name as written when
    /// unknown.
    pub name: String,
    /// The part after `=`, when written.
    pub value: Option<String>,
    pub known: bool,
}

/// Problems with a rule's or condition's flag argument, as mod_rewrite reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlagsProblem {
    /// Not enclosed in `[...]` ("bad flag delimiters").
    Delimiters,
    /// A name mod_rewrite does not know ("unknown flag").
    Unknown(String),
}

/// How a `RewriteCond` tests its string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CondKind {
    /// A PCRE pattern.
    Regex,
    /// `-d`, `-f`, `-s`, `-l`, `-L`, `-h`, `-F`, `-U`, `-x`.
    FileTest,
    /// `<`, `>`, `=`, `<=`, `>=` (lexical) and `-eq`, `-lt`... (integer).
    Compare,
    /// An `expr` condition (`RewriteCond expr "..."`).
    Expr,
}

#[derive(Clone, Debug)]
pub struct RewriteCond<'m> {
    pub directive: &'m Directive,
    pub test: Option<&'m Word>,
    pub pattern: Option<&'m Word>,
    /// The pattern starts with `!`.
    pub negated: bool,
    pub kind: CondKind,
    pub flags: Vec<Flag>,
    pub flags_problem: Option<FlagsProblem>,
}

impl RewriteCond<'_> {
    /// The regex text (after `!`), for [`CondKind::Regex`].
    pub fn regex(&self) -> Option<&str> {
        let p = self.pattern?;
        (self.kind == CondKind::Regex).then(|| p.text.strip_prefix('!').unwrap_or(&p.text))
    }
    pub fn has_flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f.known && f.name == name)
    }
}

#[derive(Clone, Debug)]
pub struct RewriteRule<'m> {
    pub directive: &'m Directive,
    pub pattern: Option<&'m Word>,
    /// The pattern starts with `!`.
    pub negated: bool,
    pub substitution: Option<&'m Word>,
    pub flags: Vec<Flag>,
    pub flags_problem: Option<FlagsProblem>,
    /// The conditions written before it (since the previous rule), in order.
    pub conds: Vec<RewriteCond<'m>>,
}

impl RewriteRule<'_> {
    /// The regex text (after `!`).
    pub fn regex(&self) -> Option<&str> {
        let p = self.pattern?;
        Some(p.text.strip_prefix('!').unwrap_or(&p.text))
    }
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.known && f.name == name)
    }
    pub fn has_flag(&self, name: &str) -> bool {
        self.flag(name).is_some()
    }
    /// The substitution is `-` (no substitution).
    pub fn is_dash(&self) -> bool {
        self.substitution.is_some_and(|s| s.text == "-")
    }
}

/// What mod_rewrite reads in one scope.
#[derive(Clone, Debug, Default)]
pub struct Rewrites<'m> {
    /// The last `RewriteEngine` and whether it says `on`.
    pub engine: Option<(&'m Directive, bool)>,
    pub base: Option<&'m Directive>,
    pub options: Vec<&'m Directive>,
    pub rules: Vec<RewriteRule<'m>>,
    /// Conditions after the last rule: mod_rewrite drops them.
    pub dangling: Vec<RewriteCond<'m>>,
    /// Per-directory context (`<Directory>`, `.htaccess`...): patterns see the path
    /// relative to the directory, without a leading `/`.
    pub per_dir: bool,
}

/// `RewriteRule` flags: (long form, short form), compared without case. `mod_rewrite.c`
/// `cmd_rewriterule_setflag()` of httpd 2.4.
const RULE_FLAGS: &[(&str, &str)] = &[
    ("B", "B"),
    ("BCTLS", "BCTLS"),
    ("BNE", "BNE"),
    ("BNP", "BNP"),
    ("backrefnoplus", "BNP"),
    ("chain", "C"),
    ("C", "C"),
    ("cookie", "CO"),
    ("CO", "CO"),
    ("discardpath", "DPI"),
    ("DPI", "DPI"),
    ("env", "E"),
    ("E", "E"),
    ("END", "END"),
    ("forbidden", "F"),
    ("F", "F"),
    ("gone", "G"),
    ("G", "G"),
    ("handler", "H"),
    ("H", "H"),
    ("last", "L"),
    ("L", "L"),
    ("next", "N"),
    ("N", "N"),
    ("nocase", "NC"),
    ("NC", "NC"),
    ("noescape", "NE"),
    ("NE", "NE"),
    ("nosubreq", "NS"),
    ("NS", "NS"),
    ("proxy", "P"),
    ("P", "P"),
    ("passthrough", "PT"),
    ("PT", "PT"),
    ("qsappend", "QSA"),
    ("QSA", "QSA"),
    ("qsdiscard", "QSD"),
    ("QSD", "QSD"),
    ("qslast", "QSL"),
    ("QSL", "QSL"),
    ("redirect", "R"),
    ("R", "R"),
    ("skip", "S"),
    ("S", "S"),
    ("type", "T"),
    ("T", "T"),
    ("UnsafeAllow3F", "UnsafeAllow3F"),
    ("UnsafePrefixStat", "UnsafePrefixStat"),
];

/// `RewriteCond` flags.
const COND_FLAGS: &[(&str, &str)] = &[
    ("nocase", "NC"),
    ("NC", "NC"),
    ("ornext", "OR"),
    ("OR", "OR"),
    ("novary", "NV"),
    ("NV", "NV"),
];

/// The flags mod_rewrite knows, (long form, short form): `RewriteCond`'s or
/// `RewriteRule`'s.
pub fn known_flags(cond: bool) -> &'static [(&'static str, &'static str)] {
    if cond {
        COND_FLAGS
    } else {
        RULE_FLAGS
    }
}

/// Parse a `RewriteRule` flag argument (`[...]`).
pub fn parse_rule_flags(arg: Option<&Word>) -> (Vec<Flag>, Option<FlagsProblem>) {
    parse_flags(arg, RULE_FLAGS)
}

/// Parse a `RewriteCond` flag argument (`[...]`).
pub fn parse_cond_flags(arg: Option<&Word>) -> (Vec<Flag>, Option<FlagsProblem>) {
    parse_flags(arg, COND_FLAGS)
}

/// Split the raw argument text of a `RewriteRule`/`RewriteCond` the way mod_rewrite does
/// (`parseargline()`: these directives take `RAW_ARGS`): a word may open with `"` or `'`
/// and then runs to the same quote, without escapes; `\` before a space keeps the space
/// in the word (the backslash stays); words after the third are ignored. Returns byte
/// ranges of each word's value in `raw` and whether it was quoted.
pub fn split_raw_args(raw: &str) -> Vec<(std::ops::Range<usize>, bool)> {
    let b = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while out.len() < 3 {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let quote = (b[i] == b'"' || b[i] == b'\'').then_some(b[i]);
        if quote.is_some() {
            i += 1;
        }
        let start = i;
        while i < b.len() {
            let c = b[i];
            if (c.is_ascii_whitespace() && quote.is_none()) || Some(c) == quote {
                break;
            }
            if c == b'\\' && b.get(i + 1).is_some_and(|n| n.is_ascii_whitespace()) {
                i += 2;
                continue;
            }
            i += 1;
        }
        out.push((start..i.min(b.len()), quote.is_some()));
        // Step over the closing quote or the space.
        i += 1;
    }
    out
}

/// Parse a `[...]` flag argument against a flag table.
fn parse_flags(arg: Option<&Word>, table: &[(&str, &str)]) -> (Vec<Flag>, Option<FlagsProblem>) {
    let Some(arg) = arg else {
        return (Vec::new(), None);
    };
    let Some(inner) = arg.text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return (Vec::new(), Some(FlagsProblem::Delimiters));
    };
    let mut flags = Vec::new();
    let mut problem = None;
    // As `cmd_parseflagfield()`: split at commas, spaces around each flag skipped; an empty
    // flag (`[]`, `[L,]`, `[L,,NC]`) is an unknown flag named ''.
    for part in inner.split(',') {
        let part = part.trim_matches(|c: char| c.is_ascii_whitespace());
        let (key, value) = match part.split_once('=') {
            Some((k, v)) => (k.trim_end(), Some(v.to_string())),
            None => (part, None),
        };
        let canonical = table
            .iter()
            .find(|(long, _)| long.eq_ignore_ascii_case(key))
            .map(|(_, short)| *short);
        if canonical.is_none() && problem.is_none() {
            problem = Some(FlagsProblem::Unknown(key.to_string()));
        }
        flags.push(Flag {
            name: canonical.unwrap_or(key).to_string(),
            value,
            known: canonical.is_some(),
        });
    }
    (flags, problem)
}

/// How a `RewriteCond` pattern tests its string.
pub fn cond_kind(pattern: &str) -> CondKind {
    let p = pattern.strip_prefix('!').unwrap_or(pattern);
    let file_tests = ["-d", "-f", "-s", "-l", "-L", "-h", "-F", "-U", "-x"];
    let int_tests = ["-eq", "-ne", "-lt", "-le", "-gt", "-ge"];
    if file_tests.contains(&p) {
        CondKind::FileTest
    } else if int_tests.contains(&p)
        || p.starts_with('<')
        || p.starts_with('>')
        || p.starts_with('=')
    {
        CondKind::Compare
    } else {
        CondKind::Regex
    }
}

fn cond(d: &Directive) -> RewriteCond<'_> {
    if d.args
        .first()
        .is_some_and(|a| a.text.eq_ignore_ascii_case("expr"))
    {
        let (flags, flags_problem) = parse_flags(d.args.get(2), COND_FLAGS);
        return RewriteCond {
            directive: d,
            test: d.args.first(),
            pattern: d.args.get(1),
            negated: false,
            kind: CondKind::Expr,
            flags,
            flags_problem,
        };
    }
    let pattern = d.args.get(1);
    let (flags, flags_problem) = parse_flags(d.args.get(2), COND_FLAGS);
    RewriteCond {
        directive: d,
        test: d.args.first(),
        pattern,
        negated: pattern.is_some_and(|p| p.text.starts_with('!')),
        kind: pattern.map_or(CondKind::Regex, |p| cond_kind(&p.text)),
        flags,
        flags_problem,
    }
}

fn rule<'m>(d: &'m Directive, conds: Vec<RewriteCond<'m>>) -> RewriteRule<'m> {
    let pattern = d.args.first();
    let (flags, flags_problem) = parse_flags(d.args.get(2), RULE_FLAGS);
    RewriteRule {
        directive: d,
        pattern,
        negated: pattern.is_some_and(|p| p.text.starts_with('!')),
        substitution: d.args.get(1),
        flags,
        flags_problem,
        conds,
    }
}

impl ApacheModel {
    /// What mod_rewrite reads directly in a scope.
    pub fn rewrites(&self, id: ScopeId) -> Rewrites<'_> {
        let mut out = Rewrites {
            per_dir: self.scope(id).is_some_and(|s| {
                matches!(
                    s.kind,
                    ScopeKind::Directory
                        | ScopeKind::DirectoryMatch
                        | ScopeKind::Htaccess
                        | ScopeKind::Files
                        | ScopeKind::FilesMatch
                        | ScopeKind::Location
                        | ScopeKind::LocationMatch
                        | ScopeKind::If
                        | ScopeKind::ElseIf
                        | ScopeKind::Else
                )
            }),
            ..Rewrites::default()
        };
        let mut pending = Vec::new();
        for d in self.directives_in(id) {
            match d.key.as_str() {
                "rewriteengine" => {
                    let on = d
                        .args
                        .first()
                        .is_some_and(|a| a.text.eq_ignore_ascii_case("on"));
                    out.engine = Some((d, on));
                }
                "rewritebase" => out.base = Some(d),
                "rewriteoptions" => out.options.push(d),
                "rewritecond" => pending.push(cond(d)),
                "rewriterule" => out.rules.push(rule(d, std::mem::take(&mut pending))),
                _ => {}
            }
        }
        out.dangling = pending;
        out
    }

    /// Scopes holding any mod_rewrite directive, in model order.
    pub fn rewrite_scopes(&self) -> Vec<ScopeId> {
        (0..self.scopes.len())
            .filter(|id| {
                self.directives_in(*id)
                    .iter()
                    .any(|d| d.key.starts_with("rewrite"))
            })
            .collect()
    }
}

/// The span of a flag argument, for labels.
pub fn flags_span(d: &Directive, index: usize) -> Span {
    d.args.get(index).map_or(d.span, |w| w.span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> crate::model::Model {
        crate::lint_memory(&[("httpd.conf", text)]).model
    }

    #[test]
    fn conditions_attach_to_the_next_rule_and_flags_parse() {
        let m = model(
            "ServerRoot /x\nRewriteEngine on\nRewriteCond %{HTTPS} !=on [NC,OR]\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteRule ^/(.*)$ https://h/$1 [redirect=301,L,qsappend]\nRewriteRule ^/old /new\nRewriteCond %{HTTP_HOST} x\n",
        );
        let apache = &m.apache;
        let root = apache.roots.first().copied().unwrap_or(0);
        let rw = apache.rewrites(root);
        assert!(rw.engine.is_some_and(|(_, on)| on));
        assert!(!rw.per_dir);
        assert_eq!(rw.rules.len(), 2);
        let r = &rw.rules[0];
        assert_eq!(r.conds.len(), 2);
        assert_eq!(r.conds[0].kind, CondKind::Compare);
        assert!(r.conds[0].has_flag("OR") && r.conds[0].has_flag("NC"));
        assert_eq!(r.conds[1].kind, CondKind::FileTest);
        assert!(r.conds[1].negated);
        assert_eq!(r.flag("R").and_then(|f| f.value.as_deref()), Some("301"));
        assert!(r.has_flag("L") && r.has_flag("QSA"));
        assert_eq!(r.regex(), Some("^/(.*)$"));
        assert!(rw.rules[1].flags.is_empty() && rw.rules[1].conds.is_empty());
        assert_eq!(rw.dangling.len(), 1);
        assert_eq!(apache.rewrite_scopes(), vec![root]);
    }

    #[test]
    fn unknown_flags_and_delimiters() {
        let m = model("ServerRoot /x\nRewriteRule a b [L,QSX]\nRewriteRule a b L\nRewriteCond a b [NC,X]\nRewriteRule a b\n");
        let apache = &m.apache;
        let root = apache.roots.first().copied().unwrap_or(0);
        let rw = apache.rewrites(root);
        assert_eq!(
            rw.rules[0].flags_problem,
            Some(FlagsProblem::Unknown("QSX".into()))
        );
        assert_eq!(rw.rules[1].flags_problem, Some(FlagsProblem::Delimiters));
        assert_eq!(
            rw.rules[2].conds[0].flags_problem,
            Some(FlagsProblem::Unknown("X".into()))
        );
    }

    #[test]
    fn raw_args_split_as_mod_rewrite_does() {
        let raw = r#"%{THE_REQUEST} ^[A-Z]{3,9}\ /x\ HTTP/ [NC] extra"#;
        let words: Vec<&str> = split_raw_args(raw)
            .into_iter()
            .map(|(r, _)| &raw[r])
            .collect();
        assert_eq!(words, ["%{THE_REQUEST}", r"^[A-Z]{3,9}\ /x\ HTTP/", "[NC]"]);
        let raw = r#" ^.*(,|">|"<).* 'a b' "[L, NC]""#;
        let words: Vec<(&str, bool)> = split_raw_args(raw)
            .into_iter()
            .map(|(r, q)| (&raw[r], q))
            .collect();
        assert_eq!(
            words,
            [
                (r#"^.*(,|">|"<).*"#, false),
                ("a b", true),
                ("[L, NC]", true)
            ]
        );
        assert!(split_raw_args("  ").is_empty());
        assert_eq!(split_raw_args("\"a").len(), 1);
    }

    #[test]
    fn empty_flags_are_unknown_and_spaces_are_skipped() {
        let m = model("ServerRoot /x\nRewriteRule a b []\nRewriteRule a b [L,]\nRewriteRule a b [L,,NC]\nRewriteRule a b \"[L, NC]\"\nRewriteRule a b [R=301,\n");
        let apache = &m.apache;
        let root = apache.roots.first().copied().unwrap_or(0);
        let rw = apache.rewrites(root);
        for r in &rw.rules[..3] {
            assert_eq!(r.flags_problem, Some(FlagsProblem::Unknown(String::new())));
        }
        assert_eq!(rw.rules[3].flags_problem, None);
        assert!(rw.rules[3].has_flag("L") && rw.rules[3].has_flag("NC"));
        assert_eq!(rw.rules[4].flags_problem, Some(FlagsProblem::Delimiters));
    }
}
