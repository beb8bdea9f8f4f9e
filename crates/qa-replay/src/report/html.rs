//! `--report FILE.html`: one self-contained page (inline CSS, no script, no external asset, so
//! it opens offline and can be attached to a CI run): the summary, a table of every case with
//! its verdict and time, and for each failure its step trace with the API requests and their
//! bodies as the mock's request log keeps them (already redacted there). Every text taken from a
//! run is escaped; this module must never add anything the run did not report.

use std::fmt::Write as _;

use super::{summary, xml};
use crate::runner::{ScenarioReport, Verdict};

const STYLE: &str = "\
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:28px 0 8px}
.summary{padding:10px 14px;border-radius:6px;background:#f3f5f7;display:inline-block}
table{border-collapse:collapse;margin-top:12px;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{background:#f3f5f7}td.t{text-align:right;white-space:nowrap}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
.skip{color:#9a6700;font-weight:600}.refused{color:#57606a;font-weight:600}
.failure{border:1px solid #f5c2c7;border-radius:6px;padding:8px 14px;margin:14px 0;background:#fff8f8}
.reason{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px;background:#fff0f0;padding:6px}
tr.failing td{background:#ffebe9}
.req{font-family:ui-monospace,monospace;font-size:12px;margin:2px 0}
pre{margin:2px 0 6px 0;padding:6px;background:#f6f8fa;font-size:12px;overflow:auto}
";

fn verdict_cell(v: &Verdict) -> (&'static str, &'static str) {
    match v {
        Verdict::Passed => ("pass", "PASS"),
        Verdict::Failed { .. } => ("fail", "FAIL"),
        Verdict::NotRunnable { .. } => ("skip", "SKIP"),
        Verdict::Refused { .. } => ("refused", "REFUSED"),
    }
}

fn note(v: &Verdict) -> String {
    match v {
        Verdict::Passed => String::new(),
        Verdict::Failed { step, .. } => format!("failed at step {step}"),
        Verdict::NotRunnable { reason } => format!("not runnable: {reason}"),
        Verdict::Refused { reason } => format!("refused by the API: {reason}"),
    }
}

/// The whole page.
pub fn html(reports: &[ScenarioReport]) -> String {
    let total: f64 = reports.iter().map(|r| r.seconds).sum();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>stytch-mfa replay</title><style>{STYLE}</style></head><body>\n\
         <h1>stytch-mfa replay</h1>\n<p class=\"summary\" id=\"summary\">{} — {} cases, {total:.2} s of case time</p>\n",
        xml(&summary(reports)),
        reports.len()
    );
    out.push_str(
        "<table id=\"cases\"><thead><tr><th>result</th><th>case</th><th>file</th>\
         <th>time</th><th>note</th></tr></thead><tbody>\n",
    );
    for (i, r) in reports.iter().enumerate() {
        let (class, word) = verdict_cell(&r.verdict);
        let failing = matches!(r.verdict, Verdict::Failed { .. });
        let name = if failing {
            format!("<a href=\"#failure-{i}\">{}</a>", xml(&r.name))
        } else {
            xml(&r.name)
        };
        let _ = writeln!(
            out,
            "<tr{}><td class=\"{class}\">{word}</td><td>{name}</td><td>{}</td>\
             <td class=\"t\">{:.2} s</td><td>{}</td></tr>",
            if failing { " class=\"failing\"" } else { "" },
            xml(&r.path),
            r.seconds,
            xml(&note(&r.verdict))
        );
    }
    out.push_str("</tbody></table>\n");
    let failures: Vec<(usize, &ScenarioReport)> = reports
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.verdict, Verdict::Failed { .. }))
        .collect();
    if !failures.is_empty() {
        out.push_str("<h2>Failures</h2>\n");
    }
    for (i, r) in failures {
        failure(&mut out, i, r);
    }
    out.push_str("</body></html>\n");
    out
}

fn failure(out: &mut String, i: usize, r: &ScenarioReport) {
    let Verdict::Failed { step, reason } = &r.verdict else {
        return;
    };
    let _ = write!(
        out,
        "<section class=\"failure\" id=\"failure-{i}\"><h3>{}</h3><p>{} — step {step}</p>\
         <div class=\"reason\">{}</div>\n<table class=\"trace\"><thead><tr><th></th><th>#</th>\
         <th>step</th><th>outcome and API requests</th></tr></thead><tbody>\n",
        xml(&r.name),
        xml(&r.path),
        xml(reason)
    );
    for t in &r.trace {
        let mark = if t.number == *step { "&gt;&gt;" } else { "" };
        let _ = write!(
            out,
            "<tr{}><td>{mark}</td><td>{}</td><td>{}</td><td>{}",
            if t.number == *step {
                " class=\"failing\""
            } else {
                ""
            },
            t.number,
            xml(&t.label),
            xml(&t.outcome)
        );
        for req in &t.requests {
            let _ = write!(out, "<div class=\"req\">{}</div>", xml(&req.line));
            if let Some(body) = &req.body {
                let _ = write!(out, "<pre>{}</pre>", xml(body));
            }
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table></section>\n");
}
