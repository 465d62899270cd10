//! `newsfacts rules check`.

use clap::Subcommand;

use super::{ExitStatus, RulesArg};

#[derive(Debug, Subcommand)]
pub(super) enum RulesCommand {
    /// Validate every rule file and run every rule's examples and counter-examples.
    Check {
        #[command(flatten)]
        rules: RulesArg,
    },
}

pub(super) fn run(cmd: &RulesCommand) -> ExitStatus {
    match cmd {
        RulesCommand::Check { rules } => {
            let set = match rules.load() {
                Ok(s) => s,
                Err(status) => return status,
            };
            let report = crate::rules::check::check(&set);
            let prefix = rules.rules.as_ref().map_or_else(
                || "rules/".into(),
                |d| format!("{}/", d.display().to_string().trim_end_matches('/')),
            );
            for f in &report.failures {
                eprintln!("newsfacts: {prefix}{f}");
            }
            eprintln!(
                "{} rules in {} languages + common, {} examples, {} counter-examples, {} country names: {}",
                report.rules,
                set.langs.len(),
                report.examples,
                report.counter_examples,
                report.country_names,
                if report.failures.is_empty() {
                    "all pass".to_owned()
                } else {
                    format!("{} failures", report.failures.len())
                }
            );
            if report.failures.is_empty() {
                ExitStatus::Ok
            } else {
                ExitStatus::Fatal
            }
        }
    }
}
