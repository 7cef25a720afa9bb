//! AL105: `Require all granted` beside a `Require` that needs a user, in one implicit (or
//! written) `<RequireAny>`: the first line grants every client, so nobody is asked for a
//! password.
//!
//! Also home of [`authz`], the small model of one section's authorization that AL105–AL107
//! evaluate: its `Require` lines, `<RequireAll|Any|None>` containers and `<Limit>` method
//! masks, as mod_authz_core reads them.
use crate::rules::prelude::*;
use authz::{Anon, Node, Op};

pub static RULE: Rule = Rule {
    code: "AL105",
    name: "require-any-grants-everyone",
    severity: Severity::Error,
    default_enabled: true,
    summary: "Require all granted beside Require valid-user lets everyone in without a password",
    why: "Several `Require` lines directly in one section are an implicit `<RequireAny>`: the \
          first one that grants decides. `Require all granted` grants every client, so the \
          `Require valid-user` (or `user`, `group`) beside it is never consulted: no password \
          prompt, content served to anyone. The same holds inside a written `<RequireAny>`.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n    Require all granted\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    <RequireAll>\n        Require ip 10.0.0.0/8\n        Require valid-user\n    </RequireAll>\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_require_all_granted_beside_valid_user",
        "scenario: apache_htaccess_require_all_granted_beside_valid_user",
        "scenario: apache_require_all_ip_and_valid_user",
        "scenario: apache_require_ip_beside_valid_user",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for id in authz::sections(apache) {
        let Some(section) = authz::section_authz(apache, id) else {
            continue;
        };
        // `AuthMerging And` ANDs this section with the one above: granting here grants nothing.
        let merged_and = authz::auth_merging(apache, id).as_deref() == Some("and");
        visit(&section.top, true, merged_and, out);
    }
}

/// Look at every any-context of a section's tree, outside `<RequireNone>`.
fn visit(node: &Node<'_>, top: bool, skip_top: bool, out: &mut Sink) {
    let Node::Group { op, children, .. } = node else {
        return;
    };
    match op {
        // Negated: what grants below it denies the request; not this rule's business.
        Op::None => return,
        Op::Any if !(top && skip_top) => report_any(node, top, out),
        _ => {}
    }
    for child in children {
        visit(child, false, false, out);
    }
}

/// One any-context: does one alternative grant every client for a method the user `Require`
/// beside it applies to?
fn report_any(node: &Node<'_>, top: bool, out: &mut Sink) {
    let Node::Group { children, head, .. } = node else {
        return;
    };
    let mut methods: Vec<&str> = Vec::new();
    let mut pair = None;
    for method in authz::PROBES {
        let found = children.iter().enumerate().find_map(|(gi, g)| {
            if g.eval(method, false) != (Anon::Granted { explicit: true }) {
                return None;
            }
            let granting = g.granting_require(method)?;
            let user = children
                .iter()
                .enumerate()
                .filter(|(ui, _)| *ui != gi)
                .flat_map(|(_, u)| u.user_requires())
                .find(|u| u.methods().contains(method))?;
            Some((granting, user))
        });
        if let Some(p) = found {
            methods.push(method);
            pair.get_or_insert(p);
        }
    }
    let Some((granting, user)) = pair else {
        return;
    };
    let (Node::Require { directive: g, .. }, Node::Require { directive: u, .. }) = (granting, user)
    else {
        return;
    };
    let user_text = authz::require_text(u);
    let scope = if methods.len() == authz::PROBES.len() {
        String::new()
    } else {
        format!(" for {}", authz::method_list(&methods))
    };
    let message = match head {
        Some(h) if !top => format!(
            "`Require all granted` satisfies this `<{}>` for every client{scope}, so `{user_text}` in it never asks for a password",
            h.name
        ),
        _ => format!(
            "`Require all granted` beside `{user_text}` lets everyone in without a password{scope}"
        ),
    };
    let d = out
        .diag(message)
        .at(g.span, "grants every client")
        .label(u.span, "never consulted: one granting line is enough")
        .help(
            "remove `Require all granted`, or wrap the lines in `<RequireAll>` if every one \
             of them must hold",
        );
    out.emit(d);
}

pub(super) mod authz {
    //! One section's authorization as mod_authz_core builds it: the `Require` lines directly
    //! in the section (and in `<Limit>`/`<LimitExcept>` and conditionals inside it) form an
    //! implicit `<RequireAny>`; `<RequireAll|Any|None>` nest. A `Require` inside `<Limit>`
    //! applies to the listed methods only; for any other method it counts as granted under
    //! an AND (the top of a section is evaluated under AND) and as neutral under an OR.
    //! Nested sections (`<Files>` in `<Directory>`, `<If>`...) are sections of their own.

