//! Regular expressions as the servers compile them: both link PCRE2 (Debian's apache2 and
//! nginx), so patterns are compiled with PCRE2 itself, with each server's options.
//!
//! - Apache (`ap_regcomp`): `PCRE2_DUPNAMES` always, plus `RegexDefaultOptions`, whose
//!   default is `DOTALL DOLLAR_ENDONLY`; `[NC]` and `~*`-like forms add `CASELESS`.
//! - nginx (`ngx_regex_compile`): no options but `CASELESS` for `~*`.
//!
//! Neither sets UTF mode, so patterns and subjects are bytes. A compile error carries
//! PCRE2's own message and the byte offset in the pattern, which is what the servers log
//! when they refuse the pattern.
use pcre2::bytes::{Regex, RegexBuilder};
use std::collections::HashMap;

/// Whose compile options to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavor {
    Apache,
    Nginx,
}

/// Why a pattern does not compile, as PCRE2 says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub message: String,
    /// Byte offset in the pattern where PCRE2 stopped, when it says.
    pub offset: Option<usize>,
}

/// Compile `pattern` with the options `flavor` uses.
pub fn compile(pattern: &str, flavor: Flavor, caseless: bool) -> Result<Regex, CompileError> {
    let mut b = RegexBuilder::new();
    b.caseless(caseless).utf(false).ucp(false);
    if flavor == Flavor::Apache {
        b.dotall(true);
    }
    // DUPNAMES and DOLLAR_ENDONLY have no builder switch: the inline forms set the same
    // compile options for the whole pattern. `(?J)` is dupnames. DOLLAR_ENDONLY has no
    // inline form; it only changes whether `$` matches before a final newline, which a
    // URL path never ends with.
    let text: std::borrow::Cow<'_, str> = match flavor {
        Flavor::Apache => format!("(?J){pattern}").into(),
        Flavor::Nginx => pattern.into(),
    };
    let shift = text.len() - pattern.len();
    b.build(&text).map_err(|e| {
        // The Display form is "PCRE2: error compiling pattern[ at offset N]: MESSAGE".
        let shown = e.to_string();
        let message = shown
            .split_once("pattern")
            .and_then(|(_, rest)| rest.split_once(": "))
            .map_or(shown.clone(), |(_, m)| m.to_string());
        CompileError {
            message,
            offset: e.offset().map(|o| o.saturating_sub(shift)),
        }
    })
}

/// Compiled patterns by `(pattern, flavor, caseless)`, so rules that ask many URIs about
/// the same patterns compile each once.
#[derive(Default)]
pub struct Cache {
    compiled: HashMap<(String, Flavor, bool), Result<Regex, CompileError>>,
}

impl Cache {
    pub fn get(
        &mut self,
        pattern: &str,
        flavor: Flavor,
        caseless: bool,
    ) -> &Result<Regex, CompileError> {
        self.compiled
            .entry((pattern.to_string(), flavor, caseless))
            .or_insert_with(|| compile(pattern, flavor, caseless))
    }

    /// Does the pattern match `subject`? `None` when it does not compile or PCRE2 gives up
    /// (match limits).
    pub fn is_match(
        &mut self,
        pattern: &str,
        flavor: Flavor,
        caseless: bool,
        subject: &str,
    ) -> Option<bool> {
        match self.get(pattern, flavor, caseless) {
            Ok(re) => re.is_match(subject.as_bytes()).ok(),
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcre_only_constructs_compile() {
        // Lookaround and backreferences: what the `regex` crate refuses.
        assert!(compile(r"^/(?!public/).*\.php$", Flavor::Nginx, false).is_ok());
        assert!(compile(r"^/(a+)/\1$", Flavor::Apache, false).is_ok());
    }

    #[test]
    fn errors_carry_message_and_offset_in_the_users_pattern() {
        let e = compile("^/(abc", Flavor::Apache, false).err();
        let e = e.as_ref();
        assert!(
            e.is_some_and(|e| e.message.contains("missing closing parenthesis")),
            "{e:?}"
        );
        assert_eq!(e.and_then(|e| e.offset), Some(6));
        let e = compile("a**", Flavor::Nginx, false).err();
        assert!(e.is_some_and(|e| e.offset == Some(2)));
    }

    #[test]
    fn options_follow_the_server() {
        let mut c = Cache::default();
        // Apache's DOTALL: `.` matches a newline (an encoded %0A in the path).
        assert_eq!(
            c.is_match("^a.b$", Flavor::Apache, false, "a\nb"),
            Some(true)
        );
        assert_eq!(
            c.is_match("^a.b$", Flavor::Nginx, false, "a\nb"),
            Some(false)
        );
        assert_eq!(
            c.is_match(r"\.PHP$", Flavor::Nginx, true, "/x.php"),
            Some(true)
        );
        assert_eq!(
            c.is_match(r"\.PHP$", Flavor::Nginx, false, "/x.php"),
            Some(false)
        );
        // Duplicate group names are accepted by Apache only.
        let dup = "(?<n>a)|(?<n>b)";
        assert!(compile(dup, Flavor::Apache, false).is_ok());
        assert!(compile(dup, Flavor::Nginx, false).is_err());
        assert_eq!(c.is_match("(", Flavor::Nginx, false, "("), None);
    }
}
