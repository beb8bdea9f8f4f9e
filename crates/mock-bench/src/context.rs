//! The run's context block: date, commit, machine, mode and setup, so a reader can judge the
//! figures (and compare runs) without guessing how they were made.

use crate::report::Report;
use crate::{Options, Plan, process};

pub(crate) fn context(report: &mut Report, opts: &Options, plan: &Plan) {
    let git = std::process::Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .current_dir(process::workspace_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_default();
    let c = &mut report.context;
    c.push((
        "date".into(),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
    ));
    c.push(("commit".into(), git));
    c.push((
        "machine".into(),
        format!(
            "{} cores ({cpu}); load average at start {}",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0),
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        ),
    ));
    c.push((
        "mode".into(),
        format!(
            "{} — {} connections, {:.1} s warm-up + {:.1} s measured per run, baseline and mock back to back",
            if opts.quick { "--quick" } else { "default" },
            plan.spec.connections,
            plan.spec.warmup.as_secs_f64(),
            plan.spec.duration.as_secs_f64()
        ),
    ));
    c.push((
        "setup".into(),
        format!(
            "server runtime (2 workers) and load-generator runtime (2 workers) in one process; mock = \
             `MockServer::spawn` with a file-backed SQLite database (WAL, synchronous=NORMAL), seed 42, \
             default configuration (bcrypt cost {}); baseline = bare axum returning a fixed body of \
             the mock's response size to the identical request",
            mock_stytch::Config::default().password_hash_cost
        ),
    ));
}
