//! Numbers and their words: a load run's [`Summary`] (throughput and latency percentiles from an
//! HDR histogram), the [`Target`]s of issue 10 and whether a figure meets them, and the fixed-width
//! formatting used in both the terminal and BENCHMARKS.md.
//!
//! Pure functions only: nothing here touches the network or the clock, so it is what the unit
//! tests cover.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Latencies are recorded in microseconds, from 1 µs to 60 s, with 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("static histogram bounds are valid")
}

/// The outcome of one load run: how many operations completed and how long each took.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Operations that succeeded inside the measured window.
    pub ok: u64,
    /// Operations that failed inside the measured window (wrong status, transport error).
    pub errors: u64,
    /// Wall time of the measured window (from its start to the last recorded completion).
    pub elapsed: Duration,
    /// Latency of every successful operation, in µs.
    pub latency: Histogram<u64>,
    /// The first failure, verbatim, so a broken figure says why.
    pub first_error: Option<String>,
}

impl Summary {
    pub fn empty() -> Summary {
        Summary {
            ok: 0,
            errors: 0,
            elapsed: Duration::ZERO,
            latency: new_histogram(),
            first_error: None,
        }
    }

    /// Successful operations per second.
    pub fn throughput(&self) -> f64 {
        per_second(self.ok, self.elapsed)
    }

    /// A latency percentile (0–100) in milliseconds.
    pub fn percentile_ms(&self, q: f64) -> f64 {
        if self.latency.is_empty() {
            0.0
        } else {
            self.latency.value_at_quantile(q / 100.0) as f64 / 1000.0
        }
    }

    pub fn p50_ms(&self) -> f64 {
        self.percentile_ms(50.0)
    }

    pub fn p99_ms(&self) -> f64 {
        self.percentile_ms(99.0)
    }

    /// One line for the terminal: `12,345/s  p50 1.23 ms  p99 4.56 ms  (61,725 ok, 0 errors)`.
    pub fn line(&self) -> String {
        format!(
            "{:>9}  p50 {:>8}  p99 {:>8}  ({} ok, {} errors)",
            fmt_rate(self.throughput()),
            fmt_ms(self.p50_ms()),
            fmt_ms(self.p99_ms()),
            fmt_count(self.ok),
            fmt_count(self.errors)
        )
    }
}

pub fn per_second(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        0.0
    } else {
        count as f64 / secs
    }
}

/// `value / baseline`, or 0 when the baseline is 0 (a broken baseline must not read as "met").
pub fn ratio(value: f64, baseline: f64) -> f64 {
    if baseline > 0.0 {
        value / baseline
    } else {
        0.0
    }
}

/// The median of some samples (mean of the middle two for an even count); `None` when empty.
pub fn median(samples: &[f64]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let mid = s.len() / 2;
    Some(if s.len().is_multiple_of(2) {
        (s[mid - 1] + s[mid]) / 2.0
    } else {
        s[mid]
    })
}

/// What issue 10 asks of a figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Throughput at least this fraction of the baseline's.
    RatioAtLeast(f64),
    /// A value (rate, count) at least this.
    AtLeast(f64),
    /// A value (ms, MB, growth factor) at most this.
    AtMost(f64),
    /// Throughput at least `fraction` of a machine limit measured in the same run (`limit`/s).
    OfLimit { fraction: f64, limit: f64 },
    /// No target: the figure is context.
    None,
}

impl Target {
    /// Whether `value` (a ratio for [`Target::RatioAtLeast`]) meets the target; `None` if no target.
    pub fn met(self, value: f64) -> Option<bool> {
        match self {
            Target::RatioAtLeast(t) | Target::AtLeast(t) => Some(value >= t),
            Target::AtMost(t) => Some(value <= t),
            Target::OfLimit { fraction, limit } => Some(value >= fraction * limit),
            Target::None => None,
        }
    }
}

pub fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**not met**",
        None => "–",
    }
}

/// `12,345/s`; below 100/s one decimal is kept.
pub fn fmt_rate(per_sec: f64) -> String {
    if per_sec < 100.0 {
        format!("{per_sec:.1}/s")
    } else {
        format!("{}/s", fmt_count(per_sec.round() as u64))
    }
}

/// `0.123 ms`, `12.3 ms`, `1,234 ms`: three significant digits for small values.
pub fn fmt_ms(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.3} ms")
    } else if ms < 100.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{} ms", fmt_count(ms.round() as u64))
    }
}

/// `0.42×`
pub fn fmt_ratio(r: f64) -> String {
    format!("{r:.2}×")
}

/// `1,234,567`
pub fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `12.3 MB` (MiB, as /proc reports kB).
pub fn fmt_mb(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1000), "1,000");
        assert_eq!(fmt_count(1_234_567), "1,234,567");
    }

    #[test]
    fn rates_ratios_and_latencies_read_naturally() {
        assert_eq!(fmt_rate(12_345.4), "12,345/s");
        assert_eq!(fmt_rate(42.25), "42.2/s");
        assert_eq!(fmt_ratio(0.456), "0.46×");
        assert_eq!(fmt_ms(0.1234), "0.123 ms");
        assert_eq!(fmt_ms(4.567), "4.57 ms");
        assert_eq!(fmt_ms(1234.4), "1,234 ms");
        assert_eq!(fmt_mb(30 * 1024), "30.0 MB");
    }

    #[test]
    fn targets_judge_values_and_a_zero_baseline_never_passes() {
        assert_eq!(
            Target::RatioAtLeast(0.5).met(ratio(60.0, 100.0)),
            Some(true)
        );
        assert_eq!(
            Target::RatioAtLeast(0.5).met(ratio(40.0, 100.0)),
            Some(false)
        );
        assert_eq!(Target::RatioAtLeast(0.3).met(ratio(10.0, 0.0)), Some(false));
        assert_eq!(Target::AtMost(5.0).met(5.0), Some(true));
        assert_eq!(Target::AtLeast(1000.0).met(999.9), Some(false));
        assert_eq!(Target::None.met(1.0), None);
        assert_eq!(verdict(Some(false)), "**not met**");
    }

    #[test]
    fn medians_of_odd_and_even_sets() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn summary_percentiles_and_throughput_come_from_the_histogram() {
        let mut s = Summary::empty();
        for us in 1..=1000u64 {
            s.latency.record(us * 10).unwrap();
        }
        s.ok = 1000;
        s.elapsed = Duration::from_millis(500);
        assert_eq!(s.throughput(), 2000.0);
        assert!((s.p50_ms() - 5.0).abs() < 0.01, "p50 {}", s.p50_ms());
        assert!((s.p99_ms() - 9.9).abs() < 0.01, "p99 {}", s.p99_ms());
        assert!(s.line().contains("2,000/s"));
        assert_eq!(Summary::empty().p99_ms(), 0.0);
    }
}
