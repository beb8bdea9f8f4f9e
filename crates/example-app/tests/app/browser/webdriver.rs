//! A minimal W3C WebDriver client over reqwest — the dozen commands these tests use — and the
//! chromedriver process behind it (free port, its own process group, killed with the browsers
//! it started on drop, so a test that panics before `quit` leaves no Chromium behind).
//!
//! Hand-rolled rather than a WebDriver crate: the protocol is a few JSON calls, and the crates
//! pull in a large dependency tree for a shared, two-core build machine. Must never skip: a
//! missing chromedriver is a test failure with a message.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C key under which an element reference is returned.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running chromedriver; killed when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
    chromium: &'static str,
}

impl Driver {
    /// Debian's chromedriver and chromium.
    #[track_caller]
    pub fn start() -> Driver {
        Driver::start_with(CHROMEDRIVER, CHROMIUM)
    }

    #[track_caller]
    pub fn start_with(chromedriver: &'static str, chromium: &'static str) -> Driver {
        for path in [chromedriver, chromium] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's chromium and chromium-driver \
                 (apt-get install chromium chromium-driver; tests/run-all.sh installs them)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
        }
    }

    /// Wait for chromedriver, then open a headless Chromium session.
    pub async fn session(&self) -> Session {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let ready = http.get(format!("{}/status", self.url)).send().await;
            if let Ok(resp) = ready
                && let Ok(v) = resp.json::<Value>().await
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--disable-gpu", "--window-size=1000,1300"]
            }
        }}});
        let v = call(
            &http,
            reqwest::Method::POST,
            &format!("{}/session", self.url),
            Some(caps),
        )
        .await;
        let id = v["sessionId"].as_str().expect("a session id").to_owned();
        Session {
            http,
            base: format!("{}/session/{id}", self.url),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and every Chromium process it started.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    try_call(http, method.clone(), url, body)
        .await
        .unwrap_or_else(|(status, v)| panic!("{method} {url}: {status} {v}"))
}

/// Like [`call`], handing an error answer (status, body) back instead of failing.
async fn try_call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, (reqwest::StatusCode, Value)> {
    let req = http.request(method.clone(), url);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status();
    let v: Value = resp.json().await.expect("WebDriver answers JSON");
    if status.is_success() {
        Ok(v["value"].clone())
    } else {
        Err((status, v))
    }
}

/// One browser session.
pub struct Session {
    http: reqwest::Client,
    base: String,
}

#[derive(Clone)]
pub struct Element(String);

impl Session {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        call(&self.http, method, &format!("{}{path}", self.base), body).await
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    pub async fn current_url(&self) -> String {
        let v = self.cmd(reqwest::Method::GET, "/url", None).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Elements matching a CSS selector (possibly none).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        Element(
                            e[ELEMENT_KEY]
                                .as_str()
                                .unwrap_or_else(|| panic!("{e}"))
                                .to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first element matching `css`, waiting up to 5 s for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(e) = self.find_all(css).await.into_iter().next() {
                return e;
            }
            if Instant::now() > deadline {
                let url = self.current_url().await;
                panic!("no element {css:?} on {url}:\n{}", self.source().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `method` on `/element/{id}/{action}` of the first element matching `css`. A page that
    /// re-renders itself (the live dashboard) can replace the element between finding it and
    /// acting on it: then it is found again, for up to 5 s.
    async fn on_element(
        &self,
        css: &str,
        method: reqwest::Method,
        action: &str,
        body: Option<Value>,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let e = self.find(css).await;
            let url = format!("{}/element/{}/{action}", self.base, e.0);
            match try_call(&self.http, method.clone(), &url, body.clone()).await {
                Ok(v) => return v,
                Err((_, v))
                    if v["value"]["error"] == "stale element reference"
                        && Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err((status, v)) => panic!("{method} {url}: {status} {v}"),
            }
        }
    }

    pub async fn click(&self, css: &str) {
        self.on_element(css, reqwest::Method::POST, "click", Some(json!({})))
            .await;
    }

    pub async fn fill(&self, css: &str, text: &str) {
        self.on_element(css, reqwest::Method::POST, "clear", Some(json!({})))
            .await;
        self.send_keys(css, text).await;
    }

    /// Type `text` into the element (for a file input: the path of the file to choose).
    pub async fn send_keys(&self, css: &str, text: &str) {
        let body = Some(json!({"text": text}));
        self.on_element(css, reqwest::Method::POST, "value", body)
            .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let v = self
            .on_element(css, reqwest::Method::GET, "text", None)
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// An attribute as the page has it (entities decoded).
    pub async fn attr(&self, css: &str, name: &str) -> String {
        let action = format!("attribute/{name}");
        let v = self
            .on_element(css, reqwest::Method::GET, &action, None)
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Run `script` (a function body; `return` gives the value) in the page, synchronously.
    pub async fn execute(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    pub async fn source(&self) -> String {
        let v = self.cmd(reqwest::Method::GET, "/source", None).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 PNG"))
            .expect("valid base64")
    }

    pub async fn quit(self) {
        let _ = self.http.delete(&self.base).send().await;
    }
}
