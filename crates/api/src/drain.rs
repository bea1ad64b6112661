//! Graceful stop: on SIGTERM `hyoka serve` starts draining ([`Drain::start`]):
//! `/readyz` answers 503 so a load balancer stops sending, new uploads are
//! refused with 503 `shutting_down` (another replica takes them), and the
//! server waits for the requests in flight ([`Drain::in_flight`]), uploads
//! above all, before it stops listening.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use actix_web::http::Method;

/// The shared draining flag and the count of requests in flight.
#[derive(Debug, Default)]
pub struct Drain {
    draining: AtomicBool,
    in_flight: AtomicUsize,
}

impl Drain {
    /// Starts draining (idempotent).
    pub fn start(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether the server is draining.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Requests being answered now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Counts a request until the guard drops.
    pub fn enter(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }
}

/// A request in flight; uncounted on drop.
#[derive(Debug)]
pub struct InFlight(Arc<Drain>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether a request is an upload of a sheet (API multipart or JSON, or the
/// web UI's form): the requests refused while draining.
pub fn is_upload(method: &Method, path: &str) -> bool {
    method == Method::POST && matches!(path, "/api/v1/submissions" | "/api/v1/submissions/json" | "/ui/upload")
}

/// The refusal of an upload while draining: 503 with `Retry-After` and the
/// reason in English and Japanese.
pub fn refusal() -> actix_web::HttpResponse {
    actix_web::HttpResponse::ServiceUnavailable().insert_header(("Retry-After", "5")).json(crate::ErrorBody::new(
        "shutting_down",
        "this server is stopping; send the upload again (another server takes it) / \
         このサーバーは停止処理中です。もう一度アップロードしてください (別のサーバーが受け付けます)"
            .into(),
    ))
}
