//! AL002: an include that loops or reaches far too much.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL002",
    name: "include-problem",
    severity: Severity::Error,
    default_enabled: true,
    summary: "An include forms a cycle or matches far too many files",
    why: "A file that includes itself (directly or through others) makes the server fail at \
          start-up, and a wildcard such as `/*/*/*.conf` pulls in files nobody meant to load. \
          authlint stops following such includes and says where they are.",
    bad: &[&[
        Example {
            path: "conf/httpd.conf",
            text: "ServerRoot conf\nInclude a.conf\n",
        },
        Example {
            path: "conf/a.conf",
            text: "Include a.conf\n",
        },
    ]],
    good: &[&[
        Example {
            path: "conf/httpd.conf",
            text: "ServerRoot conf\nInclude a.conf\n",
        },
        Example {
            path: "conf/a.conf",
            text: "ServerName example.org\n",
        },
    ]],
    evidence: &[],
    check: Check::Builtin,
};
