//! AL004: a file that could not be read properly.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL004",
    name: "unreadable-file",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "A file could not be read, or is not valid UTF-8",
    why: "A permission problem, a symlink loop or a file in a legacy encoding means authlint \
          could not check what the server will read. Invalid UTF-8 is replaced and the file is \
          still linted; the rest of the run goes on either way.",
    bad: &[],
    good: &[],
    evidence: &[],
    check: Check::Builtin,
};
