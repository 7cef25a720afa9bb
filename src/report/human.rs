//! `human`: miette's graphical report per finding, then one summary line.
//!
//! Snippets come from [`SourceFile::display_text`] (password hashes masked), with control
//! and bidi characters replaced byte for byte so spans still fit and nothing reaches the
//! terminal raw. A file followed from outside the linted paths never gets a snippet: its
//! positions are written as `at path:line:col`. Labels in another file than the primary's
//! become related notes with their own snippet (or position line).

use super::{position, summarize, summary_line, terminal_text, FileEntry, ReportOptions};
use crate::diag::{Diagnostic, Label, Severity};
use crate::source::{FileId, Origin, SourceFile, SourceMap, Span};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, NamedSource, SourceCode,
    SourceSpan, SpanContents,
};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

/// Infos of one code shown in full; the rest are counted.
const MAX_INFOS_PER_CODE: usize = 10;

/// Narrower than this and miette's boxes stop making sense.
const MIN_WIDTH: usize = 40;

pub(super) fn render(
    out: &mut dyn Write,
    diags: &[Diagnostic],
    sources: &SourceMap,
    files: &[FileEntry],
    opts: &ReportOptions,
) -> io::Result<()> {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width.max(MIN_WIDTH))
        .with_links(opts.links);
    let mut texts = Texts::default();
    // Hints of one kind past the first few only bury the rest: count them instead.
    let mut shown_infos: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut hidden: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    let mut first = true;
    for d in diags {
        if d.severity == crate::diag::Severity::Info {
            let n = shown_infos.entry(d.code).or_default();
            *n += 1;
            if *n > MAX_INFOS_PER_CODE {
                *hidden.entry((d.code, d.name)).or_default() += 1;
                continue;
            }
        }
        if !first {
            writeln!(out)?;
        }
        first = false;
        let mut text = String::new();
        handler
            .render_report(&mut text, &Report::of(d, sources, &mut texts))
            .map_err(|_| io::Error::other("could not format a diagnostic"))?;
        for line in text.lines() {
            // miette leaves a space after `Advice:` and the like.
            writeln!(out, "{}", line.trim_end_matches(' '))?;
        }
    }
    for ((code, name), n) in &hidden {
        writeln!(out)?;
        writeln!(
            out,
            "... and {n} more {code} ({name}) not shown; --format compact or json lists them all"
        )?;
    }
    if !opts.quiet {
        if !diags.is_empty() {
            writeln!(out)?;
        }
        writeln!(out, "{}", summary_line(&summarize(diags, files.len())))?;
    }
    Ok(())
}

/// One finding (or one related note) as miette sees it. Holds only displayable text.
struct Report {
    code: Option<String>,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<Shown>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

/// The displayable text of each file, made once per run rather than once per finding.
#[derive(Default)]
struct Texts(BTreeMap<FileId, Arc<ShownText>>);

impl Texts {
    /// Only for files whose snippets may be shown (see [`snippet_allowed`]).
    fn source(&mut self, src: &SourceFile) -> NamedSource<Shown> {
        let text = self
            .0
            .entry(src.id)
            .or_insert_with(|| Arc::new(ShownText::new(same_length_safe(&src.display_text()))))
            .clone();
        let name = terminal_text(&src.path.display().to_string(), false).into_owned();
        NamedSource::new(name, Shown { text })
    }
}

impl Report {
    fn of(d: &Diagnostic, sources: &SourceMap, texts: &mut Texts) -> Report {
        let mut report = Report {
            code: Some(format!("{} {}", d.code, d.name)),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            },
            message: terminal_text(&d.message, true).into_owned(),
            help: d
                .help
                .as_deref()
                .map(|h| terminal_text(h, true).into_owned()),
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        let main = d
            .span()
            .map(|s| s.file)
            .filter(|f| sources.get(*f).is_some());
        if main.is_none() {
            if let Some(path) = &d.path {
                report.message = format!("{}: {}", terminal_text(path, false), report.message);
            }
        }
        for (file, labels) in by_file(d) {
            let Some(src) = sources.get(file) else {
                continue;
            };
            if Some(file) == main {
                if snippet_allowed(src) {
                    let source = texts.source(src);
                    report.labels = labeled_spans(&source.inner().text.text, &labels);
                    report.source = Some(source);
                } else {
                    for (label, _) in &labels {
                        report.message.push('\n');
                        report.message.push_str(&at_line(sources, label));
                    }
                }
            } else {
                report
                    .related
                    .push(Report::note(sources, src, &labels, texts));
            }
        }
        report
    }

