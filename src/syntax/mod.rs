//! Parsing: pest grammars in `grammar/`, lowered at once into our own AST.
//!
//! No pest type leaves this module. Every node carries a [`Span`] (with its file id).
//! Syntax errors come back as AL001 diagnostics next to the AST, never as a panic: one bad
//! line does not hide the rest of the file.

pub mod apache;
pub mod nginx;

use crate::source::Span;

/// How deeply sections (Apache) or blocks (nginx) may nest before the parser stops nesting
/// and reports AL001. Keeps every later recursive walk far from the stack limit.
pub const MAX_DEPTH: usize = 200;

/// One argument word as the server reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The value after unquoting and unescaping (and, in Apache, joining continuation lines).
    pub text: String,
    /// The raw token, quotes included.
    pub span: Span,
    /// Written in quotes.
    pub quoted: bool,
}
