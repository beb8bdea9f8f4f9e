//! One keep-alive HTTP/1.1 connection (hyper's client `conn`, no pool) that the load generator
//! and the setup code share, so the baseline and the mock are driven by exactly the same code.
//!
//! A connection sends Basic auth on every request (the baseline ignores it; the mock needs it)
//! and reconnects by itself after a transport error. It only ever dials the address it was given,
//! which the callers take from a listener they bound on 127.0.0.1.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::http::HeaderValue;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// `Authorization` for the default project: what every SDK sends.
pub fn default_authorization() -> HeaderValue {
    let raw = format!(
        "{}:{}",
        mock_stytch::config::DEFAULT_PROJECT_ID,
        mock_stytch::config::DEFAULT_SECRET
    );
    let value = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    );
    HeaderValue::from_str(&value).expect("base64 is a valid header value")
}

/// One request, prepared once and replayed many times (cheap to clone: `Bytes` bodies).
#[derive(Clone, Debug)]
pub struct Req {
    pub method: Method,
    pub path: String,
    pub body: Option<Bytes>,
}

impl Req {
    pub fn get(path: impl Into<String>) -> Req {
        Req {
            method: Method::GET,
            path: path.into(),
            body: None,
        }
    }

    pub fn post(path: impl Into<String>, body: &Value) -> Req {
        Req {
            method: Method::POST,
            path: path.into(),
            body: Some(Bytes::from(body.to_string())),
        }
    }
}

pub struct Conn {
    addr: SocketAddr,
    host: HeaderValue,
    auth: HeaderValue,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<Conn> {
        let mut c = Conn {
            addr,
            host: HeaderValue::from_str(&addr.to_string())
                .expect("a socket address is a valid Host"),
            auth: default_authorization(),
            sender: None,
        };
        c.ensure().await?;
        Ok(c)
    }

    async fn ensure(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr)
                .await
                .with_context(|| format!("connect {}", self.addr))?;
            stream.set_nodelay(true)?;
            let (sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("set above"))
    }

    /// Send one request and read the whole response body.
    pub async fn send(&mut self, req: &Req) -> anyhow::Result<(StatusCode, Bytes)> {
        let mut builder = Request::builder()
            .method(req.method.clone())
            .uri(&req.path)
            .header(HOST, self.host.clone())
            .header(AUTHORIZATION, self.auth.clone());
        if req.body.is_some() {
            builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let request = builder.body(Full::new(req.body.clone().unwrap_or_default()))?;
        let result = async {
            let sender = self.ensure().await?;
            sender.ready().await?;
            let resp = sender.send_request(request).await?;
            let status = resp.status();
            let body = resp.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, body))
        }
        .await;
        if result.is_err() {
            self.sender = None; // reconnect next time
        }
        result
    }

    /// Send and require 200; the error carries the mock's error body.
    pub async fn ok(&mut self, req: &Req) -> anyhow::Result<Bytes> {
        let (status, body) = self.send(req).await?;
        if status != StatusCode::OK {
            bail!(
                "{} {} -> {}: {}",
                req.method,
                req.path,
                status.as_u16(),
                String::from_utf8_lossy(&body)
            );
        }
        Ok(body)
    }

    /// Send, require 200 and decode the JSON body.
    pub async fn json(&mut self, req: &Req) -> anyhow::Result<Value> {
        let body = self.ok(req).await?;
        serde_json::from_slice(&body)
            .with_context(|| format!("{} {}: body is not JSON", req.method, req.path))
    }
}

/// A string field of a JSON answer, or an error naming it.
pub fn field(v: &Value, pointer: &str) -> anyhow::Result<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("no string at {pointer} in {v}"))
}