    /// Labels in a file other than the primary's.
    fn note(
        sources: &SourceMap,
        src: &SourceFile,
        labels: &[(&Label, bool)],
        texts: &mut Texts,
    ) -> Report {
        let path = terminal_text(&src.path.display().to_string(), false).into_owned();
        let mut note = Report {
            code: None,
            severity: miette::Severity::Advice,
            message: String::new(),
            help: None,
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        if snippet_allowed(src) {
            let source = texts.source(src);
            note.message = format!("see also {path}");
            note.labels = labeled_spans(&source.inner().text.text, labels);
            note.source = Some(source);
        } else {
            let lines: Vec<String> = labels.iter().map(|(l, _)| at_line(sources, l)).collect();
            note.message = format!(
                "{}\n(not shown: outside the linted paths)",
                lines.join("\n")
            );
        }
        note
    }
}

/// Labels grouped by file, files in order of first appearance, the primary first.
fn by_file(d: &Diagnostic) -> Vec<(FileId, Vec<(&Label, bool)>)> {
    let mut groups: Vec<(FileId, Vec<(&Label, bool)>)> = Vec::new();
    let all = d
        .primary
        .iter()
        .map(|l| (l, true))
        .chain(d.labels.iter().map(|l| (l, false)));
    for (label, primary) in all {
        match groups.iter_mut().find(|(f, _)| *f == label.span.file) {
            Some((_, group)) => group.push((label, primary)),
            None => groups.push((label.span.file, vec![(label, primary)])),
        }
    }
    groups
}

/// Followed files are located, never quoted. Password files are shown masked.
fn snippet_allowed(src: &SourceFile) -> bool {
    src.origin == Origin::Linted
}

/// `at path:line:col`, with the label text unless it only says "here".
fn at_line(sources: &SourceMap, label: &Label) -> String {
    let Some(p) = position(sources, label.span) else {
        return "at an unknown location".to_string();
    };
    let mut line = format!(
        "at {}:{}:{}",
        terminal_text(&p.path, false),
        p.line,
        p.column
    );
    let text = label.text.trim();
    if !text.is_empty() && text != "here" {
        line.push_str(": ");
        line.push_str(&terminal_text(text, false));
    }
    line
}

fn labeled_spans(shown: &str, labels: &[(&Label, bool)]) -> Vec<LabeledSpan> {
    labels
        .iter()
        .map(|(l, primary)| {
            let text = Some(terminal_text(&l.text, false).into_owned()).filter(|t| !t.is_empty());
            let span = clamp(shown, l.span);
            if *primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })
        .collect()
}

/// A span that fits the shown text and falls on its character boundaries.
fn clamp(text: &str, span: Span) -> SourceSpan {
    let mut start = (span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    SourceSpan::new(start.into(), end - start)
}

/// Replace characters that would act on the terminal with visible ones of the same UTF-8
/// length, so every byte offset still holds: controls (tab and line breaks excepted; a
/// lone `\r` too, which miette would count as a line break where we do not) and bidi
/// overrides.
fn same_length_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let keep = match c {
            '\t' | '\n' => true,
            '\r' => chars.peek() == Some(&'\n'),
            _ => !c.is_control() && !super::is_bidi_control(c),
        };
        out.push(if keep {
            c
        } else {
            match c.len_utf8() {
                1 => '?',
                2 => '\u{00bf}',
                _ => '\u{fffd}',
            }
        });
    }
    out
}

/// A file's displayable text with its line starts, shared by every finding in it.
struct ShownText {
    text: String,
    line_starts: Vec<usize>,
}

impl ShownText {
    fn new(text: String) -> ShownText {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        ShownText { text, line_starts }
    }
    /// 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }
}

/// Shown text whose reported columns count characters, as ours do (miette counts bytes).
/// Snippets are cut from a window of the lines around the span, so a finding in a large
/// file costs the lines it shows, not the whole file.
struct Shown {
    text: Arc<ShownText>,
}

impl SourceCode for Shown {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let t = &self.text;
        let start = span.offset().min(t.text.len());
        let end = (start + span.len()).min(t.text.len());
        let first = t.line_of(start).saturating_sub(before);
        let last = t.line_of(end.saturating_sub(1).max(start)) + after;
        let w_start = t.line_starts.get(first).copied().unwrap_or(0);
        let w_end = t
            .line_starts
            .get(last + 1)
            .copied()
            .unwrap_or(t.text.len())
            .max(end);
        let window = t.text.get(w_start..w_end).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((start - w_start).into(), end - start);
        let inner = <str as SourceCode>::read_span(window, &local, before, after)?;
        let offset = inner.span().offset() + w_start;
        let column = t
            .text
            .get(t.line_starts.get(t.line_of(offset)).copied().unwrap_or(0)..offset)
            .map(|head| head.chars().count())
            .unwrap_or_else(|| inner.column());
        Ok(Box::new(CharColumn {
            span: SourceSpan::new(offset.into(), inner.span().len()),
            line: inner.line() + first,
            inner,
            column,
        }))
    }
}

