//! `POST /_mock/fixtures` and `--fixtures`: the format (YAML and JSON, unknown keys refused with
//! their location), idempotence (a second load writes nothing and draws no id; a changed file
//! updates in place), all-or-nothing on a bad file, and the CLI flag on the real binary. That
//! every field takes effect is in `core_fixtures_fields`.

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use serde_json::{Value, json};

use crate::helpers::{TestMock, assert_error, spawn};
use crate::process::MockProcess;

/// POST a fixture document with a content type; returns status and body.
pub async fn post_fixtures(mock: &TestMock, content_type: &str, body: &str) -> (u16, Value) {
    let resp = mock
        .http
        .post(mock.url("/_mock/fixtures"))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// Load YAML expecting 200; returns the answer.
pub async fn load_yaml(mock: &TestMock, yaml: &str) -> Value {
    let (status, v) = post_fixtures(mock, "application/yaml", yaml).await;
    assert_eq!(status, 200, "{v}");
    v
}

const WORLD: &str = r#"
organizations:
  acme:
    name: Acme Corp
    mfa_policy: REQUIRED_FOR_ALL
  globex:
    slug: globex-inc
    mfa_policy: OPTIONAL
    allowed_mfa_methods: [totp]
members:
  alice:
    org: acme
    email: Alice@Acme.example
    name: Alice
    mfa_phone_number: "+14155552671"
    mfa_phone_number_verified: true
    mfa_enrolled: true
    password: correct-horse-battery-staple-42
  bob:
    org: acme
    email: bob@acme.example
    totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
    recovery_codes: [aaaa-bbbb-cccc, dddd-eeee-ffff]
    default_mfa_method: totp
  dave:
    org: globex
    email: dave@globex.example
    password: correct-horse-battery-staple-42
sessions:
  bob_in:
    member: bob
    duration_minutes: 120
"#;

/// Every row of every data table, as text: what "changes nothing" is checked against.
async fn dump(mock: &TestMock) -> Vec<String> {
    let mut conn = mock.server.state.db.pool.acquire().await.unwrap();
    let mut out = Vec::new();
    for table in mock_stytch::db::data_tables(&mut conn).await.unwrap() {
        let rows: Vec<String> = mock_stytch::db::sql::query_scalar(&format!(
            "SELECT json_array(*) FROM (SELECT * FROM \"{table}\" ORDER BY rowid)"
        ))
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{table}: {e}"));
        out.extend(rows.into_iter().map(|r| format!("{table}: {r}")));
    }
    out
}

fn count(dump: &[String], table: &str) -> usize {
    dump.iter()
        .filter(|r| r.starts_with(&format!("{table}: ")))
        .count()
}

fn outcomes(v: &Value, section: &str) -> Vec<String> {
    v[section]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["outcome"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loading_the_same_file_twice_changes_nothing_and_draws_no_id() {
    let mock = spawn().await;
    let first = load_yaml(&mock, WORLD).await;
    assert_eq!(first["counts"]["members"]["created"], 3, "{first}");
    assert_eq!(first["counts"]["sessions"]["created"], 1, "{first}");
    let rows = dump(&mock).await;
    let counter = mock.server.state.ids.counter();
    assert_eq!(count(&rows, "organizations"), 2);
    assert_eq!(count(&rows, "members"), 3);
    assert_eq!(count(&rows, "totp_registrations"), 1);
    assert_eq!(count(&rows, "recovery_codes"), 2);
    assert_eq!(count(&rows, "member_sessions"), 1);

    let second = load_yaml(&mock, WORLD).await;

    for section in ["organizations", "members", "sessions"] {
        assert!(
            outcomes(&second, section).iter().all(|o| o == "unchanged"),
            "{section}: {second}"
        );
        for (alias, entry) in first[section].as_object().unwrap() {
            for id in [
                "organization_id",
                "member_id",
                "member_session_id",
                "session_token",
            ] {
                assert_eq!(
                    entry.get(id),
                    second[section][alias].get(id),
                    "{alias}.{id}"
                );
            }
        }
    }
    assert_eq!(dump(&mock).await, rows, "a second load wrote something");
    assert_eq!(
        mock.server.state.ids.counter(),
        counter,
        "a second load drew ids"
    );
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_file_updates_the_same_rows() {
    let mock = spawn().await;
    let first = load_yaml(&mock, WORLD).await;
    let changed = WORLD
        .replace("mfa_policy: REQUIRED_FOR_ALL", "mfa_policy: OPTIONAL")
        .replace(
            "\"+14155552671\"",
            "\"+447911123456\"\n    mfa_phone_number_verified: false",
        )
        .replace("    mfa_phone_number_verified: true\n", "");

    let second = load_yaml(&mock, &changed).await;

    assert_eq!(second["organizations"]["acme"]["outcome"], "updated");
    assert_eq!(second["organizations"]["globex"]["outcome"], "unchanged");
    assert_eq!(second["members"]["alice"]["outcome"], "updated");
    assert_eq!(second["members"]["bob"]["outcome"], "unchanged");
    let acme = first["organizations"]["acme"]["organization_id"]
        .as_str()
        .unwrap();
    let alice = first["members"]["alice"]["member_id"].as_str().unwrap();
    assert_eq!(second["members"]["alice"]["member_id"], alice);
    let org = mock.ok_get(&format!("/v1/b2b/organizations/{acme}")).await;
    assert_eq!(org["organization"]["mfa_policy"], "OPTIONAL");
    let m = mock
        .ok_get(&format!(
            "/v1/b2b/organizations/{acme}/member?member_id={alice}"
        ))
        .await;
    assert_eq!(m["member"]["mfa_phone_number"], "+447911123456");
    assert_eq!(m["member"]["mfa_phone_number_verified"], false);
    assert_eq!(count(&dump(&mock).await, "members"), 3);
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_member_at_row_9000_leaves_nothing_behind() {
    let mock = spawn().await;
    let mut yaml = String::from(
        "organizations:\n  big: {}\n  sms_only: {allowed_mfa_methods: [sms_otp]}\nmembers:\n",
    );
    for i in 0..8_999 {
        yaml.push_str(&format!("  m{i}: {{org: big, email: m{i}@big.example}}\n"));
    }
    // Valid on its own; refused only when applied (TOTP is not allowed there): inside the unit.
    yaml.push_str(
        "  bad: {org: sms_only, email: bad@big.example, totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP}\n",
    );
    let before = dump(&mock).await;
    let counter = mock.server.state.ids.counter();

    let resp = crate::core_fixtures::post_fixtures(&mock, "application/yaml", &yaml).await;

    assert_error(&resp, 400, "invalid_fixture");
    let msg = resp.1["error_message"].as_str().unwrap();
    assert!(msg.starts_with("members.bad.totp_secret: "), "{msg}");
    assert_eq!(dump(&mock).await, before, "a refused file left rows behind");
    // The ids the refused unit drew are burnt, as for any refused request; nothing uses them.
    assert!(mock.server.state.ids.counter() > counter);
    // … and the mock works on: the same file without the bad member loads.
    let good = yaml
        .lines()
        .filter(|l| !l.starts_with("  bad:"))
        .collect::<Vec<_>>();
    let v = load_yaml(&mock, &good.join("\n")).await;
    assert_eq!(v["counts"]["members"]["created"], 8_999);
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_and_json_load_the_same_world() {
    let (a, b) = (spawn().await, spawn().await);
    let doc: Value = serde_yaml_ng::from_str(WORLD).unwrap();

    let from_yaml = load_yaml(&a, WORLD).await;
    let (status, from_json) = b.post("/_mock/fixtures", doc).await;

    assert_eq!(status, 200, "{from_json}");
    let strip = |mut v: Value| {
        for k in ["request_id", "sessions"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    // Same seed, same file: the same ids (sessions carry a JWT signed at load time).
    assert_eq!(strip(from_yaml.clone()), strip(from_json.clone()));
    assert_eq!(
        from_yaml["sessions"]["bob_in"]["session_token"],
        from_json["sessions"]["bob_in"]["session_token"]
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_document_is_a_400_naming_the_place_and_writes_nothing() {
    let mock = spawn().await;
    let typo = "organizations:\n  acme: {}\nmembers:\n  bob:\n    org: acme\n    email: bob@acme.example\n    totp_secert: JBSWY3DPEHPK3PXP\n";
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "application/yaml",
            typo,
            &["members.bob", "unknown field `totp_secert`", "line 7"],
        ),
        (
            "application/json",
            r#"{"organisations": {}}"#,
            &["unknown field `organisations`"],
        ),
        (
            "application/yaml",
            "members:\n  x: {org: nowhere, email: x@y.example}\n",
            &["members.x.org: no organization `nowhere`"],
        ),
        (
            "application/yaml",
            "organizations:\n  ab: {}\nmembers:\n  x: {org: ab, email: not-an-email}\n",
            &["members.x.email: invalid_email"],
        ),
        (
            "application/yaml",
            "organizations:\n  ab: {mfa_policy: SOMETIMES}\n",
            &["organizations.ab.mfa_policy", "SOMETIMES"],
        ),
        (
            "application/yaml",
            "organizations: [a, b]\n",
            &["organizations"],
        ),
        (
            "application/yaml",
            "organizations:\n  ab: {}\n  ab: {}\n",
            &["organizations", "`ab` is given twice"],
        ),
        (
            "application/yaml",
            "organizations:\n  ab: {}\nmembers:\n  x: {org: ab, email: x@a.example, recovery_codes: [aaaa-bbbb-cccc]}\n",
            &["members.x.recovery_codes"],
        ),
    ];
    for (ct, body, wanted) in cases {
        let resp = post_fixtures(&mock, ct, body).await;
        assert_error(&resp, 400, "invalid_fixture");
        let msg = resp.1["error_message"].as_str().unwrap();
        for w in *wanted {
            assert!(msg.contains(w), "{body:?}: {msg:?} lacks {w:?}");
        }
    }
    let resp = post_fixtures(&mock, "text/plain", "organizations: {}").await;
    assert_error(&resp, 415, "invalid_content_type");
    assert!(
        dump(&mock).await.is_empty(),
        "a refused document wrote rows"
    );
    mock.stop().await;
}

/// Start the binary in memory with seed 42 and `args`; `Err(stderr)` if it exits.
fn start_binary(args: &[&str]) -> Result<MockProcess, String> {
    let mut all = vec!["--in-memory", "--seed", "42"];
    all.extend(args);
    MockProcess::start(&all)
}

/// The binary must refuse to start with `args`; its stderr.
fn refused_start(args: &[&str]) -> String {
    match start_binary(args) {
        Err(stderr) => stderr,
        Ok(running) => panic!("served at {} instead of refusing", running.base_url),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixtures_flag_loads_the_file_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("world.yaml");
    std::fs::write(&file, WORLD).unwrap();

    let running = start_binary(&["--fixtures", file.to_str().unwrap()]).unwrap();
    let base = running.base_url.clone();

    // The first request already sees the world: it was loaded before the port answered.
    let http = reqwest::Client::new();
    let v: Value = http
        .get(format!("{base}/v1/b2b/organizations/globex-inc"))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["organization"]["allowed_mfa_methods"],
        json!(["totp"]),
        "{v}"
    );
    drop(running);

    // A bad file: exit code 1, and the message names the file and the place.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        WORLD.replace("    name: Alice\n", "    nmae: Alice\n"),
    )
    .unwrap();
    let err = refused_start(&["--fixtures", bad.to_str().unwrap()]);
    assert!(err.contains("bad.yaml"), "{err}");
    assert!(
        err.contains("members.alice") && err.contains("nmae"),
        "{err}"
    );
    let missing = dir.path().join("missing.yaml");
    let err = refused_start(&["--fixtures", missing.to_str().unwrap()]);
    assert!(err.contains("missing.yaml"), "{err}");
}

#[tokio::test]
async fn the_route_takes_documents_larger_than_the_api_s_1_mib() {
    let mock = spawn().await;
    // 2 MiB of comment lines around a small world: over every other route's limit.
    let padding = format!("# {}\n", "x".repeat(1022)).repeat(2048);
    let yaml = format!(
        "{padding}organizations:\n  big: {{}}\nmembers:\n  m: {{org: big, email: m@big.example}}\n"
    );
    assert!(yaml.len() > 2 << 20);

    let v = load_yaml(&mock, &yaml).await;

    assert_eq!(v["counts"]["members"]["created"], 1);
    mock.stop().await;
}
