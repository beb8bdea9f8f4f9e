//! `cargo bench -p mock-stytch --bench fixtures_load`: how long a 10,000-member fixture file
//! takes to load (issue 18: under 5 s), measured, never asserted in a test.
//!
//! The file is generated here ([`generate`]; `-- --write FILE` writes it for trying
//! `mock-stytch --fixtures FILE` by hand): 10 organizations (alternating policies, one TOTP-only),
//! 10,000 members, all with one of 3 passwords, every other one with a phone (half verified),
//! every third with a TOTP secret and ten generated recovery codes, 100 live sessions.
//! Figures, each the best of a few rounds on a fresh file database (WAL, as the binary runs):
//! parse, first load (everything created), reload (everything unchanged), and the real binary
//! from spawn to "listening" with `--fixtures`. Baseline in the same run: the same members
//! created one by one through `POST /v1/b2b/organizations/{id}/members` (no factors: the API
//! sets those in further calls), to give the load a ratio next to its absolute time.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{AppState, Config, DbLocation, MockServer, fixtures};

const ORGS: usize = 10;
const MEMBERS: usize = 10_000;
const SESSIONS: usize = 100;
const PASSWORDS: [&str; 3] = [
    "correct-horse-battery-staple-42",
    "tr0ub4dor-and-three-more-words",
    "a-fixture-password-for-benches",
];
const ROUNDS: usize = 3;

/// The 10k file (YAML), deterministic.
fn generate(members: usize) -> String {
    use std::fmt::Write;
    let mut y = String::from("organizations:\n");
    for o in 0..ORGS {
        let policy = if o % 2 == 0 {
            "REQUIRED_FOR_ALL"
        } else {
            "OPTIONAL"
        };
        let methods = if o == 1 {
            ", allowed_mfa_methods: [totp]"
        } else {
            ""
        };
        writeln!(
            y,
            "  org{o}: {{name: Org {o}, mfa_policy: {policy}{methods}}}"
        )
        .unwrap();
    }
    y.push_str("members:\n");
    for i in 0..members {
        let org = i % ORGS;
        write!(
            y,
            "  m{i}: {{org: org{org}, email: m{i}@org{org}.example, name: Member {i}, password: {}",
            PASSWORDS[i % 3]
        )
        .unwrap();
        if i % 2 == 0 && org != 1 {
            write!(y, ", mfa_phone_number: '+1415555{:04}'", i % 10_000).unwrap();
            if i % 4 == 0 {
                y.push_str(", mfa_phone_number_verified: true, mfa_enrolled: true");
            }
        }
        if i % 3 == 0 {
            let secret = totp_rs::Secret::Raw(format!("bench-secret-{i:08}").into_bytes())
                .to_encoded()
                .to_string();
            write!(y, ", totp_secret: {secret}, default_mfa_method: totp").unwrap();
        }
        y.push_str("}\n");
    }
    y.push_str("sessions:\n");
    for s in 0..SESSIONS {
        // Members of a REQUIRED organization with a TOTP secret (the session carries it).
        let i = s * 30;
        writeln!(y, "  s{s}: {{member: m{i}}}").unwrap();
    }
    y
}

fn best(times: &[Duration]) -> Duration {
    *times.iter().min().expect("at least one round")
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

async fn fresh_state(dir: &std::path::Path, round: usize) -> AppState {
    AppState::open(Config {
        db: DbLocation::File(dir.join(format!("bench-{round}.db"))),
        seed: Some(42),
        ..Config::default()
    })
    .await
    .expect("state opens")
}

/// The baseline: the same members (no factors) created one by one over the API.
async fn api_baseline(members: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::spawn(Config {
        db: DbLocation::File(dir.path().join("api.db")),
        seed: Some(42),
        ..Config::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let post = |path: String, body: serde_json::Value| {
        http.post(format!("{}{path}", server.base_url))
            .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
            .json(&body)
            .send()
    };
    let started = Instant::now();
    let mut org_ids = Vec::new();
    for o in 0..ORGS {
        let v: serde_json::Value = post(
            "/v1/b2b/organizations".into(),
            serde_json::json!({"organization_name": format!("Org {o}"), "organization_slug": format!("org{o}")}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        org_ids.push(
            v["organization"]["organization_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for i in 0..members {
        let org = i % ORGS;
        let resp = post(
            format!("/v1/b2b/organizations/{}/members", org_ids[org]),
            serde_json::json!({"email_address": format!("m{i}@org{org}.example"), "name": format!("Member {i}")}),
        )
        .await
        .unwrap();
        assert!(resp.status().is_success());
    }
    let took = started.elapsed();
    server.stop().await.unwrap();
    took
}

/// Spawn the release binary with `--fixtures`, until it prints its "listening" line.
fn binary_start(file: &std::path::Path, db: &std::path::Path) -> Duration {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-stytch"))
        .args(["--listen", "127.0.0.1:0", "--seed", "42", "--db"])
        .arg(db)
        .arg("--fixtures")
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let took = started.elapsed();
    assert!(line.starts_with("mock-stytch listening"), "{line:?}");
    let _ = child.kill();
    let _ = child.wait();
    took
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write") {
        let path = args.get(i + 1).expect("--write FILE");
        std::fs::write(path, generate(MEMBERS)).expect("write the file");
        println!("wrote {path} ({MEMBERS} members)");
        return;
    }
    let text = generate(MEMBERS);
    let dir = tempfile::tempdir().unwrap();
    let (mut parse, mut first, mut reload, mut binary) = (vec![], vec![], vec![], vec![]);
    for round in 0..ROUNDS {
        let t = Instant::now();
        let doc = fixtures::parse(&text).expect("the generated file parses");
        parse.push(t.elapsed());

        let state = fresh_state(dir.path(), round).await;
        let t = Instant::now();
        let loaded = fixtures::load(&state, &doc).await.expect("loads");
        first.push(t.elapsed());
        assert_eq!(loaded.counts["members"].created, MEMBERS);
        let t = Instant::now();
        let again = fixtures::load(&state, &doc).await.expect("reloads");
        reload.push(t.elapsed());
        assert_eq!(again.counts["members"].unchanged, MEMBERS);
        state.close().await;

        let file = dir.path().join("fixtures.yaml");
        std::fs::write(&file, &text).unwrap();
        binary.push(binary_start(
            &file,
            &dir.path().join(format!("bin-{round}.db")),
        ));
    }
    let baseline = api_baseline(MEMBERS).await;
    let load = best(&parse) + best(&first);
    println!(
        "fixtures_load: {MEMBERS} members, {ORGS} organizations, {SESSIONS} sessions ({} KiB of YAML); best of {ROUNDS}",
        text.len() / 1024
    );
    println!("  parse                          {}", secs(best(&parse)));
    println!("  first load (all created)       {}", secs(best(&first)));
    println!(
        "  parse + first load             {}   (target < 5 s)",
        secs(load)
    );
    println!("  reload (all unchanged)         {}", secs(best(&reload)));
    println!(
        "  binary spawn → listening       {}   (--fixtures, fresh --db)",
        secs(best(&binary))
    );
    println!(
        "  baseline: {MEMBERS} POST members {}   (no factors, one request each)",
        secs(baseline)
    );
    println!(
        "  ratio: parse + load / baseline {:.2}",
        load.as_secs_f64() / baseline.as_secs_f64()
    );
}
