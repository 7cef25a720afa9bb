//! AL003: a file authlint did not read.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL003",
    name: "file-skipped",
    severity: Severity::Info,
    default_enabled: true,
    summary: "A file was skipped: binary, over the size cap, or not a regular file",
    why: "authlint reads only regular text files up to a size cap, so a FIFO named `.htaccess`, \
          `include /dev/zero;` or a huge generated file cannot hang or exhaust a CI run. What it \
          skipped is listed so that nothing is left out silently.",
    bad: &[],
    good: &[],
    evidence: &[],
    check: Check::Builtin,
};
