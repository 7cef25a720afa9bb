//! nginx configuration syntax: `name args;` and `name args { ... }`.
//!
//! The grammar (`grammar/nginx.pest`) is flat: it yields tokens, and blocks are paired here
//! with an explicit stack bounded by [`super::MAX_DEPTH`], so no input can recurse deeply,
//! here or when the AST is dropped. Tokenising follows `ngx_conf_read_token()` of nginx
//! 1.22: quotes only at the start of a token, a closing quote followed by a space, `;`, `{`
//! or `)`, `#` a comment only at a token boundary, `${` not a block, `}` inside a word
//! literal, no token (or comment) longer than nginx's 4096-byte read buffer. The body of a
//! `*_by_lua_block` is skipped with Lua rules (strings, comments and long brackets hide
//! braces) and kept as raw text.
//!
//! Two mistakes nginx reports far from their cause get their own AL001: a regex quantifier
//! such as `\d{3}` in an unquoted argument (its `{` opens a block) and `$` glued to the `{`
//! of a block (`${` starts a variable name).
//!
//! Guarantees: never panics; every diagnostic is an AL001 whose primary span lies inside
//! the text; after an error the parser carries on at the next token, so one mistake does not
//! hide the next and the rest of the AST is still built. Big files are lexed in slices, so
//! memory stays proportional to the AST, not to pest's token queue; at most
//! [`MAX_ERRORS`] errors and [`MAX_ARGS`] arguments per directive are kept.

use super::{Word, MAX_DEPTH};
use crate::diag::{Diagnostic, Severity};
use crate::source::{FileId, Span};
use pest::Parser as _;
use pest_derive::Parser;
use std::collections::VecDeque;

#[derive(Parser)]
#[grammar = "../grammar/nginx.pest"]
struct NginxGrammar;

/// A statement: a simple directive or a block directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    /// The directive name (case-sensitive in nginx).
    pub name: Word,
    pub args: Vec<Word>,
    /// From the name to the `;` or the closing `}` (or to where the statement was cut off).
    pub span: Span,
    pub block: Option<Block>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The `{`.
    pub open: Span,
    /// The `}`; `None` when the file ended first (an AL001 was reported).
    pub close: Option<Span>,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    Stmts(Vec<Stmt>),
    /// A raw-code block (`*_by_lua_block { ... }`): the span of the text between the braces.
    Raw(Span),
}

/// A parsed file.
#[derive(Clone, Debug, Default)]
pub struct NginxAst {
    pub file: FileId,
    pub stmts: Vec<Stmt>,
    /// AL001 diagnostics.
    pub errors: Vec<Diagnostic>,
}

/// Parse one nginx file. Never panics; errors are AL001 diagnostics in the result.
pub fn parse(file: FileId, text: &str) -> NginxAst {
    let mut b = Builder {
        file,
        text,
        lexer: Lexer {
            text,
            next_from: 0,
            size: FIRST_SLICE,
            buf: VecDeque::new(),
            scratch: Vec::new(),
            failed_at: None,
        },
        stack: Vec::new(),
        top: Vec::new(),
        overflow: 0,
        depth_reported: false,
        pending: None,
        errors: Vec::new(),
        last_end: 0,
    };
    while let Some(tok) = b.lexer.next() {
        b.last_end = b.last_end.max(tok.end);
        match tok.kind {
            Kind::Word | Kind::Quoted | Kind::Unclosed => b.word(tok),
            Kind::LongComment => b.long_comment(tok),
            Kind::Semi => b.semi(tok),
            Kind::Open => b.open(tok),
            Kind::Close => b.close(tok),
        }
    }
    b.finish()
}

/// Diagnostics past this many are dropped (a note says so): a 10 MB file of `;` must not
/// produce ten million of them.
const MAX_ERRORS: usize = 100;
/// Bytes lexed per pest call (more when one token is longer). After a jump (a Lua body, a
/// recovery) slices start small and double up to this, so the text lexed ahead and then
/// thrown away stays proportional to the text read: many small Lua blocks cost no more than
/// one big one.
const SLICE: usize = 64 * 1024;
const FIRST_SLICE: usize = 128;
/// nginx reads a file through a 4096-byte buffer; a token (or comment) that cannot fit in it
/// fails with "too long parameter".
const NGX_CONF_BUFFER: usize = 4096;
/// Arguments kept per directive: beyond this they are counted out with an AL001, so a 10 MB
/// line of words costs megabytes, not hundreds of them.
const MAX_ARGS: usize = 100_000;

fn syntax_error(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new("AL001", "syntax-error", Severity::Error, message)
}

// ---------------------------------------------------------------------------------------
// Tokens

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// An unquoted word.
    Word,
    /// `"..."` or `'...'`.
    Quoted,
    /// A quote never closed: runs to the end of the file.
    Unclosed,
    Semi,
    Open,
    Close,
    /// A comment too long for nginx's buffer (shorter ones are not reported by the lexer).
    LongComment,
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Lex `text[from..end]` with `rule`, appending its tokens to `out`. `Err` is where pest
/// gave up, which the grammar does not allow for; it is handled anyway.
fn lex_range(
    text: &str,
    from: usize,
    end: usize,
    rule: Rule,
    out: &mut Vec<Tok>,
) -> Result<(), usize> {
    let slice = text.get(from..end).unwrap_or("");
    let pairs = NginxGrammar::parse(rule, slice).map_err(|e| match e.location {
        pest::error::InputLocation::Pos(p) => from + p,
        pest::error::InputLocation::Span((s, _)) => from + s,
    })?;
    // Tokens, not pairs: cheaper, and the grammar's tokens do not nest.
    let mut start = 0;
    for token in pairs.tokens() {
        let (rule, end) = match token {
            pest::Token::Start { pos, .. } => {
                start = pos.pos();
                continue;
            }
            pest::Token::End { rule, pos } => (rule, pos.pos()),
        };
        let kind = match rule {
            Rule::word => Kind::Word,
            Rule::quoted => Kind::Quoted,
            Rule::unclosed => Kind::Unclosed,
            Rule::punct => match slice.as_bytes().get(start) {
                Some(b';') => Kind::Semi,
                Some(b'{') => Kind::Open,
                _ => Kind::Close,
            },
            Rule::lua_open => Kind::Open,
            Rule::lua_close => Kind::Close,
            Rule::comment if end - start >= NGX_CONF_BUFFER => Kind::LongComment,
            _ => continue,
        };
        out.push(Tok {
            kind,
            start: from + start,
            end: from + end,
        });
    }
    Ok(())
}

