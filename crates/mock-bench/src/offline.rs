//! Figures without HTTP: RS256 implementations and key generation on one thread, and the
//! SQLite write path on its own. They say what the HTTP figures can at most reach.

use crate::Plan;
use crate::report::{Report, Row};

use crate::stats::{fmt_ms, fmt_rate};
use crate::{rsa_bench, sqlite_bench};

pub(crate) fn rsa_figures(report: &mut Report, plan: &Plan) -> anyhow::Result<()> {
    report.section(
        "RS256 signing (2048-bit key, one thread, a real session-JWT signing input)",
        "Every session the mock mints or touches gets a JWT signed for its current claims (a claim set signed moments ago is answered from a memo: same bytes). All candidates produce \
         byte-identical signatures (PKCS#1 v1.5 is deterministic).",
        ["implementation", "signs/s (1 core)", "verifies/s (1 core)", "µs per sign", "notes", "same bytes"],
    );
    let der = rsa_bench::seeded_key(42)?;
    for r in rsa_bench::signing(&der, plan.rsa_budget)? {
        report.row(Row {
            figure: r.name.into(),
            mock: fmt_rate(r.signs_per_sec),
            baseline: fmt_rate(r.verifies_per_sec),
            ratio: format!("{:.0} µs", 1e6 / r.signs_per_sec),
            target: r.note.into(),
            met: Some(r.agrees),
        });
    }
    report.section(
        "RSA-2048 key generation (once per fresh database)",
        "",
        [
            "implementation",
            "median",
            "samples",
            "",
            "notes",
            "verdict",
        ],
    );
    for k in rsa_bench::keygen(plan.keygen_samples)? {
        report.row(Row {
            figure: k.name.into(),
            mock: fmt_ms(k.median_ms),
            baseline: k.samples.to_string(),
            ratio: "–".into(),
            target: k.note.into(),
            met: None,
        });
    }
    Ok(())
}

pub(crate) async fn sqlite_figures(report: &mut Report, plan: &Plan) -> anyhow::Result<()> {
    report.section(
        "The write path without HTTP: an otps/sms/send-shaped transaction (8 statements), 50 callers",
        "File-backed SQLite in WAL mode, synchronous=NORMAL, 1,000 members of ~1.5 KB JSON; every \
         variant is a single writer. Shows how much of a mock write is SQLite and how much is hand-offs.",
        ["variant", "transactions/s", "p50", "p99", "note", "verdict"],
    );
    for r in sqlite_bench::compare(plan.spec).await? {
        if r.summary.errors > 0 {
            report.note(format!(
                "{}: {} errors; first: {}",
                r.name,
                r.summary.errors,
                r.summary.first_error.as_deref().unwrap_or("?")
            ));
        }
        report.row(Row {
            figure: r.name.into(),
            mock: fmt_rate(r.summary.throughput()),
            baseline: fmt_ms(r.summary.p50_ms()),
            ratio: fmt_ms(r.summary.p99_ms()),
            target: r.note.into(),
            met: None,
        });
    }
    Ok(())
}

/// The machine's RS256 limit: every core signing session JWTs with aws-lc-rs (what the mock
/// signs with) and doing nothing else. The session and TOTP figures are judged against it.
#[derive(Clone, Copy, Debug)]
pub struct Rs256Limit {
    /// One core's aws-lc-rs signatures per second, measured in this run.
    pub per_core: f64,
    pub cores: usize,
}

impl Rs256Limit {
    pub fn per_sec(self) -> f64 {
        self.per_core * self.cores as f64
    }

    /// `2 cores × 1,234/s = 2,468/s`.
    pub fn describe(self) -> String {
        format!(
            "{} cores × {} = {}",
            self.cores,
            fmt_rate(self.per_core),
            fmt_rate(self.per_sec())
        )
    }
}

/// Measure [`Rs256Limit`] (always, also with `--skip-rsa`: the HTTP figures need it).
pub(crate) fn rs256_limit(plan: &Plan) -> anyhow::Result<Rs256Limit> {
    let der = rsa_bench::seeded_key(42)?;
    Ok(Rs256Limit {
        per_core: rsa_bench::mock_signs_per_sec(&der, plan.rsa_budget)?,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
    })
}
