//! `spawn_app()` starts the whole demo in-process (embedded mock on its own port, seeded data,
//! the app on 127.0.0.1:0, a temp data directory) and returns a [`TestApp`]; a [`Tab`] is a
//! browser tab without a browser: it keeps the cookies and speaks intent (`login`,
//! `submit_code`). Everything goes over real HTTP.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use example_app::seed::{DEMO_PASSWORD, DemoData};
use example_app::{Application, Backend, DemoOptions, Settings};
use mock_control::{Message, MessageKind, MockControl};
use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use reqwest::header;
use stytch_client::{ClientConfig, StytchClient};
use tokio::sync::oneshot;

pub struct TestApp {
    /// `http://127.0.0.1:PORT` of the app.
    pub url: String,
    pub mock_url: String,
    pub demo: DemoData,
    pub dir: Arc<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    start(Arc::new(tempfile::tempdir().expect("temp dir")), None).await
}

/// The demo with the engine's Stytch timeout set (a `delay` fault longer than it).
pub async fn spawn_app_with_stytch_timeout(timeout: std::time::Duration) -> TestApp {
    start(
        Arc::new(tempfile::tempdir().expect("temp dir")),
        Some(timeout),
    )
    .await
}

async fn start(dir: Arc<tempfile::TempDir>, timeout: Option<std::time::Duration>) -> TestApp {
    let defaults = DemoOptions::default();
    let settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_owned(),
        flow_store: None,
        public_url: None,
        backend: Backend::Demo(DemoOptions {
            fresh: false,
            password_hash_cost: 4,
            stytch_timeout: timeout.unwrap_or(defaults.stytch_timeout),
        }),
    };
    let app = Application::build(settings).await.expect("app builds");
    let url = format!("http://127.0.0.1:{}", app.port());
    let mock_url = app.mock_url().expect("demo mode has a mock").to_owned();
    let demo: DemoData =
        serde_json::from_slice(&std::fs::read(dir.path().join("demo.json")).unwrap()).unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    TestApp {
        url,
        mock_url,
        demo,
        dir,
        stop: Some(tx),
        task: Some(task),
    }
}

impl TestApp {
    /// Stop the app and its mock, and start both again on the same files (new ports).
    pub async fn restart(mut self) -> TestApp {
        self.shutdown().await;
        start(self.dir.clone(), None).await
    }

    async fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stops cleanly");
        }
    }

    pub fn tab(&self) -> Tab {
        Tab::new(&self.url)
    }

    #[track_caller]
    pub fn org_id(&self, name: &str) -> String {
        self.demo
            .organizations
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("no demo org {name}"))
            .organization_id
            .clone()
    }

    pub fn control(&self) -> MockControl {
        MockControl::new(&self.mock_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET)
    }

    pub fn stytch(&self) -> StytchClient {
        StytchClient::new(ClientConfig::new(
            &self.mock_url,
            DEFAULT_PROJECT_ID,
            DEFAULT_SECRET,
        ))
        .unwrap()
    }

    /// The newest SMS code texted to `phone`.
    pub async fn sms_code(&self, phone: &str) -> String {
        self.control().latest_sms_code(phone).await.expect("an SMS")
    }

    /// The newest email of `kind` to `email`, whole (token, ...).
    pub async fn email(&self, email: &str, kind: MessageKind) -> Message {
        self.control()
            .latest_message(&mock_control::OutboxFilter::to(email).kind(kind))
            .await
            .expect("an email")
    }

    /// The member's current TOTP code on the mock's clock.
    pub async fn totp_code(&self, org_name: &str, email: &str) -> String {
        let org = self.org_id(org_name);
        let member = self
            .stytch()
            .members_get_by_email(&org, email)
            .await
            .expect("member")
            .member_id;
        self.control()
            .totp_code(&org, &member)
            .await
            .expect("totp code")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// One answer: status, `Location`, `Retry-After`, body.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Page {
    #[track_caller]
    pub fn assert_redirect(&self, prefix: &str) {
        assert_eq!(self.status, 303, "{self:?}");
        let loc = self.location.as_deref().unwrap_or("");
        assert!(
            loc.starts_with(prefix),
            "redirect to {loc}, wanted {prefix}"
        );
    }

    /// The page shows no internals: no Rust type names, no debug output, no stack trace.
    #[track_caller]
    pub fn assert_friendly(&self) {
        for needle in [
            "ServiceError",
            "Stale(",
            "WrongState",
            "panicked",
            "StytchError",
            "Error {",
            "backtrace",
        ] {
            assert!(
                !self.body.contains(needle),
                "page leaks {needle:?}: {}",
                self.body
            );
        }
    }
}

