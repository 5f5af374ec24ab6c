//! The verdicts, summarised per requirement as in the design's acceptance table, and as JUnit.

use serde::Serialize;

use crate::checks::{CheckResult, Mode, Outcome, REQUIREMENTS};

/// Every check's verdict, in requirement order.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub requirements: Vec<RequirementRow>,
    pub checks: Vec<CheckResult>,
}

/// One row of the acceptance table.
#[derive(Debug, Clone, Serialize)]
pub struct RequirementRow {
    pub id: &'static str,
    pub title: &'static str,
    pub mode: Mode,
    pub tests: usize,
    pub pass: usize,
    pub fail: usize,
    /// Checks that could not run here (neither passed nor failed).
    pub not_run: usize,
}

impl RequirementRow {
    pub fn passed(&self) -> bool {
        self.fail == 0 && self.pass > 0
    }
}

impl Report {
    /// Adds verdicts reached elsewhere (probes) and recounts.
    pub fn extend(&mut self, results: impl IntoIterator<Item = CheckResult>) {
        let mut checks = std::mem::take(&mut self.checks);
        checks.extend(results);
        *self = Report::new(checks);
    }

    /// The report of `checks`, put in the acceptance table's order (stable within a requirement).
    pub(crate) fn new(mut checks: Vec<CheckResult>) -> Self {
        checks.sort_by_key(|c| REQUIREMENTS.iter().position(|r| r.id == c.requirement));
        let requirements = REQUIREMENTS
            .iter()
            .map(|r| {
                let mine: Vec<&CheckResult> = checks.iter().filter(|c| c.requirement == r.id).collect();
                let count = |o: Outcome| mine.iter().filter(|c| c.outcome == o).count();
                RequirementRow {
                    id: r.id,
                    title: r.title,
                    mode: r.mode,
                    tests: mine.len(),
                    pass: count(Outcome::Passed),
                    fail: count(Outcome::Failed),
                    not_run: count(Outcome::NotRun),
                }
            })
            .collect();
        Report { requirements, checks }
    }

    pub fn total(&self) -> usize {
        self.checks.len()
    }

    pub fn failed(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.outcome == Outcome::Failed)
    }

    pub fn not_run(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.outcome == Outcome::NotRun)
    }

    pub fn passed(&self) -> bool {
        self.failed().next().is_none()
    }

    /// JUnit XML: one test suite per requirement, one test case per check; a failed check has
    /// a `<failure>`, one that could not run a `<skipped>`.
    pub fn junit(&self, stage: &str) -> String {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.push_str(&format!(
            "<testsuites name=\"bankinfra verify {}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
            escape(stage),
            self.total(),
            self.failed().count(),
            self.not_run().count()
        ));
        for row in &self.requirements {
            xml.push_str(&format!(
                "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
                row.id,
                escape(row.title),
                row.tests,
                row.fail,
                row.not_run
            ));
            for c in self.checks.iter().filter(|c| c.requirement == row.id) {
                let open = format!("    <testcase classname=\"{}\" name=\"{}\"", row.id, escape(&c.name));
                let reason = |r: &Option<String>| escape(r.as_deref().unwrap_or_default());
                match c.outcome {
                    Outcome::Passed => xml.push_str(&format!("{open}/>\n")),
                    Outcome::Failed => xml.push_str(&format!(
                        "{open}>\n      <failure message=\"{}\"/>\n    </testcase>\n",
                        reason(&c.failure)
                    )),
                    Outcome::NotRun => xml.push_str(&format!(
                        "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                        reason(&c.note)
                    )),
                }
            }
            xml.push_str("  </testsuite>\n");
        }
        xml.push_str("</testsuites>\n");
        xml
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Basis;

    fn with_one_not_run() -> Report {
        Report::new(vec![
            CheckResult::passed("DT-002", "evaluated".into(), Basis::Evaluated, None),
            CheckResult::not_run("DT-002", "probe".into(), Basis::Probe, "nothing to probe".into()),
        ])
    }

    #[test]
    fn a_check_that_did_not_run_is_neither_a_pass_nor_a_failure() {
        let report = with_one_not_run();
        let row = report.requirements.iter().find(|r| r.id == "DT-002").unwrap();
        assert_eq!((row.tests, row.pass, row.fail, row.not_run), (2, 1, 0, 1));
        assert!(report.passed() && row.passed());
        assert_eq!(report.not_run().count(), 1);
    }

    #[test]
    fn junit_marks_a_check_that_did_not_run_as_skipped_with_its_reason() {
        let xml = with_one_not_run().junit("local");
        assert!(xml.contains("skipped=\"1\"") && xml.contains("failures=\"0\""), "{xml}");
        assert!(xml.contains("name=\"probe\">\n      <skipped message=\"nothing to probe\"/>"), "{xml}");
        assert!(xml.contains("name=\"evaluated\"/>"), "{xml}");
    }

    #[test]
    fn json_names_each_checks_outcome() {
        let json = serde_json::to_value(with_one_not_run()).unwrap();
        let outcomes: Vec<&str> =
            json["checks"].as_array().unwrap().iter().map(|c| c["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes, ["passed", "not_run"]);
    }
}
