//! The verdicts, summarised per requirement as in the design's acceptance table, and as JUnit.

use serde::Serialize;

use crate::checks::{CheckResult, Mode, REQUIREMENTS};

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
}

impl RequirementRow {
    pub fn passed(&self) -> bool {
        self.fail == 0 && self.tests > 0
    }
}

impl Report {
    /// Adds verdicts reached elsewhere (probes) and recounts.
    pub fn extend(&mut self, results: impl IntoIterator<Item = CheckResult>) {
        let mut checks = std::mem::take(&mut self.checks);
        checks.extend(results);
        let order = |c: &CheckResult| REQUIREMENTS.iter().position(|r| r.id == c.requirement);
        checks.sort_by_key(order);
        *self = Report::new(checks);
    }

    pub(crate) fn new(checks: Vec<CheckResult>) -> Self {
        let requirements = REQUIREMENTS
            .iter()
            .map(|r| {
                let mine: Vec<&CheckResult> = checks.iter().filter(|c| c.requirement == r.id).collect();
                let fail = mine.iter().filter(|c| c.failure.is_some()).count();
                RequirementRow {
                    id: r.id,
                    title: r.title,
                    mode: r.mode,
                    tests: mine.len(),
                    pass: mine.len() - fail,
                    fail,
                }
            })
            .collect();
        Report { requirements, checks }
    }

    pub fn total(&self) -> usize {
        self.checks.len()
    }

    pub fn failed(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.failure.is_some())
    }

    pub fn passed(&self) -> bool {
        self.failed().next().is_none()
    }

    /// JUnit XML: one test suite per requirement, one test case per check.
    pub fn junit(&self, stage: &str) -> String {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let failures = self.failed().count();
        xml.push_str(&format!(
            "<testsuites name=\"bankinfra verify {}\" tests=\"{}\" failures=\"{failures}\">\n",
            escape(stage),
            self.total()
        ));
        for row in &self.requirements {
            xml.push_str(&format!(
                "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\">\n",
                row.id,
                escape(row.title),
                row.tests,
                row.fail
            ));
            for c in self.checks.iter().filter(|c| c.requirement == row.id) {
                let name = escape(&c.name);
                match &c.failure {
                    None => xml.push_str(&format!("    <testcase classname=\"{}\" name=\"{name}\"/>\n", row.id)),
                    Some(why) => xml.push_str(&format!(
                        "    <testcase classname=\"{}\" name=\"{name}\">\n      <failure message=\"{}\"/>\n    </testcase>\n",
                        row.id,
                        escape(why)
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
