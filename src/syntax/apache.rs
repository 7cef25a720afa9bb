//! Apache configuration syntax (server configs and `.htaccess` alike).
//!
//! Tokenising follows `ap_getword_conf()`: quotes count only at the start of a word, `\"`
//! and `\\` are the escapes inside them, `#` is a comment only where a directive could
//! start, and backslash-newline joins lines with nothing inserted. `${VAR}` stays as text.
//! Sections are paired here with an explicit stack bounded by [`super::MAX_DEPTH`]; a
//! mismatched or unclosed section is an AL001 with two labels.

use super::{Word, MAX_DEPTH};
use crate::diag::{Diagnostic, Severity};
use crate::source::{FileId, Span};
use pest::Parser as _;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "../grammar/apache.pest"]
struct ApacheGrammar;

/// A directive line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The name as written.
    pub name: String,
    /// The name lowercased: Apache matches names case-insensitively.
    pub key: String,
    pub name_span: Span,
    pub args: Vec<Word>,
    /// The whole directive, continuation lines included.
    pub span: Span,
}

impl Directive {
    /// The argument texts.
    pub fn arg_texts(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|w| w.text.as_str())
    }
    pub fn arg(&self, i: usize) -> Option<&Word> {
        self.args.get(i)
    }
    /// The span of the arguments, or of the name when there are none.
    pub fn args_span(&self) -> Span {
        match (self.args.first(), self.args.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => self.name_span,
        }
    }
}

/// `<Name args>` ... `</Name>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// Lowercased name.
    pub key: String,
    pub name_span: Span,
    pub args: Vec<Word>,
    /// The opening line `<Name args>`.
    pub open_span: Span,
    /// The closing `</Name>`; `None` when it was missing (an AL001 was reported).
    pub close_span: Option<Span>,
    pub body: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Directive(Directive),
    Section(Section),
}

/// A parsed file.
#[derive(Clone, Debug, Default)]
pub struct ApacheAst {
    pub file: FileId,
    pub nodes: Vec<Node>,
    /// AL001 diagnostics.
    pub errors: Vec<Diagnostic>,
}

fn syntax_error(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new("AL001", "syntax-error", Severity::Error, message)
}

/// One line as the grammar sees it, before sections are paired.
enum Line {
    Directive(Directive),
    Open {
        name: String,
        key: String,
        name_span: Span,
        args: Vec<Word>,
        span: Span,
    },
    Close {
        key: String,
        name: String,
        span: Span,
    },
    Bad(Span),
}

/// Parse one Apache file. Never panics; errors are AL001 diagnostics in the result.
pub fn parse(file: FileId, text: &str) -> ApacheAst {
    let mut ast = ApacheAst {
        file,
        nodes: Vec::new(),
        errors: Vec::new(),
    };
    let lines = match lex_lines(file, text) {
        Ok(lines) => lines,
        Err(pos) => {
            // The grammar has a catch-all line, so this is not expected; stay graceful.
            let span = Span::new(file, pos, (pos + 1).min(text.len()));
            ast.errors
                .push(syntax_error("this line could not be read").at(span, "here"));
            return ast;
        }
    };
    pair_sections(&mut ast, lines, text);
    ast
}

fn lex_lines(file: FileId, text: &str) -> Result<Vec<Line>, usize> {
    let pairs = match ApacheGrammar::parse(Rule::file, text) {
        Ok(p) => p,
        Err(e) => {
            let pos = match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((s, _)) => s,
            };
            return Err(pos);
        }
    };
    let mut lines = Vec::new();
    for file_pair in pairs {
        for pair in file_pair.into_inner() {
            let span = Span::new(file, pair.as_span().start(), pair.as_span().end());
            match pair.as_rule() {
                Rule::directive => {
                    let mut inner = pair.into_inner();
                    let Some(name_pair) = inner.next() else {
                        continue;
                    };
                    let name = unescape_bare(name_pair.as_str());
                    let name_span =
                        Span::new(file, name_pair.as_span().start(), name_pair.as_span().end());
                    let args = inner.map(|p| lower_word(file, p)).collect();
                    lines.push(Line::Directive(Directive {
                        key: name.to_ascii_lowercase(),
                        name,
                        name_span,
                        args,
                        span,
                    }));
                }
                Rule::section_start => {
                    let mut inner = pair.into_inner();
                    let Some(name_pair) = inner.next() else {
                        continue;
                    };
                    let name = strip_cont(name_pair.as_str());
                    let name_span =
                        Span::new(file, name_pair.as_span().start(), name_pair.as_span().end());
                    let args = inner
                        .filter(|p| p.as_rule() != Rule::section_gt)
                        .map(|p| lower_word(file, p))
                        .collect();
                    lines.push(Line::Open {
                        key: name.to_ascii_lowercase(),
                        name,
                        name_span,
                        args,
                        span,
                    });
                }
                Rule::section_end => {
                    let name = pair
                        .into_inner()
                        .next()
                        .map(|p| strip_cont(p.as_str()))
                        .unwrap_or_default();
                    lines.push(Line::Close {
                        key: name.to_ascii_lowercase(),
                        name,
                        span,
                    });
                }
                Rule::bad_line => lines.push(Line::Bad(span)),
                _ => {}
            }
        }
    }
    Ok(lines)
}

