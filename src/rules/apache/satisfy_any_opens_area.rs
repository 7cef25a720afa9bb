//! AL106: placeholder, being written (issue 5).
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL106",
    name: "satisfy-any-opens-area",
    severity: Severity::Error,
    default_enabled: true,
    summary: "being written",
    why: "being written",
    bad: &[],
    good: &[],
    evidence: &[],
    check: Check::Model(check),
};

fn check(_model: &Model, _out: &mut Sink) {}
