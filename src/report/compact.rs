//! `compact`: one line per finding, `path:line:col: severity[CODE]: message`, for editors
//! and grep. Positions only, never source text; paths and messages are escaped so each
//! finding stays on exactly one line. No summary line.

use super::{position, terminal_text};
use crate::diag::Diagnostic;
use crate::source::SourceMap;
use std::io::{self, Write};

pub(super) fn render(
    out: &mut dyn Write,
    diags: &[Diagnostic],
    sources: &SourceMap,
) -> io::Result<()> {
    for d in diags {
        writeln!(out, "{}", line(d, sources))?;
    }
    Ok(())
}

fn line(d: &Diagnostic, sources: &SourceMap) -> String {
    let tail = format!(
        "{}[{}]: {}",
        d.severity.as_str(),
        d.code,
        terminal_text(&d.message, false)
    );
    match (d.span().and_then(|s| position(sources, s)), &d.path) {
        (Some(p), _) => format!(
            "{}:{}:{}: {tail}",
            terminal_text(&p.path, false),
            p.line,
            p.column
        ),
        (None, Some(path)) => format!("{}:1:1: {tail}", terminal_text(path, false)),
        (None, None) => format!("authlint: {tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{render, Format, ReportOptions};
    use crate::diag::{Diagnostic, Severity};
    use crate::source::{FileKind, Origin, SourceMap, Span};

    fn compact(diags: &[Diagnostic], sources: &SourceMap) -> String {
        let opts = ReportOptions {
            format: Format::Compact,
            color: true,
            width: 80,
            links: true,
            quiet: false,
        };
        let mut out = Vec::new();
        let rendered = render(&mut out, diags, sources, &[], &opts);
        assert!(rendered.is_ok());
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn one_exact_line_per_finding() {
        let fx = fixture();
        let [a, b] = via_followed(&fx);
        let out = compact(
            &[global(), b, skipped(), auth_type(&fx), a, weak_hash(&fx)],
            &fx.sources,
        );
        assert_eq!(
            out,
            "authlint: warning[AL005]: no Apache, nginx or password files found\n\
             /etc/secret/inc.conf:2:1: error[AL103]: problem (content not shown)\n\
             big/huge.conf:1:1: info[AL003]: larger than 16 MiB; skipped\n\
             site/httpd.conf:2:5: error[AL101]: `AuthType` is set but no `AuthName` applies here\n\
             site/httpd.conf:3:5: warning[AL102]: an included file turns auth off\n\
             site/users:1:7: warning[AL301]: user \"alice\": MD5-based apr1 hash\n"
        );
        assert!(!out.contains(HASH) && !out.contains(SECRET));
    }

    #[test]
    fn no_summary_and_nothing_for_no_findings() {
        let fx = fixture();
        assert_eq!(compact(&[], &fx.sources), "");
    }

    #[test]
    fn hostile_paths_and_messages_stay_on_one_line() {
        let mut sources = SourceMap::default();
        let id = sources.add(
            "evil\n\u{1b}[2J.conf".into(),
            FileKind::Htaccess,
            Origin::Linted,
            "AuthType x\n".into(),
        );
        let d = Diagnostic::new(
            "AL001",
            "syntax-error",
            Severity::Error,
            "bad `\u{1b}]0;pwn\u{7}`\nnext",
        )
        .at(Span::new(id, 0, 8), "here");
        let out = compact(&[d], &sources);
        assert_eq!(
            out,
            "evil\\u{a}\\u{1b}[2J.conf:1:1: error[AL001]: bad `\\u{1b}]0;pwn\\u{7}`\\u{a}next\n"
        );
    }
}
