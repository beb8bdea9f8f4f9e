//! Every route refuses missing or wrong credentials, except the two documented open ones.
//!
//! The route list is read from the router's source (`src/routes/*.rs`), so a route added
//! anywhere is walked automatically; the test also fails if it finds suspiciously few routes.

use mock_stytch::config::DEFAULT_PROJECT_ID;
use serde_json::Value;

use crate::helpers::{assert_error, spawn};

/// Routes that answer without credentials, by design (CONTRACT §1.2): JWKS fetchers send none.
const OPEN: &[&str] = &["/_mock/health", "/v1/b2b/sessions/jwks/{project_id}"];

/// `(METHOD, path)` for every `.route("path", get(..).post(..))` in the routes sources.
pub fn declared_routes() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join("");
        for chunk in flat.split(".route(\"").skip(1) {
            let Some((path, rest)) = chunk.split_once('"') else {
                continue;
            };
            // the method chain runs until the closing paren of .route(...)
            let mut depth = 1;
            let mut end = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let chain = &rest[..end];
            for method in ["get", "post", "put", "delete", "patch"] {
                let starts = chain.starts_with(&format!(",{method}("))
                    || chain.contains(&format!(").{method}("));
                if starts {
                    out.push((method.to_uppercase(), path.to_owned()));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[tokio::test]
async fn every_route_but_the_open_ones_requires_credentials() {
    let routes = declared_routes();
    assert!(
        routes.len() >= 20,
        "found only {} routes — is the source scan broken? {routes:?}",
        routes.len()
    );
    let mock = spawn().await;
    for (method, path) in &routes {
        let concrete = path
            .replace("{project_id}", DEFAULT_PROJECT_ID)
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for auth in [None, Some("wrong")] {
            let mut req = mock
                .http
                .request(method.parse().unwrap(), mock.url(&concrete));
            if let Some(secret) = auth {
                req = req.basic_auth(DEFAULT_PROJECT_ID, Some(secret));
            }
            let resp = req
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap();
            if OPEN.contains(&path.as_str()) {
                assert_ne!(status, 401, "{method} {path} must be open: {body}");
            } else {
                assert_error(&(status, body), 401, "unauthorized_credentials");
            }
        }
    }
}
