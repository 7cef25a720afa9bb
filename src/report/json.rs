//! `json`: exactly one pretty-printed document per run, for tools. Version 1 schema:
//!
//! ```text
//! { "version": 1,
//!   "files": [ { "path", "kind" } ],                       // files linted, in order
//!   "diagnostics": [ { "code", "name", "severity", "message",
//!                      "file", "line", "column", "end_line", "end_column",
//!                      "help",
//!                      "labels": [ { "file", "line", "column", "end_line", "end_column", "text" } ] } ],
//!   "summary": { "files", "errors", "warnings", "infos" } }
//! ```
//!
//! Lines and columns are 1-based, columns count characters, `end_*` is where the span
//! ends. `file` is the path as the user named it; `file` and the positions are `null` when
//! a finding has no location (a path-only finding has `file` and `null` positions), `help`
//! is `null` when there is none. `labels` holds every label, the primary first. Fields are
//! only ever added, under a new version. The document carries positions, never source
//! text: no snippet, no hash, nothing of a followed file.

use super::{position, summarize, FileEntry, Position, Summary};
use crate::diag::{Diagnostic, Label};
use crate::source::SourceMap;
use serde::Serialize;
use std::io::{self, Write};

/// Bumped on any change that is not a pure addition.
const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    files: Vec<JsonFile<'a>>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    kind: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    text: &'a str,
}

pub(super) fn render(
    out: &mut dyn Write,
    diags: &[Diagnostic],
    sources: &SourceMap,
    files: &[FileEntry],
) -> io::Result<()> {
    let doc = Document {
        version: VERSION,
        files: files
            .iter()
            .map(|f| JsonFile {
                path: &f.path,
                kind: f.kind,
            })
            .collect(),
        diagnostics: diags.iter().map(|d| diagnostic(d, sources)).collect(),
        summary: summarize(diags, files.len()),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn diagnostic<'a>(d: &'a Diagnostic, sources: &SourceMap) -> JsonDiagnostic<'a> {
    let at = d.span().and_then(|s| position(sources, s));
    let file = at
        .as_ref()
        .map(|p| p.path.clone())
        .or_else(|| d.path.clone());
    let (line, column, end_line, end_column) = numbers(at.as_ref());
    JsonDiagnostic {
        code: d.code,
        name: d.name,
        severity: d.severity.as_str(),
        message: &d.message,
        file,
        line,
        column,
        end_line,
        end_column,
        help: d.help.as_deref(),
        labels: d
            .primary
            .iter()
            .chain(&d.labels)
            .map(|l| label(l, sources))
            .collect(),
    }
}

fn label<'a>(l: &'a Label, sources: &SourceMap) -> JsonLabel<'a> {
    let at = position(sources, l.span);
    let (line, column, end_line, end_column) = numbers(at.as_ref());
    JsonLabel {
        file: at.map(|p| p.path),
        line,
        column,
        end_line,
        end_column,
        text: &l.text,
    }
}

type Numbers = (Option<usize>, Option<usize>, Option<usize>, Option<usize>);