struct CharColumn<'a> {
    inner: Box<dyn SpanContents<'a> + 'a>,
    span: SourceSpan,
    line: usize,
    column: usize,
}

impl<'a> SpanContents<'a> for CharColumn<'a> {
    fn data(&self) -> &'a [u8] {
        self.inner.data()
    }
    fn span(&self) -> &SourceSpan {
        &self.span
    }
    fn name(&self) -> Option<&str> {
        self.inner.name()
    }
    fn line(&self) -> usize {
        self.line
    }
    fn column(&self) -> usize {
        self.column
    }
    fn line_count(&self) -> usize {
        self.inner.line_count()
    }
    fn language(&self) -> Option<&str> {
        self.inner.language()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the source text.
        f.debug_struct("Report")
            .field("code", &self.code)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        // No labels without our own source: miette would read them from a parent's file.
        if self.labels.is_empty() || self.source.is_none() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{render, FileEntry, Format, ReportOptions};
    use crate::diag::{Diagnostic, Severity};
    use crate::source::{FileId, FileKind, Origin, SourceMap, Span};

    fn render_with(
        diags: &[Diagnostic],
        sources: &SourceMap,
        files: usize,
        quiet: bool,
        color: bool,
    ) -> String {
        let opts = ReportOptions {
            format: Format::Human,
            color,
            width: 80,
            links: false,
            quiet,
        };
        let files: Vec<FileEntry> = (0..files)
            .map(|i| FileEntry {
                path: format!("f{i}"),
                kind: "apache",
            })
            .collect();
        let mut out = Vec::new();
        assert!(render(&mut out, diags, sources, &files, &opts).is_ok());
        String::from_utf8_lossy(&out).into_owned()
    }

    fn human(diags: &[Diagnostic], sources: &SourceMap, files: usize, quiet: bool) -> String {
        render_with(diags, sources, files, quiet, false)
    }

    #[test]
    fn snapshot_of_one_finding() {
        let fx = fixture();
        insta::assert_snapshot!(human(&[auth_type(&fx)], &fx.sources, 2, false), @r#"
        AL101 auth-type-without-auth-name

          × `AuthType` is set but no `AuthName` applies here
           ╭─[site/httpd.conf:2:5]
         1 │ <Directory /srv/www/admin>
         2 │     AuthType Basic
           ·     ────┬───
           ·         ╰── AuthType without AuthName
         3 │     Require valid-user
           ╰────
          help: add `AuthName "restricted"` in the same section

        2 files checked: 1 error, 0 warnings, 0 infos
        "#);
    }

    #[test]
    fn shows_code_name_message_label_snippet_help_and_summary() {
        let fx = fixture();
        let out = human(&[auth_type(&fx), weak_hash(&fx)], &fx.sources, 3, false);
        for part in [
            "AL101 auth-type-without-auth-name",
            "× `AuthType` is set but no `AuthName` applies here",
            "[site/httpd.conf:2:5]",
            " 2 │     AuthType Basic",
            "╰── AuthType without AuthName",
            "help: add `AuthName \"restricted\"` in the same section",
            "AL301 weak-hash-format",
            "⚠ user \"alice\": MD5-based apr1 hash",
            "\n\n3 files checked: 1 error, 1 warning, 0 infos\n",
        ] {
            assert!(out.contains(part), "missing {part:?} in\n{out}");
        }
        assert!(
            out.ends_with("0 infos\n") && !out.contains('\u{1b}'),
            "{out}"
        );
    }

    #[test]
    fn password_snippet_is_masked() {
        let fx = fixture();
        let out = human(&[weak_hash(&fx)], &fx.sources, 1, true);
        assert!(
            out.contains(" 1 │ alice:*****") && out.contains("╰── this entry"),
            "{out}"
        );
        assert!(!out.contains(HASH) && !out.contains("$apr1$"), "{out}");
    }

    #[test]
    fn followed_file_is_located_never_quoted() {
        let fx = fixture();
        let [a, b] = via_followed(&fx);
        let out = human(&[a, b], &fx.sources, 1, true);
        // Primary in the followed file: a position line, the other file's label as a note.
        assert!(
            out.contains("× problem (content not shown)\n  │ at /etc/secret/inc.conf:2:1\n"),
            "{out}"
        );
        assert!(
            out.contains("☞ see also site/httpd.conf")
                && out.contains("╰── applies to this section"),
            "{out}"
        );
        // A label in the followed file: a note with its position.
        assert!(
            out.contains(
                "☞ at /etc/secret/inc.conf:2:1\n  │ (not shown: outside the linted paths)"
            ),
            "{out}"
        );
        assert!(
            !out.contains(SECRET) && !out.contains("private") && !out.contains("***"),
            "{out}"
        );
    }

    #[test]
    fn findings_without_a_span() {
        let out = human(&[skipped(), global()], &SourceMap::default(), 0, false);
        assert!(
            out.contains(
                "AL003 file-too-large\n\n  ☞ big/huge.conf: larger than 16 MiB; skipped\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("AL005 nothing-to-lint\n\n  ⚠ no Apache, nginx or password files found\n"),
            "{out}"
        );
        assert!(
            out.ends_with("\n\n0 files checked: 0 errors, 1 warning, 1 info\n"),
            "{out}"
        );
    }

    #[test]
    fn quiet_drops_only_the_summary() {
        let fx = fixture();
        assert_eq!(
            human(&[], &fx.sources, 2, false),
            "2 files checked: 0 errors, 0 warnings, 0 infos\n"
        );
        assert_eq!(human(&[], &fx.sources, 2, true), "");
        let out = human(&[auth_type(&fx)], &fx.sources, 2, true);
        assert!(
            out.starts_with("AL101") && out.ends_with("in the same section\n"),
            "{out}"
        );
    }

    #[test]
    fn infos_of_one_code_past_ten_are_counted_not_shown() {
        let fx = fixture();
        let info = |i: usize| {
            Diagnostic::new(
                "AL005",
                "unresolved-path",
                crate::diag::Severity::Info,
                format!("hint number {i}"),
            )
        };
        let diags: Vec<Diagnostic> = (0..12).map(info).collect();
        let out = human(&diags, &fx.sources, 1, false);
        assert!(
            out.contains("hint number 9") && !out.contains("hint number 10"),
            "{out}"
        );
        assert!(
            out.contains("... and 2 more AL005 (unresolved-path) not shown"),
            "{out}"
        );
        assert!(out.ends_with("0 errors, 0 warnings, 12 infos\n"), "{out}");
    }

    #[test]
    fn color_only_when_asked() {
        let fx = fixture();
        assert!(render_with(&[auth_type(&fx)], &fx.sources, 1, false, true).contains("\u{1b}["));
        assert!(!render_with(&[auth_type(&fx)], &fx.sources, 1, false, false).contains('\u{1b}'));
    }

    #[test]
    fn hostile_text_is_neutralised_and_columns_count_characters() {
        let text = "a\u{1b}[2Jb\r\nAuthName «é» x\rY\n\u{202e}zz";
        let mut sources = SourceMap::default();
        let id = sources.add(
            "u.conf".into(),
            FileKind::ApacheConfig,
            Origin::Linted,
            text.into(),
        );
        let x = span_of(id, text, " x");
        let d = Diagnostic::new("AL001", "syntax-error", Severity::Error, "bad \u{1b}[31m")
            .at(x, "x here")
            .label(Span::new(id, 0, 3), "esc");
        let out = human(&[d], &sources, 1, true);
        assert!(out.contains("[u.conf:2:13]"), "{out}");
        assert!(
            out.contains(" 1 │ a?[2Jb\n") && out.contains(" 2 │ AuthName «é» x?Y\n"),
            "{out}"
        );
        assert!(
            out.contains(" 3 │ \u{fffd}zz\n") && out.contains("× bad \\u{1b}[31m"),
            "{out}"
        );
        assert!(
            !out.contains('\u{1b}') && !out.contains('\r') && !out.contains('\u{202e}'),
            "{out}"
        );
    }

    #[test]
    fn odd_spans_still_render() {
        let text = "AuthName «é»\n";
        let mut sources = SourceMap::default();
        let id = sources.add(
            "o.conf".into(),
            FileKind::ApacheConfig,
            Origin::Linted,
            text.into(),
        );
        let mid = text.find('é').unwrap_or(0) + 1;
        let diags = [
            Diagnostic::new("AL1", "at-end", Severity::Error, "at end")
                .at(Span::new(id, text.len(), text.len()), "end"),
            Diagnostic::new("AL2", "past-end", Severity::Error, "past end")
                .at(Span::new(id, 99, 120), "past"),
            Diagnostic::new("AL3", "mid-char", Severity::Error, "mid char")
                .at(Span::new(id, mid, mid + 1), "mid"),
            Diagnostic::new("AL4", "empty", Severity::Error, "empty")
                .at(Span::new(id, 2, 2), "point"),
            Diagnostic::new("AL5", "lost", Severity::Error, "lost file")
                .at(Span::new(FileId(9), 0, 1), "x")
                .on_path("p"),
        ];
        let out = human(&diags, &sources, 1, true);
        assert!(
            out.contains("[o.conf:1:11]") && out.contains("╰── mid"),
            "{out}"
        );
        assert!(
            out.contains("[o.conf:1:3]") && out.contains("╰── point"),
            "{out}"
        );
        assert!(out.contains("× p: lost file"), "{out}");
        assert!(!out.contains("Failed to read"), "{out}");
    }
}
