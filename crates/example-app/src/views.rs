//! Server-rendered HTML: the templates in `templates/` (embedded at compile time, rendered by
//! minijinja with HTML auto-escaping) and the [`Page`] extractor that gives every template the
//! CSRF token and the demo flag.
//!
//! Must never render a value unescaped, and never render an error's debug text (see
//! [`crate::error`]).

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use minijinja::{Environment, Value, context};

use crate::csrf::CsrfCookie;
use crate::error::{AppError, Friendly};
use crate::state::AppState;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "login.html",
    "check_email.html",
    "enroll_choose.html",
    "enroll_code.html",
    "totp_setup.html",
    "challenge.html",
    "home.html",
    "error.html",
    "confirm_form.html",
    "signout_form.html",
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name} does not parse: {e}"));
    }
    env
});

fn render(name: &str, ctx: Value) -> Result<Html<String>, AppError> {
    let tmpl = ENV
        .get_template(name)
        .map_err(|e| AppError::Internal(e.into()))?;
    tmpl.render(ctx)
        .map(Html)
        .map_err(|e| AppError::Internal(e.into()))
}

/// What every page template gets: the form token and whether the mock dashboard exists.
pub struct Page {
    csrf: String,
    demo: bool,
}

impl Page {
    /// Render `name` with `ctx` plus `csrf` and `demo`.
    pub fn render(&self, name: &str, ctx: Value) -> Result<Html<String>, AppError> {
        render(
            name,
            context! { csrf => &self.csrf, demo => self.demo, ..ctx },
        )
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let cookie = parts
            .extensions
            .get::<CsrfCookie>()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("CSRF middleware not installed")))?;
        Ok(Page {
            csrf: state.csrf_key.token(&cookie.0),
            demo: state.demo.is_some(),
        })
    }
}

/// The error page; falls back to a fixed sentence if even that template fails.
pub fn error_page(f: &Friendly) -> Html<String> {
    let ctx = context! {
        title => f.title,
        message => f.message,
        link_href => f.link.0,
        link_label => f.link.1,
        retry => f.retry.as_deref(),
        demo => false,
    };
    render("error.html", ctx).unwrap_or_else(|_| {
        Html("<!doctype html><title>Error</title><p>Something went wrong. <a href=\"/\">Continue</a></p>".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            assert!(ENV.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn values_are_html_escaped() {
        let html = render(
            "error.html",
            context! { title => "<b>", message => "<script>x</script>", link_href => "/", link_label => "ok" },
        )
        .unwrap()
        .0;
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>x"), "{html}");
    }
}