/// A browser tab: a cookie jar over reqwest, redirects not followed (tests check them).
#[derive(Clone)]
pub struct Tab {
    pub base: String,
    http: reqwest::Client,
    cookies: Arc<Mutex<BTreeMap<String, String>>>,
}

impl Tab {
    /// A fresh tab (no cookies) on the app at `base`.
    pub fn new(base: &str) -> Tab {
        Tab {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Arc::new(Mutex::new(BTreeMap::new())),
        }
    }

    /// A second tab of the same browser (same cookies).
    pub fn same_browser(&self) -> Tab {
        self.clone()
    }

    /// Point this tab at another origin (the app after a restart), keeping the cookies.
    pub fn at(&self, base: &str) -> Tab {
        Tab {
            base: base.to_owned(),
            ..self.clone()
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Page {
        let jar = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let req = if jar.is_empty() {
            req
        } else {
            req.header(header::COOKIE, jar)
        };
        let resp = req.send().await.expect("request");
        for sc in resp.headers().get_all(header::SET_COOKIE) {
            let sc = sc.to_str().unwrap();
            let (pair, attrs) = sc.split_once(';').unwrap_or((sc, ""));
            let (k, v) = pair.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            if attrs.contains("Max-Age=0") {
                jar.remove(k);
            } else {
                jar.insert(k.to_owned(), v.to_owned());
            }
        }
        Page {
            status: resp.status().as_u16(),
            location: resp
                .headers()
                .get(header::LOCATION)
                .map(|v| v.to_str().unwrap().to_owned()),
            retry_after: resp
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.to_str().unwrap().to_owned()),
            body: resp.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    /// POST a form exactly as given (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(self.http.post(format!("{}{path}", self.base)).form(fields))
            .await
    }

    /// The CSRF token the app puts in this tab's forms.
    pub async fn csrf(&self) -> String {
        let page = self.get("/login").await;
        field_value(&page.body, "csrf").expect("a csrf field")
    }

    /// POST a form with this tab's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    pub async fn login(&self, org_id: &str, email: &str) -> Page {
        self.post(
            "/login/password",
            &[
                ("organization_id", org_id),
                ("email", email),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await
    }

    /// Follow a redirect answer with a GET.
    pub async fn follow(&self, page: &Page) -> Page {
        let loc = page.location.as_deref().expect("a redirect");
        self.get(loc).await
    }

    pub async fn submit_code(&self, code: &str) -> Page {
        self.post("/challenge/code", &[("code", code), ("purpose", "login")])
            .await
    }
}

/// `value="..."` of the input named `name` (first match).
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// The text inside every `<code class="{class}">...</code>`.
pub fn code_texts(html: &str, class: &str) -> Vec<String> {
    let open = format!("<code class=\"{class}\">");
    html.match_indices(&open)
        .filter_map(|(i, _)| {
            let rest = &html[i + open.len()..];
            rest.find("</code>").map(|end| rest[..end].to_owned())
        })
        .collect()
}

/// The text right after `id="{id}">`, up to the next tag.
pub fn text_by_id(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\">");
    let at = html.find(&marker)? + marker.len();
    let rest = &html[at..];
    Some(rest[..rest.find('<')?].to_owned())
}