fn numbers(at: Option<&Position>) -> Numbers {
    match at {
        Some(p) => (
            Some(p.line),
            Some(p.column),
            Some(p.end_line),
            Some(p.end_column),
        ),
        None => (None, None, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{render, FileEntry, Format, ReportOptions};
    use crate::diag::Diagnostic;
    use crate::source::SourceMap;
    use serde_json::{json, Value};

    fn to_json(diags: &[Diagnostic], sources: &SourceMap, files: &[FileEntry]) -> (String, Value) {
        let opts = ReportOptions {
            format: Format::Json,
            color: true,
            width: 80,
            links: true,
            quiet: true,
        };
        let mut out = Vec::new();
        assert!(render(&mut out, diags, sources, files, &opts).is_ok());
        let text = String::from_utf8_lossy(&out).into_owned();
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        (text, value)
    }

    fn files() -> Vec<FileEntry> {
        vec![
            FileEntry {
                path: "site/httpd.conf".into(),
                kind: "apache",
            },
            FileEntry {
                path: "site/users".into(),
                kind: "htpasswd",
            },
        ]
    }

    #[test]
    fn document_shape_and_values() {
        let fx = fixture();
        let [a, _] = via_followed(&fx);
        let (text, v) = to_json(
            &[skipped(), auth_type(&fx), a, global()],
            &fx.sources,
            &files(),
        );
        assert!(
            text.ends_with("}\n") && text.starts_with("{\n  \"version\": 1,"),
            "{text}"
        );
        // serde_json's map sorts keys: check the written order on the text, the set here.
        let order: Vec<Option<usize>> =
            ["\"version\"", "\"files\"", "\"diagnostics\"", "\"summary\""]
                .iter()
                .map(|k| text.find(k))
                .collect();
        assert!(
            order.iter().all(Option::is_some) && order.windows(2).all(|w| w[0] < w[1]),
            "{text}"
        );
        let keys = |v: &Value| {
            let mut k = v
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            k.sort();
            k
        };
        assert_eq!(keys(&v), ["diagnostics", "files", "summary", "version"]);
        assert_eq!(v["version"], 1);
        assert_eq!(
            v["files"],
            json!([{"path": "site/httpd.conf", "kind": "apache"}, {"path": "site/users", "kind": "htpasswd"}])
        );
        assert_eq!(
            v["summary"],
            json!({"files": 2, "errors": 1, "warnings": 2, "infos": 1})
        );
        let d = &v["diagnostics"];
        assert_eq!(
            keys(&d[1]),
            [
                "code",
                "column",
                "end_column",
                "end_line",
                "file",
                "help",
                "labels",
                "line",
                "message",
                "name",
                "severity"
            ]
        );
        assert_eq!(
            d[0],
            json!({"code": "AL003", "name": "file-too-large", "severity": "info",
                   "message": "larger than 16 MiB; skipped", "file": "big/huge.conf",
                   "line": null, "column": null, "end_line": null, "end_column": null,
                   "help": null, "labels": []})
        );
        assert_eq!(
            d[1],
            json!({"code": "AL101", "name": "auth-type-without-auth-name", "severity": "error",
                   "message": "`AuthType` is set but no `AuthName` applies here", "file": "site/httpd.conf",
                   "line": 2, "column": 5, "end_line": 2, "end_column": 13,
                   "help": "add `AuthName \"restricted\"` in the same section",
                   "labels": [{"file": "site/httpd.conf", "line": 2, "column": 5, "end_line": 2, "end_column": 13,
                               "text": "AuthType without AuthName"}]})
        );
        assert_eq!(
            d[2]["labels"][1],
            json!({"file": "/etc/secret/inc.conf", "line": 2, "column": 1, "end_line": 2, "end_column": 19, "text": "here"})
        );
        assert_eq!(d[3]["file"], Value::Null);
        assert_eq!(d[3]["line"], Value::Null);
    }

    #[test]
    fn empty_run_is_still_one_document() {
        let (text, v) = to_json(&[], &SourceMap::default(), &[]);
        assert_eq!(
            v,
            json!({"version": 1, "files": [], "diagnostics": [], "summary": {"files": 0, "errors": 0, "warnings": 0, "infos": 0}})
        );
        assert_eq!(text.matches('\n').count(), text.lines().count());
    }

    #[test]
    fn no_source_text_hash_or_followed_content() {
        let fx = fixture();
        let [a, b] = via_followed(&fx);
        let (text, _) = to_json(
            &[weak_hash(&fx), a, b, auth_type(&fx)],
            &fx.sources,
            &files(),
        );
        assert!(
            !text.contains(HASH) && !text.contains("apr1$") && !text.contains(SECRET),
            "{text}"
        );
        assert!(
            !text.contains("private") && !text.contains("Require valid-user"),
            "{text}"
        );
    }
}
