//! AL002: an include that loops or reaches far too much.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL002",
    name: "include-problem",
    severity: Severity::Error,
    default_enabled: true,
    summary: "An include forms a cycle or matches far too many files",
    why: "A file that includes itself (directly or through others) stops the server from \
          starting: Apache gives up with \"Exceeded maximum include depth of 128\", and nginx \
          1.22 crashes with a segmentation fault without a word. A wildcard such as \
          `/*/*/*.conf` pulls in files nobody meant to load. authlint stops following such \
          includes and says where they are.",
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
    evidence: &[
        "scenario: apache_include_cycle",
        "scenario: nginx_include_cycle",
    ],
    check: Check::Builtin,
};
