//! What the mod_rewrite rules (AL121-AL126) share: which scopes the server really reads,
//! what a broken directive costs there, and labels inside an argument word.
use crate::model::apache::{ApacheModel, ScopeId, ScopeKind};
use crate::model::rewrite::{split_raw_args, Rewrites};
use crate::model::Model;
use crate::source::Span;
use crate::syntax::apache::Directive;
use crate::syntax::Word;

/// The scopes holding mod_rewrite directives that the server parses as written: those
/// inside an unknown section (`<Macro>`, whose `$vars` are filled in later) are left out,
/// and so are conditional sections (`<IfModule>`), whose lines count in the scope around
/// them.
pub fn live_scopes(apache: &ApacheModel) -> Vec<ScopeId> {
    apache
        .rewrite_scopes()
        .into_iter()
        // Conditional sections are read inline, in the scope around them.
        .filter(|id| {
            apache
                .scope(*id)
                .is_some_and(|s| s.kind != ScopeKind::Conditional)
                && !inside_other(apache, *id)
        })
        .collect()
}

fn inside_other(apache: &ApacheModel, id: ScopeId) -> bool {
    let mut cur = Some(id);
    for _ in 0..4096 {
        let Some(s) = cur.and_then(|c| apache.scope(c)) else {
            return false;
        };
        if s.kind == ScopeKind::Other {
            return true;
        }
        cur = s.parent;
    }
    true
}

/// Does the scope stand in a `.htaccess` file?
pub fn in_htaccess(apache: &ApacheModel, id: ScopeId) -> bool {
    // A `.htaccess` scope's parent is the `<Directory>` covering it: ask by file.
    apache
        .scope(id)
        .is_some_and(|s| apache.htaccess.iter().any(|h| h.file == s.file))
}

/// What a directive Apache cannot parse costs in this scope.
pub fn parse_failure(apache: &ApacheModel, id: ScopeId) -> &'static str {
    if in_htaccess(apache, id) {
        "Apache answers 500 for every request under this directory"
    } else {
        "Apache refuses to start"
    }
}

/// The span of `len` bytes at byte `offset` of a word's value, when the word is written
/// as its value (no escapes); the whole word otherwise.
pub fn span_in_word(model: &Model, word: &Word, offset: usize, len: usize) -> Span {
    let raw = model
        .sources
        .get(word.span.file)
        .map(|f| f.slice(word.span))
        .unwrap_or("");
    let inner = if word.quoted {
        raw.get(1..raw.len().saturating_sub(1)).unwrap_or("")
    } else {
        raw
    };
    if inner != word.text || word.text.is_empty() {
        return word.span;
    }
    // PCRE2 reports "end of pattern" as the length: point at the last byte then.
    let offset = offset.min(word.text.len() - 1);
    let start = word.span.start as usize + usize::from(word.quoted) + offset;
    let end = (start + len.max(1)).min(word.span.end as usize - usize::from(word.quoted));
    Span::new(word.span.file, start, end.max(start))
}

/// The arguments of a `RewriteRule`/`RewriteCond` as mod_rewrite reads them
/// ([`split_raw_args`]: quotes and `\ ` its own way, words after the third ignored), with
/// spans. `None` when that cannot be told from the text: `${VAR}` (filled in at start-up)
/// or continuation lines.
pub fn mod_rewrite_args(model: &Model, d: &Directive) -> Option<Vec<Word>> {
    let file = model.sources.get(d.span.file)?;
    let start = d.name_span.end as usize;
    let raw = file.text.get(start..d.span.end as usize)?;
    if raw.contains("${") || raw.contains("\\\n") || raw.contains("\\\r\n") {
        return None;
    }
    let words = split_raw_args(raw)
        .into_iter()
        .map(|(r, quoted)| {
            let q = usize::from(quoted);
            let closed = quoted && raw.len() > r.end;
            Word {
                text: raw.get(r.clone()).unwrap_or("").to_string(),
                span: Span::new(
                    d.span.file,
                    start + r.start - q,
                    start + r.end + usize::from(closed),
                ),
                quoted: closed,
            }
        })
        .collect();
    Some(words)
}

/// Every `RewriteRule` and `RewriteCond` of a scope, in order of the model's lists.
pub fn rewrite_directives<'m>(rw: &Rewrites<'m>) -> Vec<&'m Directive> {
    let mut out = Vec::new();
    for rule in &rw.rules {
        out.extend(rule.conds.iter().map(|c| c.directive));
        out.push(rule.directive);
    }
    out.extend(rw.dangling.iter().map(|c| c.directive));
    out
}