    use crate::model::apache::{ApacheModel, Item, ScopeId, ScopeKind, SectionHead};
    use crate::syntax::apache::Directive;
    use std::collections::BTreeSet;

    /// Methods checked one by one; `""` stands for a method no section names (MKCOL, COPY...).
    pub const PROBES: [&str; 8] = [
        "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "",
    ];

    /// `Require` providers that need an authenticated user.
    const USER_PROVIDERS: &[&str] = &[
        "valid-user",
        "user",
        "group",
        "file-owner",
        "file-group",
        "dbm-group",
        "dbd-group",
        "ldap-user",
        "ldap-group",
        "ldap-dn",
        "ldap-attribute",
        "ldap-filter",
    ];

    const MAX_DEPTH: usize = 256;

    /// The methods a directive applies to. Method names are case-sensitive in Apache
    /// (`<Limit get>` does not cover GET).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Methods {
        Only(BTreeSet<String>),
        AllBut(BTreeSet<String>),
    }

    impl Methods {
        pub fn all() -> Methods {
            Methods::AllBut(BTreeSet::new())
        }
        pub fn none() -> Methods {
            Methods::Only(BTreeSet::new())
        }
        pub fn contains(&self, method: &str) -> bool {
            match self {
                Methods::Only(s) => s.contains(method),
                Methods::AllBut(s) => !s.contains(method),
            }
        }
        pub fn union(&self, other: &Methods) -> Methods {
            use Methods::*;
            match (self, other) {
                (Only(a), Only(b)) => Only(a | b),
                (AllBut(a), Only(b)) | (Only(b), AllBut(a)) => AllBut(a - b),
                (AllBut(a), AllBut(b)) => AllBut(a & b),
            }
        }
        pub fn intersect(&self, other: &Methods) -> Methods {
            use Methods::*;
            match (self, other) {
                (Only(a), Only(b)) => Only(a & b),
                (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => Only(a - b),
                (AllBut(a), AllBut(b)) => AllBut(a | b),
            }
        }
        /// What a `<Limit>` or `<LimitExcept>` head selects.
        fn of_limit(head: &SectionHead) -> Methods {
            let names: BTreeSet<String> = head.args.iter().map(|a| a.text.clone()).collect();
            if head.key == "limitexcept" {
                Methods::AllBut(names)
            } else {
                Methods::Only(names)
            }
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Op {
        Any,
        All,
        None,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Provider {
        /// `Require all granted`
        Granted,
        /// `Require all denied`
        Denied,
        /// Needs a logged-in user (`valid-user`, `user`, `group`...).
        User,
        /// Depends on the client or request (`ip`, `host`, `env`, `method`, `expr`...).
        Other,
        /// `Require not ...`
        Negated,
    }

    #[derive(Debug)]
    pub enum Node<'m> {
        Require {
            directive: &'m Directive,
            provider: Provider,
            methods: Methods,
            /// The innermost `<Limit>`/`<LimitExcept>` around it.
            limit: Option<&'m SectionHead>,
        },
        Group {
            op: Op,
            /// `None` for the implicit `<RequireAny>` of the section itself.
            head: Option<&'m SectionHead>,
            methods: Methods,
            children: Vec<Node<'m>>,
        },
    }

    /// What an anonymous request from any client gets from a node, for one method.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Anon {
        /// Let in. `explicit`: by `Require all granted`; otherwise because the `Require`
        /// lines that would apply are limited to other methods.
        Granted {
            explicit: bool,
        },
        /// Depends on the client (address, host, environment).
        Maybe,
        /// Asked for a password.
        Prompt,
        Denied,
        /// No opinion (limited to other methods under an OR).
        Neutral,
    }

    impl Anon {
        fn rank(self) -> u8 {
            match self {
                Anon::Granted { explicit: true } => 5,
                Anon::Granted { explicit: false } => 4,
                Anon::Maybe => 3,
                Anon::Prompt => 2,
                Anon::Denied => 1,
                Anon::Neutral => 0,
            }
        }
    }

    impl<'m> Node<'m> {
        pub fn methods(&self) -> &Methods {
            match self {
                Node::Require { methods, .. } | Node::Group { methods, .. } => methods,
            }
        }

        /// The result for an anonymous request with `method`; `in_all`: the parent is an
        /// AND (the top of a section is evaluated as one).
        pub fn eval(&self, method: &str, in_all: bool) -> Anon {
            if !self.methods().contains(method) {
                return if in_all {
                    Anon::Granted { explicit: false }
                } else {
                    Anon::Neutral
                };
            }
            match self {
                Node::Require { provider, .. } => match provider {
                    Provider::Granted => Anon::Granted { explicit: true },
                    Provider::Denied => Anon::Denied,
                    Provider::User => Anon::Prompt,
                    Provider::Other | Provider::Negated => Anon::Maybe,
                },
                Node::Group { op, children, .. } => match op {
                    Op::Any => children
                        .iter()
                        .map(|c| c.eval(method, false))
                        .max_by_key(|a| a.rank())
                        .unwrap_or(Anon::Neutral),
                    Op::All => {
                        let results: Vec<Anon> =
                            children.iter().map(|c| c.eval(method, true)).collect();
                        let any = |a: Anon| results.contains(&a);
                        if any(Anon::Denied) {
                            Anon::Denied
                        } else if any(Anon::Prompt) {
                            Anon::Prompt
                        } else if any(Anon::Maybe) {
                            Anon::Maybe
                        } else if any(Anon::Granted { explicit: false }) {
                            Anon::Granted { explicit: false }
                        } else if any(Anon::Granted { explicit: true }) {
                            Anon::Granted { explicit: true }
                        } else {
                            Anon::Neutral
                        }
                    }
                    // Negation: not analysed.
                    Op::None => Anon::Maybe,
                },
            }
        }

        /// Every `Require` in the subtree that needs a user, outside `<RequireNone>`.
        pub fn user_requires(&self) -> Vec<&Node<'m>> {
            let mut out = Vec::new();
            self.requires_where(&mut out, &|p| p == Provider::User);
            out
        }

        /// The first `Require all granted` in the subtree that applies to `method`, outside
        /// `<RequireNone>`.
        pub fn granting_require(&self, method: &str) -> Option<&Node<'m>> {
            let mut found = Vec::new();
            self.requires_where(&mut found, &|p| p == Provider::Granted);
            found.into_iter().find(|n| n.methods().contains(method))
        }

        fn requires_where<'a>(
            &'a self,
            out: &mut Vec<&'a Node<'m>>,
            keep: &dyn Fn(Provider) -> bool,
        ) {
            match self {
                Node::Require { provider, .. } => {
                    if keep(*provider) {
                        out.push(self);
                    }
                }
                Node::Group { op: Op::None, .. } => {}
                Node::Group { children, .. } => {
                    for c in children {
                        c.requires_where(out, keep);
                    }
                }
            }
        }
    }

    /// A section's authorization: the implicit `<RequireAny>` on top, and the methods its
    /// `<LimitExcept>` sections leave out on purpose.
    #[derive(Debug)]
    pub struct SectionAuthz<'m> {
        pub top: Node<'m>,
        pub exempted: BTreeSet<String>,
    }

    /// Sections whose `Require` lines form one authorization of their own.
    pub fn is_section(model: &ApacheModel, id: ScopeId) -> bool {
        let Some(scope) = model.scope(id) else {
            return false;
        };
        match scope.kind {
            ScopeKind::Directory
            | ScopeKind::DirectoryMatch
            | ScopeKind::Files
            | ScopeKind::FilesMatch
            | ScopeKind::Location
            | ScopeKind::LocationMatch
            | ScopeKind::If
            | ScopeKind::ElseIf
            | ScopeKind::Else
            | ScopeKind::Htaccess => true,
            ScopeKind::Other => scope
                .head
                .as_ref()
                .is_some_and(|h| h.key == "proxy" || h.key == "proxymatch"),
            _ => false,
        }
    }

    pub fn sections(model: &ApacheModel) -> impl Iterator<Item = ScopeId> + '_ {
        (0..model.scopes.len()).filter(move |id| is_section(model, *id))
    }

    fn container_op(key: &str) -> Option<Op> {
        match key {
            "requireany" => Some(Op::Any),
            "requireall" => Some(Op::All),
            "requirenone" => Some(Op::None),
            _ => None,
        }
    }

    fn provider(d: &Directive) -> Provider {
        let mut args = d.args.iter().map(|a| a.text.to_ascii_lowercase());
        match args.next().as_deref() {
            Some("not") => Provider::Negated,
            Some("all") => match args.next().as_deref() {
                Some("granted") => Provider::Granted,
                Some("denied") => Provider::Denied,
                _ => Provider::Other,
            },
            Some(p) if USER_PROVIDERS.contains(&p) => Provider::User,
            _ => Provider::Other,
        }
    }

    /// The authorization written in a section, or `None` when it has no `Require` (it then
    /// inherits the one above).
    pub fn section_authz(model: &ApacheModel, id: ScopeId) -> Option<SectionAuthz<'_>> {
        let mut children = Vec::new();
        let mut exempted = BTreeSet::new();
        collect(
            model,
            id,
            &Methods::all(),
            None,
            &mut children,
            &mut exempted,
            0,
        );
        if children.is_empty() {
            return None;
        }
        // mod_authz_core: the section applies to the union of what its lines apply to.
        let methods = children
            .iter()
            .fold(Methods::none(), |acc, c| acc.union(c.methods()));
        Some(SectionAuthz {
            top: Node::Group {
                op: Op::Any,
                head: None,
                methods,
                children,
            },
            exempted,
        })
    }

    fn collect<'m>(
        model: &'m ApacheModel,
        id: ScopeId,
        methods: &Methods,
        limit: Option<&'m SectionHead>,
        out: &mut Vec<Node<'m>>,
        exempted: &mut BTreeSet<String>,
        depth: usize,
    ) {
        let Some(scope) = model.scope(id) else {
            return;
        };
        if depth > MAX_DEPTH {
            return;
        }
        for item in &scope.items {
            match item {
                Item::Directive(d) if d.key == "require" => out.push(Node::Require {
                    directive: d,
                    provider: provider(d),
                    methods: methods.clone(),
                    limit,
                }),
                Item::Directive(_) => {}
                Item::Scope(c) => {
                    let Some(child) = model.scope(*c) else {
                        continue;
                    };
                    match (child.kind, child.head.as_ref()) {
                        (ScopeKind::Conditional, _) => {
                            collect(model, *c, methods, limit, out, exempted, depth + 1)
                        }
                        (ScopeKind::Limit | ScopeKind::LimitExcept, Some(h)) => {
                            if h.key == "limitexcept" {
                                exempted.extend(h.args.iter().map(|a| a.text.clone()));
                            }
                            let inner = methods.intersect(&Methods::of_limit(h));
                            collect(model, *c, &inner, Some(h), out, exempted, depth + 1);
                        }
                        (ScopeKind::Other, Some(h)) => {
                            let Some(op) = container_op(&h.key) else {
                                continue;
                            };
                            let mut inner = Vec::new();
                            collect(model, *c, methods, limit, &mut inner, exempted, depth + 1);
                            out.push(Node::Group {
                                op,
                                head: Some(h),
                                methods: methods.clone(),
                                children: inner,
                            });
                        }
                        // A section of its own.
                        _ => {}
                    }
                }
            }
        }
    }

    /// mod_access_compat directives (`Order`, `Allow`, `Deny`, `Satisfy`) written in a
    /// section, with the methods each applies to, in file order.
    pub fn access_compat(model: &ApacheModel, id: ScopeId) -> Vec<(&Directive, Methods)> {
        let mut out = Vec::new();
        collect_access(model, id, &Methods::all(), &mut out, 0);
        out
    }

    fn collect_access<'m>(
        model: &'m ApacheModel,
        id: ScopeId,
        methods: &Methods,
        out: &mut Vec<(&'m Directive, Methods)>,
        depth: usize,
    ) {
        let Some(scope) = model.scope(id) else {
            return;
        };
        if depth > MAX_DEPTH {
            return;
        }
        for item in &scope.items {
            match item {
                Item::Directive(d) => {
                    if matches!(d.key.as_str(), "order" | "allow" | "deny" | "satisfy") {
                        out.push((d, methods.clone()));
                    }
                }
                Item::Scope(c) => {
                    let Some(child) = model.scope(*c) else {
                        continue;
                    };
                    match (child.kind, child.head.as_ref()) {
                        (ScopeKind::Limit | ScopeKind::LimitExcept, Some(h)) => {
                            let inner = methods.intersect(&Methods::of_limit(h));
                            collect_access(model, *c, &inner, out, depth + 1);
                        }
                        (ScopeKind::Conditional, _) => {
                            collect_access(model, *c, methods, out, depth + 1)
                        }
                        (ScopeKind::Other, Some(h)) if container_op(&h.key).is_some() => {
                            collect_access(model, *c, methods, out, depth + 1)
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// The value of `AuthMerging` written in a section, lowercased (it is not inherited).
    pub fn auth_merging(model: &ApacheModel, id: ScopeId) -> Option<String> {
        model
            .last_in(id, "authmerging")
            .and_then(|d| d.args.first())
            .map(|a| a.text.to_ascii_lowercase())
    }

    /// `Require valid-user`, `Require user alice bob`: the line as a user would quote it.
    pub fn require_text(d: &Directive) -> String {
        let args: Vec<&str> = d.arg_texts().collect();
        if args.is_empty() {
            d.name.clone()
        } else {
            format!("{} {}", d.name, args.join(" "))
        }
    }

    /// `GET, POST and any other method`.
    pub fn method_list(methods: &[&str]) -> String {
        let names: Vec<&str> = methods
            .iter()
            .map(|m| if m.is_empty() { "any other method" } else { m })
            .collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            Some((last, _)) => (*last).to_string(),
            None => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn dir(body: &str) -> String {
        format!(
            "ServerRoot /x\n<Directory /srv/www/private>\nAuthType Basic\nAuthName \"p\"\n\
             AuthUserFile /x/users\n{body}</Directory>\n"
        )
    }

    #[test]
    fn granted_beside_valid_user_fires_with_both_labels() {
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Require valid-user\nRequire all granted\n"),
            )],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].labels.len(), 1);
        assert!(
            found[0].message.contains("`Require valid-user`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn granted_beside_group_inside_require_any_fires() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<RequireAny>\nRequire all granted\nRequire group admins\n</RequireAny>\n"),
            )],
        );
    }

    #[test]
    fn require_all_needs_both() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<RequireAll>\nRequire all granted\nRequire valid-user\n</RequireAll>\n"),
            )],
        );
    }

    #[test]
    fn granted_beside_a_require_all_with_the_user_fires() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Require all granted\n<RequireAll>\nRequire valid-user\nRequire ip 10.0.0.0/8\n</RequireAll>\n"),
            )],
        );
    }

    #[test]
    fn a_require_all_that_only_grants_counts_as_granting() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Require valid-user\n<RequireAll>\nRequire all granted\n</RequireAll>\n"),
            )],
        );
    }

    #[test]
    fn ip_beside_valid_user_is_left_alone() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Require ip 10.0.0.0/8\nRequire valid-user\n"),
            )],
        );
    }

    #[test]
    fn granted_for_get_only_names_the_method() {
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Require valid-user\n<Limit GET>\nRequire all granted\n</Limit>\n"),
            )],
        );
        assert!(
            found[0].message.ends_with("for GET"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn public_reads_and_protected_writes_are_deliberate() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<Limit GET>\nRequire all granted\n</Limit>\n<LimitExcept GET>\nRequire valid-user\n</LimitExcept>\n"),
            )],
        );
    }

    #[test]
    fn auth_merging_and_keeps_the_parent_requirement() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("AuthMerging And\nRequire all granted\nRequire valid-user\n"),
            )],
        );
    }

    #[test]
    fn negated_context_stays_silent() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Require valid-user\n<RequireNone>\n<RequireAny>\nRequire all granted\nRequire user bob\n</RequireAny>\n</RequireNone>\n"),
            )],
        );
    }

    #[test]
    fn nested_require_any_says_so() {
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<RequireAll>\nRequire ip 10.0.0.0/8\n<RequireAny>\nRequire all granted\nRequire valid-user\n</RequireAny>\n</RequireAll>\n"),
            )],
        );
        assert!(
            found[0].message.contains("this `<RequireAny>`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_nested_section_is_its_own_context() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Require all granted\n<Files secret.txt>\nRequire valid-user\n</Files>\n"),
            )],
        );
    }

    #[test]
    fn lines_inside_ifmodule_count() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("LoadModule authz_core_module modules/mod_authz_core.so\n{}", dir("Require valid-user\n<IfModule authz_core_module>\nRequire all granted\n</IfModule>\n")),
            )],
        );
    }

    #[test]
    fn lone_htaccess_fires_on_what_it_says() {
        fires(
            &super::RULE,
            &[(
                "site/.htaccess",
                "Require all granted\nRequire valid-user\n",
            )],
        );
    }

    #[test]
    fn method_list_reads_well() {
        assert_eq!(super::authz::method_list(&["GET"]), "GET");
        assert_eq!(
            super::authz::method_list(&["PUT", "DELETE", ""]),
            "PUT, DELETE and any other method"
        );
    }
}
