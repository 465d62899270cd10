//! `rules check`: runs every rule's inline examples and counter-examples.
//!
//! An example passes when one of the rule's matches in its text has every expected field
//! (`text` is the matched surface; other keys are CSV column names). A counter-example
//! passes when the rule accepts no match in it. Loading (see [`super::load()`]) has already
//! validated the files; this checks that the rules mean what their authors say.

use super::{Rule, RuleError, RuleGroup, RuleSet};
use crate::extract::{ByteRejection, Candidate, match_rule};
use crate::normalize::Context;
use crate::normalize::date::Ymd;

/// What `rules check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Rules checked.
    pub rules: usize,
    /// Examples run.
    pub examples: usize,
    /// Counter-examples run.
    pub counter_examples: usize,
    /// Country names loaded.
    pub country_names: usize,
    /// Every failure, located.
    pub failures: Vec<RuleError>,
}

fn describe(text: &str, c: &Candidate<'_>) -> String {
    let fields: Vec<String> = c
        .fact
        .fields()
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
        .collect();
    format!("{:?} {{{}}}", &text[c.start..c.end], fields.join(", "))
}

fn satisfies(text: &str, c: &Candidate<'_>, expect: &[(String, String)]) -> bool {
    let fields = c.fact.fields();
    expect.iter().all(|(k, v)| {
        if k == "text" {
            return &text[c.start..c.end] == v;
        }
        fields
            .iter()
            .any(|(name, value)| name == k && value.as_deref().unwrap_or("") == v)
    })
}

fn check_rule(rule: &Rule, group: &RuleGroup, report: &mut CheckReport) {
    let fail = |message: String| RuleError {
        file: rule.file.clone(),
        line: Some(rule.line),
        rule_id: Some(rule.id.clone()),
        message,
    };
    for ex in &rule.examples {
        report.examples += 1;
        let anchor = ex.published.as_deref().and_then(Ymd::parse_iso);
        if ex.published.is_some() && anchor.is_none() {
            report.failures.push(fail(format!(
                "example {:?}: published {:?} is not an ISO date",
                ex.text,
                ex.published.as_deref().unwrap_or_default()
            )));
            continue;
        }
        let cx = Context {
            lexicon: &group.lexicon,
            number_format: group.number_format,
            anchor,
        };
        let mut accepted = Vec::new();
        let mut rejected: Vec<ByteRejection<'_>> = Vec::new();
        match_rule(rule, &cx, &ex.text, &mut accepted, Some(&mut rejected));
        if accepted.iter().any(|c| satisfies(&ex.text, c, &ex.expect)) {
            continue;
        }
        let expected: Vec<String> = ex.expect.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let got = if accepted.is_empty() {
            let reasons: Vec<String> = rejected
                .iter()
                .map(|r| format!("{:?} rejected: {}", &ex.text[r.start..r.end], r.reason))
                .collect();
            if reasons.is_empty() {
                "no match".to_owned()
            } else {
                reasons.join("; ")
            }
        } else {
            accepted
                .iter()
                .map(|c| describe(&ex.text, c))
                .collect::<Vec<_>>()
                .join("; ")
        };
        report.failures.push(fail(format!(
            "example {:?}: expected {{{}}}, got {got}",
            ex.text,
            expected.join(", ")
        )));
    }
    for text in &rule.counter_examples {
        report.counter_examples += 1;
        let cx = Context {
            lexicon: &group.lexicon,
            number_format: group.number_format,
            anchor: None,
        };
        let mut accepted = Vec::new();
        match_rule(rule, &cx, text, &mut accepted, None);
        if let Some(c) = accepted.first() {
            report.failures.push(fail(format!(
                "counter-example {text:?} matched {}",
                describe(text, c)
            )));
        }
    }
}

/// Runs every example of every rule.
pub fn check(rules: &RuleSet) -> CheckReport {
    let mut report = CheckReport {
        country_names: rules.countries.len(),
        // Runs build a rule's regex on first use; here every one must build.
        failures: rules.compile_all(),
        ..CheckReport::default()
    };
    for group in std::iter::once(&rules.common).chain(rules.langs.values()) {
        for rule in &group.rules {
            report.rules += 1;
            check_rule(rule, group, &mut report);
        }
    }
    report
}
