//! AL005: a path the config names that is not in the linted tree.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL005",
    name: "unresolved-path",
    severity: Severity::Info,
    default_enabled: true,
    summary: "A path named by the config is not in the linted tree",
    why: "Configs name production paths (`/etc/apache2/conf.d/*.conf`, `/srv/www/.htpasswd`). \
          When such a path is neither present nor mapped, authlint cannot check what it holds \
          and says so instead of guessing. Map it with `--map SERVER_PATH=LOCAL_PATH`.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nInclude /nonexistent/site.conf\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nIncludeOptional /nonexistent/site.conf\n",
    }]],
    evidence: &[],
    check: Check::Builtin,
};