/// Where a slice of `size` bytes from `from` ends: on a character boundary, at least one
/// character in.
fn slice_end(text: &str, from: usize, size: usize) -> usize {
    let mut end = from.saturating_add(size).min(text.len());
    while end > from && !text.is_char_boundary(end) {
        end -= 1;
    }
    if end <= from {
        text.len()
    } else {
        end
    }
}

/// Lex nginx tokens from `from`, a slice at a time, appending the tokens that are final to
/// `out`. Returns where the next slice starts: at the start of the slice's last token, which
/// may have been cut short. Every lexeme runs to the end of its input rather than fail, so
/// all tokens before the last are exactly what a whole-file parse gives.
fn lex_slice(text: &str, from: usize, mut size: usize, out: &mut Vec<Tok>) -> Result<usize, usize> {
    loop {
        let end = slice_end(text, from, size);
        let first = out.len();
        lex_range(text, from, end, Rule::nginx_tokens, out)?;
        if end >= text.len() {
            return Ok(text.len());
        }
        if out.len() - first >= 2 {
            if let Some(last) = out.pop() {
                return Ok(last.start);
            }
        }
        out.truncate(first);
        size = size.saturating_mul(2);
    }
}

struct Lexer<'t> {
    text: &'t str,
    /// Where the next slice starts.
    next_from: usize,
    /// Its size.
    size: usize,
    buf: VecDeque<Tok>,
    scratch: Vec<Tok>,
    failed_at: Option<usize>,
}

impl Lexer<'_> {
    fn fill(&mut self) -> bool {
        while self.buf.is_empty() {
            if self.next_from >= self.text.len() {
                return false;
            }
            self.scratch.clear();
            match lex_slice(self.text, self.next_from, self.size, &mut self.scratch) {
                Ok(next) => {
                    self.next_from = next;
                    self.size = self.size.saturating_mul(2).min(SLICE);
                    self.buf.extend(self.scratch.drain(..));
                }
                Err(pos) => {
                    self.failed_at = Some(pos);
                    self.next_from = self.text.len();
                    return false;
                }
            }
        }
        true
    }

    fn next(&mut self) -> Option<Tok> {
        if self.fill() {
            self.buf.pop_front()
        } else {
            None
        }
    }

    fn peek(&mut self) -> Option<Tok> {
        if self.fill() {
            self.buf.front().copied()
        } else {
            None
        }
    }

    /// Forget what was lexed ahead and continue at `pos`.
    fn restart_at(&mut self, pos: usize) {
        self.buf.clear();
        self.next_from = pos.min(self.text.len());
        self.size = FIRST_SLICE;
    }

    /// Skip a Lua body starting at `from` (just after its `{`). Returns the position of the
    /// `}` that closes it, and continues after it; `None` when the file ends first.
    ///
    /// Only braces are tokens here, and a brace is final as soon as it is lexed (whatever
    /// precedes it in the slice ended before it), so each slice continues after its last
    /// brace; a slice without one is retried twice as long. Slices start small: most Lua
    /// blocks are short, and what follows them is nginx text.
    fn lua_body(&mut self, from: usize) -> Option<usize> {
        self.buf.clear();
        self.size = FIRST_SLICE;
        let mut depth = 1usize;
        let mut at = from;
        let mut size = FIRST_SLICE;
        while at < self.text.len() {
            let end = slice_end(self.text, at, size);
            self.scratch.clear();
            if let Err(pos) = lex_range(self.text, at, end, Rule::lua_tokens, &mut self.scratch) {
                self.failed_at = Some(pos);
                break;
            }
            for tok in &self.scratch {
                if tok.kind == Kind::Open {
                    depth += 1;
                } else {
                    depth -= 1;
                    if depth == 0 {
                        self.next_from = tok.end;
                        return Some(tok.start);
                    }
                }
            }
            match self.scratch.last() {
                _ if end >= self.text.len() => break,
                Some(last) => {
                    at = last.end;
                    size = size.saturating_mul(2).min(SLICE);
                }
                None => size = size.saturating_mul(2),
            }
        }
        self.next_from = self.text.len();
        None
    }
}

/// A word's value as nginx stores it: `\"`, `\'`, `\\` lose the backslash, `\t`, `\r`, `\n`
/// become control characters, any other backslash stays.
fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let replaced = match chars.peek() {
                Some(&q @ ('"' | '\'' | '\\')) => Some(q),
                Some('t') => Some('\t'),
                Some('r') => Some('\r'),
                Some('n') => Some('\n'),
                _ => None,
            };
            if let Some(r) = replaced {
                chars.next();
                out.push(r);
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Whether an unquoted word ends in `${` that nginx reads as the start of a variable name,
/// so the `{` is part of the word and opens no block.
fn ends_in_variable_brace(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b.get(i) {
            Some(b'\\') => i += 2,
            Some(b'$') if i + 2 == b.len() && b.get(i + 1) == Some(&b'{') => return true,
            _ => i += 1,
        }
    }
    false
}

/// `3}`, `2,5}`, `,4}`... at the start of a word: the rest of a regex quantifier whose `{`
/// nginx took for a block.
fn starts_like_quantifier_tail(raw: &str) -> bool {
    let digits = raw.bytes().take_while(u8::is_ascii_digit).count();
    let rest = raw.get(digits..).unwrap_or("");
    let (more, rest) = match rest.strip_prefix(',') {
        Some(r) => (r.bytes().take_while(u8::is_ascii_digit).count(), r),
        None => (0, rest),
    };
    (digits > 0 || more > 0) && rest.get(more..).is_some_and(|r| r.starts_with('}'))
}

// ---------------------------------------------------------------------------------------
// Statements and blocks

/// An open `{`. `head` is `None` for a `{` with no directive before it (an AL001): its
/// contents are kept in the parent when it closes.
struct Frame {
    head: Option<(Word, Vec<Word>)>,
    open: Span,
    body: Vec<Stmt>,
}

/// The statement being read: its name and arguments so far.
struct Pending {
    name: Word,
    args: Vec<Word>,
    /// The last token: where a missing `;` is reported.
    last: Span,
    /// That token is an unclosed quote (already reported).
    last_unclosed: bool,
    /// More than [`MAX_ARGS`] arguments (reported once).
    too_many_args: bool,
}

struct Builder<'t> {
    file: FileId,
    text: &'t str,
    lexer: Lexer<'t>,
    stack: Vec<Frame>,
    top: Vec<Stmt>,
    /// Blocks opened past [`MAX_DEPTH`]: counted, not built; their contents go to the
    /// deepest real block.
    overflow: usize,
    depth_reported: bool,
    pending: Option<Pending>,
    errors: Vec<Diagnostic>,
    /// End of the last token read.
    last_end: usize,
}

