//! AL006: no main server config in the input, so a stock one is assumed.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL006",
    name: "assumed-main-config",
    severity: Severity::Info,
    default_enabled: true,
    summary: "No Apache or nginx main config in the input; the packaged stock one is assumed",
    why: "Most people lint a vhost or a site folder, not all of /etc/apache2. What the main \
          config says still decides who gets in: Debian's apache2.conf (like httpd's own \
          httpd.conf) denies everything under `<Directory />`, grants `/var/www/`, and denies \
          `.ht*` files. authlint assumes that stock config (`--assume debian`, the default), \
          says so once, and never reports what those defaults already prevent. It does not \
          assume that `.htaccess` files are ignored: whoever ships one has enabled them \
          somewhere authlint cannot see. `--assume upstream` takes httpd's own config, \
          `--assume none` assumes nothing. For nginx the same holds: server blocks and \
          http-level files linted without their nginx.conf are read as sitting inside the \
          http {} of the stock nginx.conf (Debian: `include sites-enabled/*`).",
    bad: &[&[Example {
        path: "sites-enabled/site.conf",
        text: "<VirtualHost *:80>\n    DocumentRoot /var/www/html\n</VirtualHost>\n",
    }]],
    good: &[&[
        Example {
            path: "apache2.conf",
            text: "ServerRoot /etc/apache2\nInclude sites-enabled/site.conf\n",
        },
        Example {
            path: "sites-enabled/site.conf",
            text: "<VirtualHost *:80>\n    DocumentRoot /var/www/html\n</VirtualHost>\n",
        },
    ]],
    evidence: &[],
    check: Check::Builtin,
};
