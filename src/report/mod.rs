//! Rendering diagnostics: the only place that prints findings.
//!
//! Three formats share one guarantee: no hash and no byte of a file followed from outside
//! the linted paths ever reaches the output. `human` draws snippets from
//! [`SourceFile::display_text`](crate::source::SourceFile::display_text) only (never the raw
//! text) and shows no snippet at all for followed files; `compact` and `json` carry
//! positions, never source text. Text bound for a terminal (`human`, `compact`) has its
//! control characters escaped, so a hostile file cannot drive the terminal.
//!
//! Output order is the caller's: [`sort_diagnostics`] gives the one deterministic order.

mod compact;
mod human;
mod json;

use crate::diag::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::borrow::Cow;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// miette's graphical report with snippets, then a summary line.
    Human,
    /// One `path:line:col: severity[CODE]: message` line per finding.
    Compact,
    /// One versioned JSON document; see `json.rs` for the schema.
    Json,
}

/// How to render. Environment (NO_COLOR, terminal width) is the caller's business.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    pub format: Format,
    /// ANSI colors in `human`.
    pub color: bool,
    /// Wrap width for `human`.
    pub width: usize,
    /// Terminal hyperlinks in `human`.
    pub links: bool,
    /// No summary line in `human`.
    pub quiet: bool,
}

/// A file that was linted, in the order linted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    /// [`FileKind::as_str`](crate::source::FileKind::as_str).
    pub kind: &'static str,
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// Sort into the one output order: (file path, offset, code, message), then every other
/// field, so equal inputs in any order give the same output. Findings without a span sort
/// by their `path` (empty when none) ahead of located findings in that file.
pub fn sort_diagnostics(diags: &mut [Diagnostic], sources: &SourceMap) {
    diags.sort_by_cached_key(|d| SortKey::of(d, sources));
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    path: String,
    located: bool,
    start: u32,
    end: u32,
    code: &'static str,
    message: String,
    severity: Severity,
    help: Option<String>,
    labels: Vec<(String, u32, u32, String)>,
}

impl SortKey {
    fn of(d: &Diagnostic, sources: &SourceMap) -> SortKey {
        let span = d.span().filter(|s| sources.get(s.file).is_some());
        let path = match span {
            Some(s) => sources.path(s.file),
            None => d.path.clone().unwrap_or_default(),
        };
        SortKey {
            path,
            located: span.is_some(),
            start: span.map_or(0, |s| s.start),
            end: span.map_or(0, |s| s.end),
            code: d.code,
            message: d.message.clone(),
            severity: d.severity,
            help: d.help.clone(),
            labels: d
                .primary
                .iter()
                .chain(&d.labels)
                .map(|l| {
                    (
                        sources.path(l.span.file),
                        l.span.start,
                        l.span.end,
                        l.text.clone(),
                    )
                })
                .collect(),
        }
    }
}

/// Count findings by severity.
pub fn summarize(diags: &[Diagnostic], files: usize) -> Summary {
    let mut s = Summary {
        files,
        ..Summary::default()
    };
    for d in diags {
        match d.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Info => s.infos += 1,
        }
    }
    s
}

/// Write `diags` (already sorted) in the chosen format. Write errors, including a closed
/// pipe, are returned as they are.
pub fn render(
    out: &mut dyn std::io::Write,
    diags: &[Diagnostic],
    sources: &SourceMap,
    files: &[FileEntry],
    opts: &ReportOptions,
) -> std::io::Result<()> {
    match opts.format {
        Format::Human => human::render(out, diags, sources, files, opts),
        Format::Compact => compact::render(out, diags, sources),
        Format::Json => json::render(out, diags, sources, files),
    }
}