impl Builder<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn eof(&self) -> Span {
        self.span(self.text.len(), self.text.len())
    }

    fn raw(&self, start: usize, end: usize) -> &str {
        self.text.get(start..end).unwrap_or("")
    }

    fn error(&mut self, d: Diagnostic) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(d);
        } else if self.errors.len() == MAX_ERRORS {
            let mut note = syntax_error(format!(
                "more than {MAX_ERRORS} syntax errors; the rest are not shown"
            ));
            note.primary = d.primary;
            self.errors
                .push(note.help("fix the errors above first: one mistake often causes many"));
        }
    }

    fn push_stmt(&mut self, stmt: Stmt) {
        match self.stack.last_mut() {
            Some(frame) => frame.body.push(stmt),
            None => self.top.push(stmt),
        }
    }

    fn word(&mut self, mut tok: Tok) {
        let text = self.text;
        let raw = text.get(tok.start..tok.end).unwrap_or("");
        let span = self.span(tok.start, tok.end);
        self.check_length(tok);
        let word = match tok.kind {
            Kind::Quoted => {
                self.check_after_quote(tok);
                let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
                Word {
                    text: unescape(inner),
                    span,
                    quoted: true,
                }
            }
            Kind::Unclosed => {
                let quote = raw.get(..1).unwrap_or("\"");
                self.error(
                    syntax_error("quoted string is never closed")
                        .at(self.span(tok.start, tok.start + 1), "this quote opens it")
                        .label(self.eof(), "file ends here")
                        .help(format!("add the closing {quote}")),
                );
                // Recover: end the string at the end of its line and read on from there.
                let eol = raw.find('\n').map_or(tok.end, |i| tok.start + i);
                tok.end = eol;
                self.lexer.restart_at(eol);
                let inner = text.get(tok.start + 1..eol).unwrap_or("");
                let word = Word {
                    text: unescape(inner.trim_end_matches('\r')),
                    span: self.span(tok.start, eol),
                    quoted: true,
                };
                self.add_word(word, true);
                return;
            }
            _ => {
                let next = text.as_bytes().get(tok.end).copied();
                if self.pending.is_some()
                    && matches!(next, None | Some(b' ' | b'\t' | b'\r' | b'\n'))
                    && ends_in_variable_brace(raw)
                {
                    let brace = self.span(tok.end - 1, tok.end);
                    self.error(
                        syntax_error(
                            "`${` starts a variable name here, so this `{` opens no block",
                        )
                        .at(brace, "read as part of the word")
                        .help("put a space between `$` and `{`"),
                    );
                    // Recover as if the space were there.
                    self.lexer.buf.push_front(Tok {
                        kind: Kind::Open,
                        start: tok.end - 1,
                        end: tok.end,
                    });
                    tok.end -= 1;
                    let raw = text.get(tok.start..tok.end).unwrap_or("");
                    Word {
                        text: unescape(raw),
                        span: self.span(tok.start, tok.end),
                        quoted: false,
                    }
                } else {
                    Word {
                        text: unescape(raw),
                        span,
                        quoted: false,
                    }
                }
            }
        };
        self.add_word(word, false);
    }

    fn add_word(&mut self, word: Word, unclosed: bool) {
        let last = word.span;
        let Some(p) = &mut self.pending else {
            self.pending = Some(Pending {
                name: word,
                args: Vec::new(),
                last,
                last_unclosed: unclosed,
                too_many_args: false,
            });
            return;
        };
        p.last = last;
        p.last_unclosed = unclosed;
        if p.args.len() < MAX_ARGS {
            p.args.push(word);
        } else if !p.too_many_args {
            p.too_many_args = true;
            let name = p.name.span;
            self.error(
                syntax_error(format!(
                    "more than {MAX_ARGS} arguments; the rest are not analysed"
                ))
                .at(last, "not analysed from here")
                .label(name, "in this directive")
                .help("a missing `;` often makes one directive out of many"),
            );
        }
    }

    /// nginx's "too long parameter": a token must fit, with the character after it, in the
    /// 4096-byte buffer. Reported only where nginx fails whatever the token's position in
    /// the file (near the limit its failure depends on where the buffer happens to start).
    fn check_length(&mut self, tok: Tok) {
        let len = tok.end - tok.start;
        let too_long = match tok.kind {
            // The content, the closing quote and the character after it: as long as the
            // token with both quotes.
            Kind::Quoted => len > NGX_CONF_BUFFER,
            // The word and the character that ends it.
            Kind::Word => len + 1 > NGX_CONF_BUFFER,
            _ => false,
        };
        if !too_long {
            return;
        }
        let (what, help) = if tok.kind == Kind::Quoted {
            (
                "quoted string",
                "if a closing quote is missing further up, add it; otherwise shorten the string",
            )
        } else {
            ("word", "shorten it, e.g. split a long regular expression into several locations or a `map`")
        };
        self.error(
            syntax_error(format!(
                "this {what} is {len} bytes long; nginx refuses it (\"too long parameter\")"
            ))
            .at(
                self.span(tok.start, tok.end),
                format!("longer than nginx's {NGX_CONF_BUFFER}-byte buffer"),
            )
            .help(help),
        );
    }

    fn long_comment(&mut self, tok: Tok) {
        let len = tok.end - tok.start;
        // The LF that ends the comment is read with it.
        let need = len + usize::from(self.text.as_bytes().get(tok.end) == Some(&b'\n'));
        if need <= NGX_CONF_BUFFER {
            return;
        }
        self.error(
            syntax_error(format!(
                "this comment is {len} bytes long; nginx refuses it (\"too long parameter\")"
            ))
            .at(
                self.span(tok.start, tok.end),
                format!("longer than nginx's {NGX_CONF_BUFFER}-byte buffer"),
            )
            .help("split it over several lines"),
        );
    }

    /// After a closing quote nginx wants a space, `;`, `{` or `)` (which starts a new word).
    fn check_after_quote(&mut self, tok: Tok) {
        let Some(c) = self.text.get(tok.end..).and_then(|r| r.chars().next()) else {
            return;
        };
        // `"a"}` is a missing `;`, reported when the `}` is read.
        if matches!(c, ' ' | '\t' | '\r' | '\n' | ';' | '{' | ')' | '}') {
            return;
        }
        let shown = if c.is_control() {
            c.escape_default().to_string()
        } else {
            c.to_string()
        };
        self.error(
            syntax_error(format!("unexpected `{shown}` right after a closing quote"))
                .at(
                    self.span(tok.end, tok.end + c.len_utf8()),
                    "nginx needs a space, `;` or `{` here",
                )
                .label(self.span(tok.start, tok.end), "the quoted string ends here")
                .help("put a space after the closing quote, or quote the whole argument"),
        );
    }

    fn finish_pending(&mut self, end: usize) {
        if let Some(p) = self.pending.take() {
            let span = self.span(p.name.span.start as usize, end);
            self.push_stmt(Stmt {
                name: p.name,
                args: p.args,
                span,
                block: None,
            });
        }
    }

    fn semi(&mut self, tok: Tok) {
        if self.pending.is_none() {
            self.error(
                syntax_error("unexpected `;` with no directive before it")
                    .at(self.span(tok.start, tok.end), "nothing to end here")
                    .help("remove this `;`"),
            );
            return;
        }
        self.finish_pending(tok.end);
    }

    fn open(&mut self, tok: Tok) {
        let open = self.span(tok.start, tok.end);
        let Some(mut p) = self.pending.take() else {
            self.error(
                syntax_error("unexpected `{` with no directive before it")
                    .at(open, "this block has no name")
                    .help("write the directive before `{`, e.g. `location / {`, or remove the `{`"),
            );
            self.push_frame(None, open);
            return;
        };
        let had_args = !p.args.is_empty();
        if let Some(merged) = self.quantifier_brace(&mut p, tok) {
            // Recover as if the word were quoted: read it again as one word.
            self.pending = had_args.then_some(p);
            self.word(merged);
            return;
        }
        if p.name.text.ends_with("_by_lua_block") {
            let start = p.name.span.start as usize;
            let (close, body_end) = match self.lexer.lua_body(tok.end) {
                Some(c) => (Some(self.span(c, c + 1)), c),
                None => {
                    self.error(
                        syntax_error(format!("`{}` block is not closed", p.name.text))
                            .at(open, "opened here")
                            .label(self.eof(), "file ends here")
                            .help("add the `}` that ends the Lua code"),
                    );
                    (None, self.text.len())
                }
            };
            let end = close.map_or(body_end, |c| c.end as usize);
            self.last_end = self.last_end.max(end);
            let block = Block {
                open,
                close,
                body: Body::Raw(self.span(tok.end, body_end)),
            };
            let span = self.span(start, end);
            self.push_stmt(Stmt {
                name: p.name,
                args: p.args,
                span,
                block: Some(block),
            });
            return;
        }
        self.push_frame(Some((p.name, p.args)), open);
    }

    /// `location ~ ^/a\d{3}$ {`: the `{` glued between two words, followed by the rest of
    /// a regex quantifier, opens a block in nginx (which then rejects `3}$` as a directive;
    /// in a `map` body, `~^/a{2} 1;` fails the same way). Reports it and returns the token
    /// to read instead: the whole word. `p` is left without that word; `None` when it is
    /// the name (the caller then reads the merged word as the name).
    fn quantifier_brace(&mut self, p: &mut Pending, tok: Tok) -> Option<Tok> {
        let glued = p.args.last().unwrap_or(&p.name);
        if glued.quoted || glued.span.end as usize != tok.start {
            return None;
        }
        let next = self.lexer.peek()?;
        if next.kind != Kind::Word
            || next.start != tok.end
            || !starts_like_quantifier_tail(self.raw(next.start, next.end))
        {
            return None;
        }
        self.lexer.next();
        let start = glued.span.start as usize;
        let whole = self.raw(start, next.end).to_owned();
        let (message, help) = if p.args.is_empty() {
            (
                format!("unquoted `{{` in `{whole}` opens a block"),
                format!("quote the regular expression: \"{whole}\" ..."),
            )
        } else {
            let mut before = p.name.text.clone();
            for a in p.args.iter().take(p.args.len() - 1) {
                before.push(' ');
                before.push_str(self.raw(a.span.start as usize, a.span.end as usize));
            }
            let tail = if p.name.text == "location" {
                " { ... }"
            } else {
                " ..."
            };
            (
                format!("unquoted `{{` in `{}` arguments opens a block", p.name.text),
                format!("quote the regular expression: {before} \"{whole}\"{tail}"),
            )
        };
        self.error(
            syntax_error(message)
                .at(self.span(tok.start, tok.end), "nginx opens a block here")
                .label(self.span(start, next.end), "this word is cut in two")
                .help(help),
        );
        p.args.pop();
        p.last = p.args.last().map_or(p.name.span, |w| w.span);
        Some(Tok {
            kind: Kind::Word,
            start,
            end: next.end,
        })
    }

    fn push_frame(&mut self, head: Option<(Word, Vec<Word>)>, open: Span) {
        if self.stack.len() >= MAX_DEPTH {
            self.overflow += 1;
            if !self.depth_reported {
                self.depth_reported = true;
                self.error(
                    syntax_error(format!("blocks nested deeper than {MAX_DEPTH} levels"))
                        .at(open, "this block is too deep to analyse")
                        .help("flatten the configuration; nesting this deep is never intended"),
                );
            }
            return;
        }
        self.stack.push(Frame {
            head,
            open,
            body: Vec::new(),
        });
    }

    fn close(&mut self, tok: Tok) {
        let close = self.span(tok.start, tok.end);
        if let Some(p) = &self.pending {
            let (last, name_span) = (p.last, p.name.span);
            let mut d = syntax_error("missing `;` after this directive")
                .at(last, "expected `;` after this");
            if last != name_span {
                d = d.label(name_span, "the directive");
            }
            self.error(
                d.label(close, "the block closes here")
                    .help("end the directive with `;`"),
            );
            self.finish_pending(last.end as usize);
        }
        if self.overflow > 0 {
            self.overflow -= 1;
            return;
        }
        let Some(frame) = self.stack.pop() else {
            self.error(
                syntax_error("`}` has no matching `{`")
                    .at(close, "nothing to close here")
                    .help("remove this `}`, or add the `{` it was meant to close"),
            );
            return;
        };
        self.close_frame(frame, Some(close), tok.end);
    }

    fn close_frame(&mut self, frame: Frame, close: Option<Span>, end: usize) {
        match frame.head {
            Some((name, args)) => {
                let span = self.span(name.span.start as usize, end);
                let block = Block {
                    open: frame.open,
                    close,
                    body: Body::Stmts(frame.body),
                };
                self.push_stmt(Stmt {
                    name,
                    args,
                    span,
                    block: Some(block),
                });
            }
            None => {
                for stmt in frame.body {
                    self.push_stmt(stmt);
                }
            }
        }
    }

    fn finish(mut self) -> NginxAst {
        if let Some(pos) = self.lexer.failed_at {
            let at = pos.min(self.text.len());
            let end = self
                .text
                .get(at..)
                .and_then(|r| r.chars().next())
                .map_or(at, |c| at + c.len_utf8());
            self.error(
                syntax_error("the rest of the file could not be read")
                    .at(self.span(at, end), "from here"),
            );
        }
        if let Some((last, name_span, unclosed)) = self
            .pending
            .as_ref()
            .map(|p| (p.last, p.name.span, p.last_unclosed))
        {
            if !unclosed {
                let mut d = syntax_error("the file ends before this directive's `;`")
                    .at(last, "expected `;` after this");
                if last != name_span {
                    d = d.label(name_span, "the directive");
                }
                self.error(
                    d.label(self.eof(), "file ends here")
                        .help("end the directive with `;`"),
                );
            }
            self.finish_pending(last.end as usize);
        }
        let open_count = self.stack.len() + self.overflow;
        if let Some(inner) = self.stack.last() {
            let what = match &inner.head {
                Some((name, _)) => format!("`{}` block is not closed", name.text),
                None => "block is not closed".to_owned(),
            };
            let more = if open_count > 1 {
                format!(" ({open_count} blocks are open at the end of the file)")
            } else {
                String::new()
            };
            let d = syntax_error(format!("{what}{more}"))
                .at(inner.open, "opened here")
                .label(self.eof(), "file ends here")
                .help("add the missing `}`");
            self.error(d);
        }
        let end = self.last_end;
        while let Some(frame) = self.stack.pop() {
            self.close_frame(frame, None, end);
        }
        NginxAst {
            file: self.file,
            stmts: self.top,
            errors: self.errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> NginxAst {
        let ast = parse(FileId(0), text);
        assert_spans_in_bounds(&ast, text);
        ast
    }

    fn assert_spans_in_bounds(ast: &NginxAst, text: &str) {
        let ok = |s: Span| s.start <= s.end && (s.end as usize) <= text.len();
        for e in &ast.errors {
            let primary = e.span().expect("every AL001 has a primary span");
            assert!(
                ok(primary) && (primary.start as usize) < text.len().max(1),
                "{e:?}"
            );
            assert!(e.labels.iter().all(|l| ok(l.span)), "{e:?}");
            assert_eq!(e.code, "AL001");
            // The grammar accepts any text: pest never gives up.
            assert!(!e.message.contains("could not be read"), "{e:?}");
        }
        let mut todo: Vec<&Stmt> = ast.stmts.iter().collect();
        while let Some(s) = todo.pop() {
            assert!(ok(s.span) && ok(s.name.span) && s.args.iter().all(|a| ok(a.span)));
            if let Some(b) = &s.block {
                assert!(ok(b.open) && b.close.is_none_or(ok));
                match &b.body {
                    Body::Stmts(v) => todo.extend(v),
                    Body::Raw(r) => assert!(ok(*r)),
                }
            }
        }
    }

    /// Every statement as `name arg arg` (values after unescaping), depth-first, with
    /// `{` / `}` around block bodies and `<raw>` for raw bodies.
    fn flat(ast: &NginxAst) -> Vec<String> {
        fn go(stmts: &[Stmt], out: &mut Vec<String>) {
            for s in stmts {
                let mut line = s.name.text.clone();
                for a in &s.args {
                    line.push(' ');
                    line.push_str(&a.text);
                }
                match &s.block {
                    None => out.push(line),
                    Some(b) => {
                        out.push(line + " {");
                        match &b.body {
                            Body::Stmts(v) => go(v, out),
                            Body::Raw(_) => out.push("<raw>".into()),
                        }
                        out.push("}".into());
                    }
                }
            }
        }
        let mut out = Vec::new();
        go(&ast.stmts, &mut out);
        out
    }

    fn clean(text: &str) -> Vec<String> {
        let ast = p(text);
        assert!(ast.errors.is_empty(), "{text:?}: {:#?}", ast.errors);
        flat(&ast)
    }

    fn messages(text: &str) -> Vec<String> {
        p(text).errors.iter().map(|e| e.message.clone()).collect()
    }

    #[test]
    fn statements_blocks_and_spans() {
        let text = "events {}\nhttp {\n  server {\n    listen 80;\n  }\n}\n";
        assert_eq!(
            clean(text),
            ["events {", "}", "http {", "server {", "listen 80", "}", "}"]
        );
        let ast = p(text);
        let http = &ast.stmts[1];
        assert_eq!(
            &text[http.span.range()],
            "http {\n  server {\n    listen 80;\n  }\n}"
        );
        let b = http.block.as_ref().unwrap();
        assert_eq!(&text[b.open.range()], "{");
        assert_eq!(&text[b.close.unwrap().range()], "}");
        let Body::Stmts(inner) = &b.body else {
            panic!()
        };
        let Body::Stmts(listen) = &inner[0].block.as_ref().unwrap().body else {
            panic!()
        };
        assert_eq!(&text[listen[0].span.range()], "listen 80;");
        assert_eq!(&text[listen[0].args[0].span.range()], "80");
    }

    #[test]
    fn quotes_and_escapes() {
        let d = clean(r#"a "x y" 'q\'r' "t\"u" "\\" "a\tb\rc\nd" "\x" \x;"#);
        assert_eq!(d, ["a x y q'r t\"u \\ a\tb\rc\nd \\x \\x"]);
        let ast = p(r#"a "x" b;"#);
        let s = &ast.stmts[0];
        assert!(s.args[0].quoted && !s.args[1].quoted);
        assert_eq!(s.args[0].span.range(), 2..5);
        // Escapes apply to unquoted words too, and protect delimiters.
        assert_eq!(clean(r"set $a b\;c\ d\{e\}f;"), [r"set $a b\;c\ d\{e\}f"]);
        assert_eq!(clean(r#"set $a b\"c\\d;"#), ["set $a b\"c\\d"]);
    }

    #[test]
    fn quote_in_the_middle_of_a_word_is_literal() {
        assert_eq!(clean(r#"a x"y z'w";"#), [r#"a x"y z'w""#]);
        assert_eq!(clean(r#"a b"c d";"#), [r#"a b"c d""#]);
    }

    #[test]
    fn text_glued_to_a_closing_quote_is_an_error() {
        // nginx 1.22: `auth_basic "a"b;` -> unexpected "b".
        let ast = p("auth_basic \"a\"b;\nlisten 80;\n");
        assert_eq!(ast.errors.len(), 1, "{:?}", ast.errors);
        let e = &ast.errors[0];
        assert!(e.message.contains("`b`"), "{}", e.message);
        assert_eq!(e.span().unwrap().range(), 14..15);
        assert_eq!(flat(&ast), ["auth_basic a b", "listen 80"]);
        assert_eq!(messages("a \"x\"#c\n;").len(), 1);
        assert_eq!(messages("a \"x\"'y';").len(), 1);
        // `;`, `{`, blanks and `)` may follow.
        assert_eq!(
            clean("a \"x\";b 'y'{}c \"z\"\t\r\n;"),
            ["a x", "b y {", "}", "c z"]
        );
    }

    #[test]
    fn if_conditions_tokenize_like_nginx() {
        // `)` after a quote starts a new word (nginx: `set $a "b")c;` has 3 arguments).
        assert_eq!(
            clean("if ($a ~ \"x\") { return 403; }"),
            ["if ($a ~ x ) {", "return 403", "}"]
        );
        assert_eq!(clean("set $a \"b\")c;"), ["set $a b )c"]);
        assert_eq!(clean("if ($http_x = '') {}"), ["if ($http_x =  ) {", "}"]);
    }

    #[test]
    fn comments_only_at_token_boundaries() {
        assert_eq!(
            clean("auth_basic x#y; # comment ; {\n#x\nlisten 80;#c"),
            ["auth_basic x#y", "listen 80"]
        );
        // A comment before the `;` swallows it: the statement goes on.
        assert_eq!(clean("a \"x\" # c;\nb;"), ["a x b"]);
    }

    #[test]
    fn variables_and_braces_inside_words() {
        assert_eq!(
            clean("set $a x${b}y; return 200 ${c};"),
            ["set $a x${b}y", "return 200 ${c}"]
        );
        // `}` inside a word is literal (nginx accepts this).
        assert_eq!(
            clean("location ~ ^/a(b|c)}x { return 200; }"),
            ["location ~ ^/a(b|c)}x {", "return 200", "}"]
        );
        // `{` after any other character ends the word and opens the block.
        assert_eq!(
            clean("location /a{return 200;}"),
            ["location /a {", "return 200", "}"]
        );
        assert_eq!(clean("server{listen 80;}"), ["server {", "listen 80", "}"]);
    }

    #[test]
    fn glued_brace_of_a_regex_quantifier() {
        // nginx 1.22 rejects this: the `{` opens a block and `3}$` becomes a directive.
        let text = "location ~ ^/a\\d{3}$ { return 200; }\nlisten 80;\n";
        let ast = p(text);
        assert_eq!(ast.errors.len(), 1, "{:#?}", ast.errors);
        let e = &ast.errors[0];
        assert_eq!(
            e.message,
            "unquoted `{` in `location` arguments opens a block"
        );
        assert_eq!(&text[e.span().unwrap().range()], "{");
        assert_eq!(
            e.help.as_deref(),
            Some("quote the regular expression: location ~ \"^/a\\d{3}$\" { ... }")
        );
        // Recovery reads the regex as one argument.
        assert_eq!(
            flat(&ast),
            ["location ~ ^/a\\d{3}$ {", "return 200", "}", "listen 80"]
        );
        assert_eq!(messages("rewrite ^/x{2,5}/ /y;").len(), 1);
        // nginx 1.22 rejects a map key like this too ("unexpected {").
        let ast = p("map $uri $x { ~^/a{2} 1; }");
        assert_eq!(ast.errors.len(), 1, "{:#?}", ast.errors);
        assert_eq!(
            ast.errors[0].message,
            "unquoted `{` in `~^/a{2}` opens a block"
        );
        assert_eq!(flat(&ast), ["map $uri $x {", "~^/a{2} 1", "}"]);
        // Quoted, escaped or spaced braces are fine.
        clean("location ~ \"^/a\\d{3}$\" { return 200; }");
        clean("location ~ ^/a\\{3\\}$ { return 200; }");
    }

    #[test]
    fn dollar_brace_at_the_end_of_a_word_opens_no_block() {
        // nginx 1.22: `location ~ \.php${` -> directive "location" has no opening "{".
        let ast = p("location ~ \\.php${\n return 200;\n}\nlisten 80;\n");
        assert_eq!(ast.errors.len(), 1, "{:#?}", ast.errors);
        assert!(ast.errors[0].message.contains("`${`"));
        assert_eq!(
            flat(&ast),
            ["location ~ \\.php$ {", "return 200", "}", "listen 80"]
        );
    }

    #[test]
    fn missing_semicolon_before_a_closing_brace() {
        let text = "http {\n  server {\n    proxy_pass http://a\n  }\n  listen 80;\n}\n";
        let ast = p(text);
        assert_eq!(ast.errors.len(), 1, "{:#?}", ast.errors);
        let e = &ast.errors[0];
        assert_eq!(e.message, "missing `;` after this directive");
        assert_eq!(&text[e.span().unwrap().range()], "http://a");
        assert!(e.labels.iter().any(|l| &text[l.span.range()] == "}"));
        assert_eq!(
            flat(&ast),
            [
                "http {",
                "server {",
                "proxy_pass http://a",
                "}",
                "listen 80",
                "}"
            ]
        );
    }

    #[test]
    fn missing_semicolon_at_end_of_file() {
        let text = "events {}\nworker_processes 1";
        let ast = p(text);
        assert_eq!(ast.errors.len(), 1);
        let e = &ast.errors[0];
        assert_eq!(&text[e.span().unwrap().range()], "1");
        assert!(e.labels.iter().any(|l| l.span.start as usize == text.len()));
        assert_eq!(flat(&ast), ["events {", "}", "worker_processes 1"]);
    }

    #[test]
    fn unbalanced_braces() {
        let text = "events {}\n}\nhttp {\n  server {\n";
        let ast = p(text);
        assert_eq!(ast.errors.len(), 2, "{:#?}", ast.errors);
        assert!(ast.errors[0].message.contains("no matching"));
        assert_eq!(ast.errors[0].span().unwrap().range(), 10..11);
        let e = &ast.errors[1];
        assert!(
            e.message.contains("`server` block is not closed"),
            "{}",
            e.message
        );
        assert!(e.message.contains("2 blocks"), "{}", e.message);
        assert_eq!(&text[e.span().unwrap().range()], "{");
        assert_eq!(e.span().unwrap().start, 28);
        assert!(e.labels.iter().any(|l| l.span.start as usize == text.len()));
        let http = &ast.stmts[1];
        assert!(http.block.as_ref().unwrap().close.is_none());
    }

    #[test]
    fn stray_semicolon_and_brace() {
        let ast = p("; { listen 80; }\nserver { };\n");
        let m: Vec<_> = ast.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            m,
            [
                "unexpected `;` with no directive before it",
                "unexpected `{` with no directive before it",
                "unexpected `;` with no directive before it"
            ]
        );
        // The nameless block's contents are kept.
        assert_eq!(flat(&ast), ["listen 80", "server {", "}"]);
    }

    #[test]
    fn unclosed_quote() {
        let text = "auth_basic \"x;\nlisten 80;\n";
        let ast = p(text);
        assert_eq!(ast.errors.len(), 1, "{:#?}", ast.errors);
        assert_eq!(ast.errors[0].span().unwrap().range(), 11..12);
        // Recovery ends the string at the end of its line.
        assert_eq!(flat(&ast), ["auth_basic x; listen 80"]);
        assert_eq!(messages("a 'b").len(), 1);
    }

    #[test]
    fn one_mistake_does_not_hide_the_next() {
        let ast = p("a \"b\"c;\nserver {\n  x y\n}\n}\nlisten 80;\nz");
        assert_eq!(ast.errors.len(), 4, "{:#?}", ast.errors);
        assert_eq!(
            flat(&ast),
            ["a b c", "server {", "x y", "}", "listen 80", "z"]
        );
    }

    #[test]
    fn lua_blocks_are_raw() {
        let text = "content_by_lua_block {\n  local s = \"}\" .. '{' -- }}}\n  --[[ } ]] local t = { a = { [[}]] } }\n  --[==[ ]] } ]==]\n  ngx.say([=[ ]] } ]=])\n}\nlisten 80;\n";
        let ast = p(text);
        assert!(ast.errors.is_empty(), "{:#?}", ast.errors);
        assert_eq!(
            flat(&ast),
            ["content_by_lua_block {", "<raw>", "}", "listen 80"]
        );
        let b = ast.stmts[0].block.as_ref().unwrap();
        let Body::Raw(raw) = b.body else { panic!() };
        assert!(text[raw.range()].starts_with("\n  local s"));
        assert!(text[raw.range()].ends_with("]=])\n"));
        assert_eq!(&text[b.close.unwrap().range()], "}");
        // With an argument, nested in nginx blocks, glued brace.
        assert_eq!(
            clean("http { set_by_lua_block $x { return 1 } server { access_by_lua_block{ if a then x = {} end } } }"),
            ["http {", "set_by_lua_block $x {", "<raw>", "}", "server {", "access_by_lua_block {", "<raw>", "}", "}", "}"]
        );
        // Only in the directive name: `location /x_by_lua_block` is an ordinary block.
        assert_eq!(
            clean("location /x_by_lua_block { return 200 '{'; }"),
            ["location /x_by_lua_block {", "return 200 {", "}"]
        );
    }

    #[test]
    fn unclosed_lua_block() {
        let text = "content_by_lua_block { local t = { \n";
        let ast = p(text);
        assert_eq!(ast.errors.len(), 1);
        assert_eq!(ast.errors[0].span().unwrap().range(), 21..22);
        let b = ast.stmts[0].block.as_ref().unwrap();
        assert_eq!(b.body, Body::Raw(Span::new(FileId(0), 22, text.len())));
        assert!(b.close.is_none());
    }

    #[test]
    fn deeply_nested_lua_braces() {
        let n = 100_000;
        let text = format!(
            "content_by_lua_block {{{}{}}}\nlisten 80;\n",
            "{".repeat(n),
            "}".repeat(n)
        );
        assert_eq!(
            clean(&text),
            ["content_by_lua_block {", "<raw>", "}", "listen 80"]
        );
    }

    #[test]
    fn lua_scanning_stays_linear() {
        // After each block, nginx text that Lua would read as an unclosed long string: the
        // scan must stop at the closing brace, not run to the end of the file each time.
        let text = "a_by_lua_block { x = 1 } b [[;\n".repeat(20_000);
        let start = std::time::Instant::now();
        let ast = p(&text);
        assert!(ast.errors.is_empty(), "{:?}", ast.errors.first());
        assert_eq!(ast.stmts.len(), 40_000);
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
        // A body longer than a slice, braces everywhere, one far from the others.
        let body = format!(
            "{}{}{}",
            "{ s = '}' } ".repeat(10_000),
            "x".repeat(200_000),
            "{ }"
        );
        let text = format!("content_by_lua_block {{{body}}}\nlisten 80;\n");
        let ast = p(&text);
        assert!(ast.errors.is_empty(), "{:?}", ast.errors.first());
        let Some(Block {
            body: Body::Raw(raw),
            ..
        }) = &ast.stmts[0].block
        else {
            panic!()
        };
        assert_eq!(&text[raw.range()], body);
    }

    #[test]
    fn special_blocks_are_ordinary_blocks() {
        let text = "map $uri $x { default 0; \"~^/a{2}\" 1; ~x 2; }\ntypes { text/html html htm; }\n\
                    geo $g { 10.0.0.0/8 a; }\nsplit_clients \"${remote_addr}\" $v { 50% a; * b; }\n\
                    upstream u { server 127.0.0.1:81; }\ncharset_map koi8-r utf-8 { C0 D0B0; }\nmatch ok { status 200; }\n";
        let d = clean(text);
        assert_eq!(d[1], "default 0");
        assert_eq!(d[2], "~^/a{2} 1");
        assert_eq!(d.len(), 24, "{d:?}");
    }

    #[test]
    fn bom_and_crlf() {
        let text = "\u{feff}events {}\r\nhttp {\r\n  listen 80;\r\n}\r\n";
        let ast = p(text);
        assert!(ast.errors.is_empty());
        assert_eq!(ast.stmts[0].name.text, "\u{feff}events");
        assert_eq!(ast.stmts[0].name.span.range(), 0..9);
        assert_eq!(
            flat(&ast),
            ["\u{feff}events {", "}", "http {", "listen 80", "}"]
        );
    }

    #[test]
    fn spans_are_byte_offsets() {
        let text = "auth_basic \"Zutritt für Mitglieder\";\nlisten 80;";
        let ast = p(text);
        assert_eq!(
            &text[ast.stmts[0].args[0].span.range()],
            "\"Zutritt für Mitglieder\""
        );
        assert_eq!(&text[ast.stmts[1].span.range()], "listen 80;");
    }

    #[test]
    fn deep_nesting_is_one_error_not_a_crash() {
        let n = 100_000;
        let start = std::time::Instant::now();
        let open = "a {\n".repeat(n);
        let ast = p(&open);
        assert_eq!(ast.errors.len(), 2, "{:#?}", ast.errors); // too deep + not closed
        assert!(ast.errors[0].message.contains("deeper than 200"));
        let closed = open + &"}\n".repeat(n) + "listen 80;\n";
        let ast = p(&closed);
        assert_eq!(ast.errors.len(), 1, "{:#?}", ast.errors);
        assert_eq!(ast.stmts.len(), 2);
        assert!(start.elapsed().as_secs() < 10);
        drop(ast);
    }

    #[test]
    fn tokens_too_long_for_nginx() {
        // nginx 1.22: "too long parameter" from 4096 bytes on (with the character after).
        let word = |n: usize| format!("set $x {};\n", "a".repeat(n));
        assert!(p(&word(4095)).errors.is_empty());
        assert_eq!(messages(&word(4096)).len(), 1);
        let quoted = |n: usize| format!("set $x \"{}\";\n", "a".repeat(n));
        assert!(p(&quoted(4094)).errors.is_empty());
        assert!(messages(&quoted(4095))[0].contains("4097 bytes"));
        let comment = |n: usize| format!("#{}\nlisten 80;\n", "a".repeat(n));
        assert!(p(&comment(4094)).errors.is_empty());
        let ast = p(&comment(4095));
        assert_eq!(ast.errors.len(), 1);
        assert_eq!(ast.errors[0].span().unwrap().range(), 0..4096);
        assert_eq!(flat(&ast), ["listen 80"]);
    }

    #[test]
    fn arguments_past_the_limit_are_counted_out() {
        let text = format!("server_name{};\nlisten 80;\n", " a".repeat(MAX_ARGS + 10));
        let ast = p(&text);
        assert_eq!(ast.errors.len(), 1, "{:?}", ast.errors);
        assert_eq!(ast.stmts[0].args.len(), MAX_ARGS);
        assert_eq!(ast.stmts[1].name.text, "listen");
    }

    #[test]
    fn too_many_errors_are_capped() {
        let ast = p(&";".repeat(100_000));
        assert_eq!(ast.errors.len(), MAX_ERRORS + 1);
        assert!(ast.errors[MAX_ERRORS].message.contains("more than"));
    }

    #[test]
    fn backslash_at_the_end_of_the_file() {
        assert_eq!(
            messages("a \\"),
            ["the file ends before this directive's `;`"]
        );
        assert_eq!(
            messages("a b\\"),
            ["the file ends before this directive's `;`"]
        );
        assert_eq!(flat(&p("a \\")), ["a \\"]);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for t in [
            "",
            " ",
            "\\",
            "\"",
            "'",
            "#",
            "{",
            "}",
            ";",
            "$",
            "${",
            "a ${",
            "a \\",
            "a \"\\",
            "\"a\"\u{e9}",
            "content_by_lua_block",
            "content_by_lua_block {",
            "x_by_lua_block { [==[ ",
            "x_by_lua_block { --[[",
            "x_by_lua_block { \"",
            "location ~ a{",
            "location ~ a{3",
            "location ~ a{3}",
            "\u{feff}",
            "\r\n\r\n",
            "a \"\u{e9}\"\u{e9}",
            "a\0b;",
            "}}}}",
            "{{{{",
        ] {
            p(t);
        }
    }

    #[test]
    fn slices_do_not_change_the_result() {
        // Long words, quotes, comments and Lua bodies across slice boundaries.
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(&format!(
                "location /l{i} {{ auth_basic \"realm {i}\"; # c {{\n return 200 '{}'; }}\n",
                "x".repeat(i % 97)
            ));
            if i % 500 == 0 {
                text.push_str(&format!(
                    "a {};\ncontent_by_lua_block {{ local s = \"{}\" }}\n",
                    "w".repeat(70_000),
                    "{".repeat(70_000)
                ));
            }
        }
        let ast = p(&text);
        // Only the 70,000-byte words, too long for nginx.
        assert_eq!(ast.errors.len(), 6, "{:#?}", ast.errors);
        assert!(ast.errors.iter().all(|e| e.message.contains("70000 bytes")));
        assert_eq!(ast.stmts.len(), 3000 + 2 * 6);
        let third = &ast.stmts[3];
        assert_eq!(third.args[0].text, "/l1");
        let Some(Block {
            body: Body::Stmts(v),
            ..
        }) = &third.block
        else {
            panic!()
        };
        assert_eq!(v[0].args[0].text, "realm 1");
        assert_eq!(&text[v[1].span.range()], "return 200 'x';");
    }

    // Corpus acceptance and cut-and-splice robustness for both dialects: tests/corpus.rs.

    /// About 1 MB: 2,000 servers, 10,000 locations.
    fn big_config() -> String {
        let mut text = String::from("events {}\nhttp {\n");
        for s in 0..2000 {
            text.push_str(&format!(
                "  server {{\n    listen 127.0.0.1:{};\n    server_name s{s}.example.org;\n",
                8000 + s
            ));
            for l in 0..5 {
                text.push_str(&format!(
                    "    location /a{l}/ {{\n      auth_basic \"Area {l}\"; # {l}\n      auth_basic_user_file /etc/nginx/u{s};\n    }}\n"
                ));
            }
            text.push_str("  }\n");
        }
        text.push_str("}\n");
        text
    }

    /// Speed is measured by `bench/run.sh`, not here: this checks the big file's structure.
    #[test]
    fn one_megabyte_file_parses_whole() {
        let text = big_config();
        assert!(
            (1_000_000..1_200_000).contains(&text.len()),
            "{}",
            text.len()
        );
        let ast = parse(FileId(0), &text);
        assert!(ast.errors.is_empty());
        let Some(Body::Stmts(servers)) = ast
            .stmts
            .get(1)
            .and_then(|s| s.block.as_ref())
            .map(|b| &b.body)
        else {
            panic!("no http block")
        };
        assert_eq!(servers.len(), 2000);
    }

    #[test]
    fn ten_megabyte_line_finishes() {
        let mb = if cfg!(debug_assertions) { 1 } else { 10 };
        for unit in ["a ", "\"q\" ", "{", "}", ";", "x", "${", "a\"", "#"] {
            let text = unit.repeat(mb * 1024 * 1024 / unit.len());
            let start = std::time::Instant::now();
            let ast = p(&text);
            eprintln!(
                "{mb} MB of {unit:?}: {:?}, {} errors",
                start.elapsed(),
                ast.errors.len()
            );
            assert!(start.elapsed().as_secs() < 20);
        }
        let lua = format!(
            "content_by_lua_block {{ {} }}",
            "\\\"".repeat(mb * 512 * 1024)
        );
        p(&lua);
    }
}
