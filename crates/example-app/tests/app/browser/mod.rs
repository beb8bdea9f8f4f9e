//! Browser tests: the guide's flows and the mock dashboard's live view in a real headless Debian
//! Chromium over WebDriver, against the whole demo in-process. Each step saves `target/browser-screenshots/<test>/NN-step.png`.
//!
//! Browser tests run one at a time (a lock): Chromium is heavy on a small shared machine. They
//! fail — never skip — when chromedriver is missing.

mod dashboard;
mod journeys;
mod webdriver;

use std::path::PathBuf;

use example_app::seed::DEMO_PASSWORD;
use tokio::sync::{Mutex, MutexGuard};

use crate::helpers::{TestApp, spawn_app};
use webdriver::{Driver, Session};

static ONE_BROWSER_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// The app, a browser pointed at it, and the screenshot directory of this test.
pub struct Browser {
    pub app: TestApp,
    pub s: Session,
    shots: PathBuf,
    step: u32,
    _driver: Driver,
    _turn: MutexGuard<'static, ()>,
}

/// `target/` of this build: the test binary lives in `target/<profile>/deps/`.
fn target_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors()
        .nth(3)
        .expect("target/<profile>/deps/<bin>")
        .to_owned()
}

impl Browser {
    pub async fn start(test: &str) -> Browser {
        let turn = ONE_BROWSER_AT_A_TIME.lock().await;
        let driver = Driver::start();
        let app = spawn_app().await;
        let s = driver.session().await;
        let shots = target_dir().join("browser-screenshots").join(test);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("screenshot directory");
        Browser {
            app,
            s,
            shots,
            step: 0,
            _driver: driver,
            _turn: turn,
        }
    }

    /// Save a screenshot named `NN-name.png`.
    pub async fn shot(&mut self, name: &str) {
        self.step += 1;
        let png = self.s.screenshot().await;
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&path, png).expect("write screenshot");
    }

    pub async fn open(&self, path: &str) {
        self.s.goto(&format!("{}{path}", self.app.url)).await;
    }

    /// Fill the sign-in form and press "Sign in with password".
    pub async fn sign_in(&mut self, org_name: &str, email: &str) {
        let org = self.app.org_id(org_name);
        self.open("/login").await;
        self.s
            .click(&format!("#organization_id option[value=\"{org}\"]"))
            .await;
        self.s.fill("#email", email).await;
        self.s.fill("#password", DEMO_PASSWORD).await;
        self.shot("sign-in-form").await;
        self.s.click("#password-button").await;
    }

    /// Type a code into `#code` and press the form's button.
    pub async fn enter_code(&self, code: &str, button: &str) {
        self.s.fill("#code", code).await;
        self.s.click(button).await;
    }

    /// The newest SMS code to `phone`, read from the mock dashboard (this tab navigates there).
    pub async fn sms_code_from_dashboard(&mut self, phone: &str) -> String {
        self.open("/_mock/ui").await;
        self.shot("dashboard").await;
        let css = format!("tr.outbox-row[data-kind=\"sms\"][data-to=\"{phone}\"] code.otp-code");
        self.s.text(&css).await
    }

    pub async fn quit(self) {
        let Browser { s, .. } = self;
        s.quit().await;
    }
}

#[test]
fn a_missing_chromedriver_fails_the_test_with_a_message() {
    let result = std::panic::catch_unwind(|| {
        Driver::start_with("/nonexistent/chromedriver", webdriver::CHROMIUM)
    });
    let Err(panic) = result else {
        panic!("a browser test started without chromedriver");
    };
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(
        message.contains("/nonexistent/chromedriver is missing")
            && message.contains("apt-get install"),
        "{message}"
    );
}
