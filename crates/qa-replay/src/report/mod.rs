//! Human trace, summary line and JUnit XML for a run; the HTML report is in `html`. Only failed
//! scenarios print their trace. A matrix case is named by its combination everywhere.

mod html;

pub use html::html;

use std::fmt::Write as _;

use crate::runner::{ScenarioReport, Verdict};

/// The per-scenario lines and, for failures, the step trace.
pub fn render(reports: &[ScenarioReport]) -> String {
    let mut out = String::new();
    for r in reports {
        match &r.verdict {
            Verdict::Passed => {
                let _ = writeln!(out, "PASS  {} ({}, {:.2}s)", r.name, r.path, r.seconds);
            }
            Verdict::NotRunnable { reason } => {
                let _ = writeln!(out, "SKIP  {} ({}): not runnable: {reason}", r.name, r.path);
            }
            Verdict::Refused { reason } => {
                let _ = writeln!(
                    out,
                    "REFUSED  {} ({}): the API refuses this combination: {reason}",
                    r.name, r.path
                );
            }
            Verdict::Failed { step, reason } => {
                let _ = writeln!(
                    out,
                    "FAIL  {} ({}) at step {step}: {reason}",
                    r.name, r.path
                );
                for t in &r.trace {
                    let mark = if t.number == *step { ">>" } else { "  " };
                    let _ = writeln!(
                        out,
                        "  {mark} {:>3}. {:<40} {}",
                        t.number, t.label, t.outcome
                    );
                    for req in &t.requests {
                        let _ = writeln!(out, "            {}", req.line);
                    }
                }
            }
        }
    }
    out
}

pub fn summary(reports: &[ScenarioReport]) -> String {
    let passed = reports
        .iter()
        .filter(|r| r.verdict == Verdict::Passed)
        .count();
    let failed = reports
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Failed { .. }))
        .count();
    let refused = reports
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Refused { .. }))
        .count();
    let skipped = reports.len() - passed - failed - refused;
    let mut out = format!("{passed} passed, {failed} failed");
    if skipped > 0 {
        out.push_str(&format!(", {skipped} not runnable"));
    }
    if refused > 0 {
        out.push_str(&format!(", {refused} refused combinations"));
    }
    out
}

pub(crate) fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn junit(reports: &[ScenarioReport]) -> String {
    let failed = reports
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Failed { .. }))
        .count();
    let skipped = reports
        .iter()
        .filter(|r| {
            matches!(
                r.verdict,
                Verdict::NotRunnable { .. } | Verdict::Refused { .. }
            )
        })
        .count();
    let total: f64 = reports.iter().map(|r| r.seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites><testsuite name=\"stytch-mfa replay\" tests=\"{}\" failures=\"{failed}\" skipped=\"{skipped}\" time=\"{total:.3}\">",
        reports.len()
    );
    for r in reports {
        let _ = write!(
            out,
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
            xml(&r.path),
            xml(&r.name),
            r.seconds
        );
        match &r.verdict {
            Verdict::Passed => {}
            Verdict::NotRunnable { reason } => {
                let _ = write!(out, "<skipped message=\"{}\"/>", xml(reason));
            }
            Verdict::Refused { reason } => {
                let _ = write!(
                    out,
                    "<skipped message=\"refused by the API: {}\"/>",
                    xml(reason)
                );
            }
            Verdict::Failed { step, reason } => {
                let trace = render(std::slice::from_ref(r));
                let _ = write!(
                    out,
                    "<failure message=\"step {step}: {}\">{}</failure>",
                    xml(reason),
                    xml(&trace)
                );
            }
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("</testsuite></testsuites>\n");
    out
}
