//! Every rule's documentation examples are executable: each bad example must make the rule
//! fire, each good example must leave it silent. All in memory.

use authlint::rules::{testing::lint_examples, Check, ALL};

#[test]
fn bad_examples_fire_and_good_examples_stay_silent() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for rule in ALL {
        for files in rule.bad {
            checked += 1;
            if !lint_examples(files).iter().any(|d| d.code == rule.code) {
                problems.push(format!(
                    "{} {}: a bad example does not fire",
                    rule.code, rule.name
                ));
            }
        }
        for files in rule.good {
            checked += 1;
            let hits: Vec<String> = lint_examples(files)
                .into_iter()
                .filter(|d| d.code == rule.code)
                .map(|d| d.message)
                .collect();
            if !hits.is_empty() {
                problems.push(format!(
                    "{} {}: a good example fires: {hits:?}",
                    rule.code, rule.name
                ));
            }
        }
    }
    assert!(checked >= 10, "only {checked} examples");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_model_rule_documents_bad_and_good_examples() {
    for rule in ALL {
        if matches!(rule.check, Check::Model(_)) {
            assert!(
                !rule.bad.is_empty() && !rule.good.is_empty(),
                "{} lacks examples",
                rule.code
            );
            assert!(!rule.evidence.is_empty(), "{} names no evidence", rule.code);
        }
        assert!(
            !rule.why.is_empty() && !rule.summary.is_empty(),
            "{} lacks docs",
            rule.code
        );
    }
}

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut seen = std::collections::BTreeSet::new();
    for rule in ALL {
        assert!(seen.insert(rule.code), "duplicate {}", rule.code);
        assert!(seen.insert(rule.name), "duplicate {}", rule.name);
        assert!(
            rule.code.len() == 5 && rule.code.starts_with("AL"),
            "{}",
            rule.code
        );
        assert!(
            rule.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            rule.name
        );
    }
}

#[test]
fn readme_lists_every_rule_with_its_name_and_severity() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is part of the repository");
    let missing: Vec<String> = ALL
        .iter()
        .map(|r| format!("| {} | {} | {} |", r.code, r.name, r.severity.as_str()))
        .filter(|row| !readme.lines().any(|l| l.trim() == row))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's rule table lacks or misstates: {missing:?}"
    );
}
