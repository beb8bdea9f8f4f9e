//! The physical limit: a bare axum server that reads the request body and answers every request
//! with one fixed JSON body of a given size. It runs on the same server runtime as the mock, so
//! "mock / baseline" isolates what the mock does beyond HTTP + this generator on this machine.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use tokio::net::TcpListener;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// A JSON object of exactly `len` bytes (at least `{"p":""}`, 8 bytes).
pub fn fixed_body(len: usize) -> Bytes {
    let pad = len.saturating_sub(8);
    Bytes::from(format!("{{\"p\":\"{}\"}}", "x".repeat(pad)))
}

/// A running baseline; dropping it stops the server.
pub struct Baseline {
    pub addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

/// Start a baseline answering `body_len` bytes, on the server runtime `rt`.
pub async fn spawn(rt: &Handle, body_len: usize) -> anyhow::Result<Baseline> {
    let body = fixed_body(body_len);
    let app = Router::new().fallback(move |req_body: Bytes| {
        let body = body.clone();
        async move {
            drop(req_body); // read in full, like the mock's JSON extractor does
            ([(CONTENT_TYPE, "application/json")], body)
        }
    });
    let (tx, rx) = oneshot::channel::<()>();
    let addr = rt
        .spawn(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = rx.await;
                    })
                    .await;
            });
            anyhow::Ok(addr)
        })
        .await??;
    Ok(Baseline { addr, _stop: tx })
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixed_bodies_have_the_asked_size_and_are_json() {
        for len in [8usize, 100, 2048] {
            let b = super::fixed_body(len);
            assert_eq!(b.len(), len);
            serde_json::from_slice::<serde_json::Value>(&b).unwrap();
        }
    }
}