/// `3 files checked: 2 errors, 1 warning, 0 infos`
fn summary_line(s: &Summary) -> String {
    format!(
        "{} checked: {}, {}, {}",
        plural(s.files, "file"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info")
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Where a span is, 1-based, columns in characters.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Position {
    /// The path as the user named it.
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

/// `None` when the span's file is not in the map.
fn position(sources: &SourceMap, span: Span) -> Option<Position> {
    let file = sources.get(span.file)?;
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    Some(Position {
        path: file.path.display().to_string(),
        line,
        column,
        end_line,
        end_column,
    })
}

/// Text for a terminal: control characters (and, unless `newlines`, line breaks) and bidi
/// overrides become visible `\u{..}` escapes. Tabs stay.
fn terminal_text(s: &str, newlines: bool) -> Cow<'_, str> {
    let bad =
        |c: char| c != '\t' && !(newlines && c == '\n') && (c.is_control() || is_bidi_control(c));
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Characters that reorder how the rest of a line displays ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod testing {
    //! Shared fixtures: an Apache file, a password file and a followed file.
    use crate::diag::{Diagnostic, Severity};
    use crate::source::{FileId, FileKind, Origin, SourceMap, Span};

    pub const CONF: &str =
        "<Directory /srv/www/admin>\n    AuthType Basic\n    Require valid-user\n</Directory>\n";
    pub const HASH: &str = "$apr1$abcdefgh$0123456789abcdefghijkl";
    pub const SECRET: &str = "TopSecretDirective";

    pub struct Fixture {
        pub sources: SourceMap,
        pub conf: FileId,
        pub users: FileId,
        pub followed: FileId,
    }

    pub fn fixture() -> Fixture {
        let mut sources = SourceMap::default();
        let conf = sources.add(
            "site/httpd.conf".into(),
            FileKind::ApacheConfig,
            Origin::Linted,
            CONF.to_string(),
        );
        let users = sources.add(
            "site/users".into(),
            FileKind::Htpasswd,
            Origin::Linted,
            format!("alice:{HASH}\n"),
        );
        let followed = sources.add(
            "/etc/secret/inc.conf".into(),
            FileKind::ApacheConfig,
            Origin::Followed,
            format!("# private\n{SECRET} on\n"),
        );
        Fixture {
            sources,
            conf,
            users,
            followed,
        }
    }

    /// Span of `needle` in `hay`.
    pub fn span_of(file: FileId, hay: &str, needle: &str) -> Span {
        let start = hay.find(needle).unwrap_or(0);
        Span::new(file, start, start + needle.len())
    }

    pub fn auth_type(fx: &Fixture) -> Diagnostic {
        Diagnostic::new(
            "AL101",
            "auth-type-without-auth-name",
            Severity::Error,
            "`AuthType` is set but no `AuthName` applies here",
        )
        .at(
            span_of(fx.conf, CONF, "AuthType"),
            "AuthType without AuthName",
        )
        .help("add `AuthName \"restricted\"` in the same section")
    }

    pub fn weak_hash(fx: &Fixture) -> Diagnostic {
        let line = format!("alice:{HASH}\n");
        Diagnostic::new(
            "AL301",
            "weak-hash-format",
            Severity::Warning,
            "user \"alice\": MD5-based apr1 hash",
        )
        .at(span_of(fx.users, &line, HASH), "this entry")
        .help("re-create the entry with bcrypt: htpasswd -B")
    }

    /// Primary in the linted file, a label in the followed one, and the reverse.
    pub fn via_followed(fx: &Fixture) -> [Diagnostic; 2] {
        let text = format!("# private\n{SECRET} on\n");
        let secret = span_of(fx.followed, &text, SECRET);
        [
            Diagnostic::new(
                "AL102",
                "include-overrides-auth",
                Severity::Warning,
                "an included file turns auth off",
            )
            .at(span_of(fx.conf, CONF, "Require"), "Require set here")
            .label(secret, "here"),
            Diagnostic::new(
                "AL103",
                "auth-off-outside",
                Severity::Error,
                "problem (content not shown)",
            )
            .at(secret, "here")
            .label(
                span_of(fx.conf, CONF, "AuthType"),
                "applies to this section",
            ),
        ]
    }

    pub fn skipped() -> Diagnostic {
        Diagnostic::new(
            "AL003",
            "file-too-large",
            Severity::Info,
            "larger than 16 MiB; skipped",
        )
        .on_path("big/huge.conf")
    }

    pub fn global() -> Diagnostic {
        Diagnostic::new(
            "AL005",
            "nothing-to-lint",
            Severity::Warning,
            "no Apache, nginx or password files found",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn sorting_is_deterministic_whatever_the_input_order() {
        let fx = fixture();
        let [a, b] = via_followed(&fx);
        let mut second = auth_type(&fx);
        second.message.push_str(" (again)");
        let all = vec![
            weak_hash(&fx),
            b,
            auth_type(&fx),
            skipped(),
            a,
            global(),
            second,
        ];
        let mut sorted = all.clone();
        sort_diagnostics(&mut sorted, &fx.sources);
        let codes: Vec<&str> = sorted.iter().map(|d| d.code).collect();
        // "" (no path) < "/etc/..." < "big/..." < "site/httpd.conf" (AuthType before Require) < "site/users"
        assert_eq!(
            codes,
            ["AL005", "AL103", "AL003", "AL101", "AL101", "AL102", "AL301"]
        );
        assert!(sorted[4].message.ends_with("(again)"));
        for rotation in 1..all.len() {
            let mut other = all.clone();
            other.rotate_left(rotation);
            other.reverse();
            sort_diagnostics(&mut other, &fx.sources);
            assert_eq!(other, sorted);
        }
    }

    #[test]
    fn summary_counts_and_pluralises() {
        let fx = fixture();
        let diags = [auth_type(&fx), weak_hash(&fx), skipped()];
        let s = summarize(&diags, 3);
        assert_eq!(
            s,
            Summary {
                files: 3,
                errors: 1,
                warnings: 1,
                infos: 1
            }
        );
        assert_eq!(
            summary_line(&s),
            "3 files checked: 1 error, 1 warning, 1 info"
        );
        let s = summarize(&[], 1);
        assert_eq!(
            summary_line(&s),
            "1 file checked: 0 errors, 0 warnings, 0 infos"
        );
    }

    #[test]
    fn positions_are_one_based_character_columns() {
        use crate::source::{FileKind, Origin};
        let text = "x\nAuthName «é» x\n";
        let mut sources = SourceMap::default();
        let id = sources.add(
            "é.conf".into(),
            FileKind::ApacheConfig,
            Origin::Linted,
            text.to_string(),
        );
        let at = |span: Span| {
            position(&sources, span).map(|p| (p.line, p.column, p.end_line, p.end_column))
        };
        let x = span_of(id, text, " x");
        assert_eq!(at(x), Some((2, 13, 2, 15)));
        assert_eq!(at(Span::new(id, 0, x.end as usize)), Some((1, 1, 2, 15)));
        assert_eq!(at(Span::new(id, 0, 2)), Some((1, 1, 2, 1)));
        assert_eq!(at(Span::new(crate::source::FileId(9), 0, 2)), None);
    }

    #[test]
    fn terminal_text_escapes_controls() {
        assert_eq!(terminal_text("a\u{1b}[31mb\tc", false), "a\\u{1b}[31mb\tc");
        assert_eq!(terminal_text("a\nb", false), "a\\u{a}b");
        assert_eq!(terminal_text("a\nb\u{202e}", true), "a\nb\\u{202e}");
        assert!(matches!(terminal_text("plain", false), Cow::Borrowed(_)));
    }

    fn every_format(diags: &[Diagnostic], sources: &SourceMap) -> Vec<String> {
        let files = [FileEntry {
            path: "site/users".into(),
            kind: "htpasswd",
        }];
        [Format::Human, Format::Compact, Format::Json]
            .into_iter()
            .map(|format| {
                let opts = ReportOptions {
                    format,
                    color: false,
                    width: 80,
                    links: false,
                    quiet: false,
                };
                let mut out = Vec::new();
                assert!(render(&mut out, diags, sources, &files, &opts).is_ok());
                String::from_utf8_lossy(&out).into_owned()
            })
            .collect()
    }

    #[test]
    fn password_hash_never_reaches_any_format() {
        use crate::source::{FileKind, Origin};
        let hash = "$apr1$abcdefgh$0123456789abcdefghijkl";
        let mut sources = SourceMap::default();
        let users = sources.add(
            "users".into(),
            FileKind::Htpasswd,
            Origin::Linted,
            format!("alice:{hash}\nbob:{{SHA}}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n"),
        );
        let conf = sources.add(
            "site.conf".into(),
            FileKind::ApacheConfig,
            Origin::Linted,
            "AuthUserFile users\n".into(),
        );
        let whole_line = Span::new(users, 0, 6 + hash.len());
        let diags = [
            Diagnostic::new(
                "AL301",
                "weak-hash-format",
                Severity::Warning,
                "user \"alice\": apr1 hash",
            )
            .at(whole_line, "entry"),
            Diagnostic::new(
                "AL302",
                "weak-hash-format",
                Severity::Warning,
                "user \"bob\": SHA-1 hash",
            )
            .at(
                Span::new(users, 6 + hash.len() + 1, 6 + hash.len() + 40),
                "entry",
            ),
            Diagnostic::new(
                "AL104",
                "user-file",
                Severity::Error,
                "file referenced here",
            )
            .at(Span::new(conf, 13, 18), "this file")
            .label(whole_line, "alice defined here"),
        ];
        for out in every_format(&diags, &sources) {
            assert!(
                !out.contains(hash) && !out.contains("abcdefgh") && !out.contains("qUqP5"),
                "{out}"
            );
            assert!(out.contains("users"), "{out}");
        }
    }

    #[test]
    fn followed_content_never_reaches_any_format() {
        use crate::source::{FileKind, Origin};
        let fx = fixture();
        let mut sources = fx.sources;
        let hidden_users = sources.add(
            "/etc/hidden/users".into(),
            FileKind::Htpasswd,
            Origin::Followed,
            "carol:plain-password\n".into(),
        );
        let [a, b] = via_followed(&fixture());
        let c = Diagnostic::new(
            "AL305",
            "plaintext-password",
            Severity::Error,
            "user entry in a followed file",
        )
        .at(Span::new(hidden_users, 0, 20), "here")
        .label(Span::new(fx.followed, 10, 28), "here");
        for out in every_format(&[a, b, c], &sources) {
            for secret in [SECRET, "private", "carol", "plain-password"] {
                assert!(!out.contains(secret), "{secret:?} in\n{out}");
            }
            assert!(
                out.contains("/etc/secret/inc.conf") && out.contains("/etc/hidden/users"),
                "{out}"
            );
        }
    }
}