fn lower_word(file: FileId, pair: pest::iterators::Pair<'_, Rule>) -> Word {
    let raw = pair.as_str();
    let span = Span::new(file, pair.as_span().start(), pair.as_span().end());
    let quoted = pair.as_rule() == Rule::quoted;
    let text = if quoted {
        unescape_quoted(raw)
    } else {
        unescape_bare(raw)
    };
    Word { text, span, quoted }
}

/// Remove backslash-newline continuations.
fn strip_cont(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('\n') => {
                    chars.next();
                    continue;
                }
                Some('\r') => {
                    chars.next();
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// An unquoted word: continuations removed, `\\` collapsed to `\`.
fn unescape_bare(raw: &str) -> String {
    strip_cont(raw).replace("\\\\", "\\")
}

/// A quoted word: quotes removed, `\<quote>` and `\\` unescaped.
fn unescape_quoted(raw: &str) -> String {
    let joined = strip_cont(raw);
    let mut chars = joined.chars();
    let Some(q) = chars.next() else {
        return String::new();
    };
    let body: String = chars.collect();
    let body = body.strip_suffix(q).unwrap_or(&body);
    let mut out = String::with_capacity(body.len());
    let mut it = body.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\\' {
            if let Some(&n) = it.peek() {
                if n == q || n == '\\' {
                    out.push(n);
                    it.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

enum Open {
    Real(Section),
    /// Past the depth limit: children go to the nearest real section.
    Phantom {
        key: String,
    },
}

fn pair_sections(ast: &mut ApacheAst, lines: Vec<Line>, text: &str) {
    let file = ast.file;
    let mut stack: Vec<Open> = Vec::new();
    let mut too_deep_reported = false;

    fn push_node(ast: &mut ApacheAst, stack: &mut [Open], node: Node) {
        for open in stack.iter_mut().rev() {
            if let Open::Real(s) = open {
                s.body.push(node);
                return;
            }
        }
        ast.nodes.push(node);
    }

    for line in lines {
        match line {
            Line::Directive(d) => push_node(ast, &mut stack, Node::Directive(d)),
            Line::Bad(span) => {
                let raw = text.get(span.range()).unwrap_or("");
                let (msg, help) = if raw.trim_start().starts_with('<') {
                    (
                        "section line is missing its closing `>`",
                        "end the line with `>`, as in `<Directory \"/var/www\">`",
                    )
                } else {
                    (
                        "this line is not a directive",
                        "start the line with a directive name, or with `#` for a comment",
                    )
                };
                ast.errors
                    .push(syntax_error(msg).at(span, "here").help(help));
            }
            Line::Open {
                name,
                key,
                name_span,
                args,
                span,
            } => {
                if stack.len() >= MAX_DEPTH {
                    if !too_deep_reported {
                        too_deep_reported = true;
                        ast.errors.push(
                            syntax_error(format!("sections nested deeper than {MAX_DEPTH} levels"))
                                .at(span, "this section is too deep to analyse")
                                .help("flatten the configuration; sections this deep are never intended"),
                        );
                    }
                    stack.push(Open::Phantom { key });
                    continue;
                }
                stack.push(Open::Real(Section {
                    name,
                    key,
                    name_span,
                    args,
                    open_span: span,
                    close_span: None,
                    body: Vec::new(),
                }));
            }
            Line::Close { key, name, span } => {
                let matches_top = match stack.last() {
                    Some(Open::Real(s)) => s.key == key,
                    Some(Open::Phantom { key: k }) => *k == key,
                    None => false,
                };
                if matches_top {
                    close_top(ast, &mut stack, Some(span));
                    continue;
                }
                let Some(top) = stack.last() else {
                    ast.errors.push(
                        syntax_error(format!(
                            "`</{name}>` closes a section that was never opened"
                        ))
                        .at(span, "nothing to close here")
                        .help(format!(
                            "remove this line, or add the matching `<{name} ...>` above"
                        )),
                    );
                    continue;
                };
                let (open_name, open_span) = match top {
                    Open::Real(s) => (s.name.clone(), Some(s.open_span)),
                    Open::Phantom { key } => (key.clone(), None),
                };
                let mut d = syntax_error(format!("expected `</{open_name}>` but saw `</{name}>`"))
                    .at(span, "closed here");
                if let Some(o) = open_span {
                    d = d.label(o, format!("`<{open_name}>` opened here"));
                }
                ast.errors
                    .push(d.help(format!("close `<{open_name}>` before `</{name}>`")));
                // Recover: if an outer section has this name, the inner ones were left open.
                if let Some(depth) = stack.iter().rposition(|o| match o {
                    Open::Real(s) => s.key == key,
                    Open::Phantom { key: k } => *k == key,
                }) {
                    while stack.len() > depth + 1 {
                        close_top(ast, &mut stack, None);
                    }
                    close_top(ast, &mut stack, Some(span));
                }
            }
        }
    }
    // Label the last character so renderers can show the line (a span past the final
    // newline has no line to sit on).
    let last = text.trim_end_matches(['\n', '\r']).len();
    let eof = Span::new(file, last.saturating_sub(1), last);
    while let Some(open) = stack.last() {
        // A true `<IfModule>`/`<IfDefine>`... left open at the end of a file is accepted by
        // Apache (its contents are read inline); containers such as <VirtualHost> are not.
        if let Open::Real(s) = open {
            if is_conditional(&s.key) {
                close_top(ast, &mut stack, None);
                continue;
            }
            ast.errors.push(
                syntax_error(format!("`<{}>` was not closed", s.name))
                    .at(s.open_span, "opened here")
                    .label(eof, "file ends here")
                    .help(format!("add `</{}>` where the section should end", s.name)),
            );
        }
        close_top(ast, &mut stack, None);
    }
}

/// Conditional sections, whose bodies Apache reads inline when the condition holds.
pub fn is_conditional(key: &str) -> bool {
    matches!(
        key,
        "ifmodule" | "ifdefine" | "iffile" | "ifdirective" | "ifsection"
    )
}

fn close_top(ast: &mut ApacheAst, stack: &mut Vec<Open>, close: Option<Span>) {
    let Some(open) = stack.pop() else { return };
    let Open::Real(mut section) = open else {
        return;
    };
    section.close_span = close;
    let node = Node::Section(section);
    for open in stack.iter_mut().rev() {
        if let Open::Real(s) = open {
            s.body.push(node);
            return;
        }
    }
    ast.nodes.push(node);
}

/// Visit every directive with the chain of sections around it, outermost first.
pub fn walk<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(&[&'a Section], &'a Directive)) {
    fn go<'a>(
        nodes: &'a [Node],
        chain: &mut Vec<&'a Section>,
        visit: &mut dyn FnMut(&[&'a Section], &'a Directive),
    ) {
        for node in nodes {
            match node {
                Node::Directive(d) => visit(chain, d),
                Node::Section(s) => {
                    chain.push(s);
                    go(&s.body, chain, visit);
                    chain.pop();
                }
            }
        }
    }
    go(nodes, &mut Vec::new(), visit);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> ApacheAst {
        parse(FileId(0), text)
    }
    fn directives(ast: &ApacheAst) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        walk(&ast.nodes, &mut |_, d| {
            out.push((
                d.name.clone(),
                d.args.iter().map(|w| w.text.clone()).collect(),
            ))
        });
        out
    }

    #[test]
    fn words_quotes_and_escapes() {
        let ast = p("AuthName \"Members \\\"only\\\"\"\nRequire user 'o\\'neil' b\"c d\"\n");
        assert!(ast.errors.is_empty());
        let d = directives(&ast);
        assert_eq!(d[0], ("AuthName".into(), vec!["Members \"only\"".into()]));
        assert_eq!(d[1].1, vec!["user", "o'neil", "b\"c", "d\""]);
    }

    #[test]
    fn quote_closes_and_next_word_starts_at_once() {
        let d = directives(&p("X \"a\"b\n"));
        assert_eq!(d[0].1, vec!["a", "b"]);
    }

    #[test]
    fn hash_mid_line_is_an_argument_and_comments_may_be_indented() {
        let ast = p("   # a comment\nRequire user bob # admins\n");
        assert!(ast.errors.is_empty());
        assert_eq!(directives(&ast)[0].1, vec!["user", "bob", "#", "admins"]);
    }

    #[test]
    fn continuation_joins_and_spans_stay_true() {
        let text = "AuthName \\\n   \"Members Only\"\nAuthType Ba\\\nsic\n";
        let ast = p(text);
        assert!(ast.errors.is_empty(), "{:?}", ast.errors);
        let d = directives(&ast);
        assert_eq!(d[0].1, vec!["Members Only"]);
        assert_eq!(d[1].1, vec!["Basic"]);
        let Node::Directive(first) = &ast.nodes[0] else {
            panic!()
        };
        assert_eq!(&text[first.args[0].span.range()], "\"Members Only\"");
    }

    #[test]
    fn crlf_tabs_and_case_insensitive_sections() {
        let ast = p("<DIRECTORY /srv>\r\n\tAuthType\tBasic\r\n</directory>\r\n");
        assert!(ast.errors.is_empty(), "{:?}", ast.errors);
        let Node::Section(s) = &ast.nodes[0] else {
            panic!()
        };
        assert_eq!(s.key, "directory");
        assert_eq!(s.args[0].text, "/srv");
        assert!(s.close_span.is_some());
        assert_eq!(directives(&ast)[0].1, vec!["Basic"]);
    }

    #[test]
    fn if_elseif_else_and_variables() {
        let ast = p("<If \"%{HTTP_HOST} == 'a'\">\nRequire all granted\n</If>\n<ElseIf \"true\">\n</ElseIf>\n<Else>\nDocumentRoot ${APACHE_ROOT}/www\n</Else>\n");
        assert!(ast.errors.is_empty(), "{:?}", ast.errors);
        assert_eq!(ast.nodes.len(), 3);
        assert_eq!(directives(&ast)[1].1, vec!["${APACHE_ROOT}/www"]);
    }

    #[test]
    fn mismatched_section_has_two_labels() {
        let ast = p("<Directory /a>\nRequire all granted\n</Location>\n");
        let e = &ast.errors[0];
        assert_eq!(e.code, "AL001");
        assert!(e.message.contains("</Directory>"), "{}", e.message);
        assert_eq!(e.labels.len(), 1);
    }

    #[test]
    fn unclosed_section_points_at_opening_and_end() {
        let text = "<VirtualHost *:80>\nServerName a\n";
        let ast = p(text);
        assert_eq!(ast.errors.len(), 1);
        assert!(ast.errors[0].message.contains("was not closed"));
        assert_eq!(ast.errors[0].labels[0].span.end as usize, text.len() - 1);
    }

    #[test]
    fn bad_line_does_not_hide_the_rest() {
        let ast = p("<Directory /a\nAuthType Basic\n</Files>\nAuthName x\n");
        assert_eq!(ast.errors.len(), 2, "{:?}", ast.errors);
        assert_eq!(directives(&ast).len(), 2);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let n = 100_000;
        let text = "<IfModule a>\n".repeat(n) + &"</IfModule>\n".repeat(n);
        let ast = p(&text);
        assert_eq!(ast.errors.len(), 1);
        assert!(ast.errors[0].message.contains("deeper"));
    }

    #[test]
    fn section_arguments_may_contain_gt_and_quotes() {
        let ast = p(
            "<If \"%{QUERY_STRING} =~ /a>b/\">\n</If>\n<FilesMatch \"^\\.ht\">\n</FilesMatch>\n",
        );
        assert!(ast.errors.is_empty(), "{:?}", ast.errors);
        let Node::Section(s) = &ast.nodes[1] else {
            panic!()
        };
        assert_eq!(s.args[0].text, "^\\.ht");
    }

    #[test]
    fn text_after_a_closing_tag_is_ignored_like_apache() {
        // apache2 -t: `</Directory> </IfModule>` closes only the Directory.
        let ast = p(
            "<IfModule a>\n<Directory /t>\n</Directory> </IfModule>\nServerName x\n</IfModule>\n",
        );
        assert!(ast.errors.is_empty(), "{:?}", ast.errors);
        assert_eq!(ast.nodes.len(), 1);
    }

    #[test]
    fn open_conditional_at_end_of_file_is_accepted_but_containers_are_not() {
        assert!(p("<IfModule a>\nServerName x\n").errors.is_empty());
        assert_eq!(p("<IfModule a>\n<VirtualHost *>\n").errors.len(), 1);
    }

    #[test]
    fn odd_bytes_do_not_panic() {
        for t in [
            "\u{feff}ServerName x\n",
            "\\",
            "\"",
            "<",
            "</",
            "<>",
            "<\n>",
            "\\\r\n",
            "a \"b\\",
            "<a \"\n",
        ] {
            let ast = p(t);
            for e in &ast.errors {
                assert!(e.span().is_some_and(|s| (s.end as usize) <= t.len()));
            }
        }
    }
}
