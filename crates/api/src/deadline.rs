//! A deadline on every request body: the whole body must arrive within
//! `api.body_timeout_secs` of the request's start, whatever the handler
//! reads it with (JSON, forms, multipart, uploads). A body still arriving
//! then fails as a timed-out read (the JSON extractor answers `408
//! body_timeout`; the connection is closed), so a slow sender cannot hold a
//! connection and its worker's attention for ever.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use futures_util::Stream;

use crate::AppState;

/// A payload that fails once its deadline has passed.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    expired: bool,
}

/// Whether a read failed because the body's deadline passed.
pub fn is_deadline(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.expired = true;
            let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body did not arrive in time");
            return Poll::Ready(Some(Err(PayloadError::Io(e))));
        }
        Poll::Pending
    }
}

/// The middleware: wraps the request's payload in its deadline.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let timeout = req.app_data::<web::Data<AppState>>().map_or(Duration::from_secs(60), |s| s.settings.body_timeout);
    let inner = req.take_payload();
    let stream = Deadline { inner, sleep: Box::pin(tokio::time::sleep(timeout)), expired: false };
    req.set_payload(Payload::Stream { payload: Box::pin(stream) });
    next.call(req).await
}
