//! The report as JSON: the [`Report`] struct itself, pretty-printed. Its fields are a stable,
//! documented format (`format: "cutover-report/1"`, docs/report.md): tools may rely on them.

use super::build::Report;

pub(crate) fn render_json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report always serializes");
    text.push('\n');
    text
}
