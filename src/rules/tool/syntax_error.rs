//! AL001: the server cannot parse the file.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL001",
    name: "syntax-error",
    severity: Severity::Error,
    default_enabled: true,
    summary: "The server cannot parse this file",
    why: "Apache refuses to start (or answers 500 for a broken .htaccess) and nginx refuses to \
          start or reload when a file does not parse: unbalanced sections or braces, a missing \
          `;`, a quote that runs into the next word. authlint keeps reading after the error, so \
          later findings in the same file are still reported.",
    bad: &[
        &[Example {
            path: "httpd.conf",
            text: "<Directory \"/srv/www/private\">\n    AuthType Basic\n</Location>\n",
        }],
        &[Example {
            path: "nginx.conf",
            text: "events {}\nhttp {\n    server {\n        listen 80\n    }\n}\n",
        }],
    ],
    good: &[
        &[Example {
            path: "httpd.conf",
            text: "<Directory \"/srv/www/private\">\n    AuthType Basic\n</Directory>\n",
        }],
        &[Example {
            path: "nginx.conf",
            text: "events {}\nhttp {\n    server {\n        listen 80;\n    }\n}\n",
        }],
    ],
    evidence: &[
        "scenario: apache_unclosed_section",
        "scenario: nginx_missing_semicolon",
        "corpus: MANIFEST syntax rejections (tests/corpus.rs)",
    ],
    check: Check::Builtin,
};
