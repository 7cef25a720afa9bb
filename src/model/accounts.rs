//! The account a server's workers run as, which decides whether they can open a password
//! file: Apache's `User`/`Group`, nginx's `user`, or what the assumed packaging sets.
//!
//! Guarantees: an answer only when the config (or the `--assume`d packaging) decides it.
//! Apache without `User` in a main config the input shows keeps running as the user that
//! started it (its built-in `#-1` fails to resolve; observed: the children stay root), so
//! that is no answer. nginx without `user` runs its workers as `nobody` and group
//! `nogroup` (the defaults of a Debian build). A variable other than Debian's
//! `${APACHE_RUN_USER}`/`${APACHE_RUN_GROUP}` is no answer either.
use super::apache::Assume;
use super::{Model, PasswordRef};
use crate::htpasswd::scheme::Server;
use crate::source::Span;

/// Who a server's workers run as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunAs {
    pub user: String,
    pub group: String,
    /// The directive that sets it; `None` for a default or the assumed packaging.
    pub from: Option<Span>,
    /// Where the names come from, for messages ("nginx's default", "Debian's envvars").
    pub source: &'static str,
}

/// The account the server that reads `r` runs its workers as, when the input decides it.
pub fn run_as(model: &Model, r: &PasswordRef) -> Option<RunAs> {
    match r.server {
        Server::Apache => apache_run_as(model, r.scope),
        Server::Nginx => nginx_run_as(model, r.scope),
    }
}

/// Debian's `/etc/apache2/envvars` sets both to `www-data`.
fn debian_envvar(word: &str, assume: Assume) -> Option<String> {
    match (word, assume) {
        ("${APACHE_RUN_USER}" | "${APACHE_RUN_GROUP}", Assume::Debian) => Some("www-data".into()),
        _ if word.contains('$') => None,
        _ => Some(word.to_string()),
    }
}

fn apache_run_as(model: &Model, scope: usize) -> Option<RunAs> {
    let apache = &model.apache;
    let root = apache.root_of(scope)?;
    let user = apache.last_in(root, "user");
    let group = apache.last_in(root, "group");
    let arg = |d: Option<&crate::syntax::apache::Directive>| {
        d.and_then(|d| d.args.first())
            .and_then(|w| debian_envvar(&w.text, apache.assume))
    };
    match (user, group) {
        (None, None) => {
            // Only an assumed main config decides what the input leaves out.
            let (assume, _) = apache.assumed?;
            let (name, source) = match assume {
                Assume::Debian => ("www-data", "Debian's /etc/apache2/envvars"),
                Assume::Upstream => ("daemon", "the httpd.conf that httpd installs"),
                Assume::None => return None,
            };
            Some(RunAs {
                user: name.into(),
                group: name.into(),
                from: None,
                source,
            })
        }
        (Some(u), g) => {
            let user = arg(Some(u))?;
            let group = match g {
                Some(_) => arg(g)?,
                // Group unset: Apache's built-in #-1, which no account resolves to.
                None => return None,
            };
            Some(RunAs {
                user,
                group,
                from: Some(u.span),
                source: "the User directive",
            })
        }
        (None, Some(_)) => None,
    }
}

fn nginx_run_as(model: &Model, ctx: usize) -> Option<RunAs> {
    let nginx = &model.nginx;
    let mut top = ctx;
    for _ in 0..4096 {
        match nginx.context(top)?.parent {
            Some(p) => top = p,
            None => break,
        }
    }
    if nginx.context(top)?.kind != "main" {
        return None;
    }
    let Some(d) = nginx.directives_in(top, "user").into_iter().last() else {
        return Some(RunAs {
            user: "nobody".into(),
            group: "nogroup".into(),
            from: None,
            source: "nginx's default (no `user` directive)",
        });
    };
    let user = d.args.first()?.text.clone();
    let group = d
        .args
        .get(1)
        .map_or_else(|| user.clone(), |g| g.text.clone());
    if user.contains('$') || group.contains('$') {
        return None;
    }
    Some(RunAs {
        user,
        group,
        from: Some(d.span),
        source: "the user directive",
    })
}
