//! The in-process HTTP harness shared by `tests/http.rs` and
//! `tests/admin.rs` (included with `#[path]`): a signed-in browser made
//! straight from a session row, one request through the app, form bodies.
#![allow(dead_code)] // each test binary uses a part of it

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use hyoka_model::db::Pool;
use hyoka_model::db::users::User;
use hyoka_web::{security, session};

/// The UI's settings in these tests: plain-HTTP cookie names.
pub fn settings() -> hyoka_web::Settings {
    hyoka_web::Settings { cookie_secure: false, ..Default::default() }
}

/// A signed-in browser: its cookie and CSRF token.
#[derive(Clone, Default)]
pub struct Browser {
    pub cookie: Option<String>,
    pub csrf: String,
}

/// A browser signed in as `user` (a fresh session row), or an anonymous one.
pub fn session_of(pool: &Pool, user: Option<&User>) -> Browser {
    let Some(u) = user else { return Browser::default() };
    let mut conn = pool.get().unwrap_or_else(|e| panic!("{e}"));
    let secret = session::create(&mut conn, u, None, settings().lifetimes).unwrap_or_else(|e| panic!("{e}"));
    let found = session::find(&mut conn, &secret, hyoka_model::time::now(), settings().lifetimes)
        .unwrap_or_else(|e| panic!("{e}"));
    Browser { cookie: Some(format!("hyoka_session={secret}")), csrf: found.map(|s| s.csrf).unwrap_or_default() }
}

/// What the app answered.
pub struct Reply {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub bytes: Vec<u8>,
    pub body: String,
}

/// One request through the app, as `b`, on host `localhost:8080`.
pub async fn call<S, B>(app: &S, b: &Browser, req: TestRequest) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = req.insert_header(("host", "localhost:8080"));
    if let Some(c) = &b.cookie {
        req = req.insert_header(("cookie", c.clone()));
    }
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = test::read_body(res).await.to_vec();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    Reply { status, headers, bytes, body }
}

/// A form body, every byte percent-encoded.
pub fn form<V: AsRef<str>>(pairs: &[(&str, V)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_ref().bytes().map(|b| format!("%{b:02X}")).collect::<String>()))
        .collect::<Vec<_>>()
        .join("&")
}

/// A form POST to `path`.
pub fn post<V: AsRef<str>>(path: &str, pairs: &[(&str, V)]) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(form(pairs))
}

/// Asserts the UI's hardening headers on an answer.
#[track_caller]
pub fn assert_headers(a: &Reply, what: &str) {
    for (k, v) in security::HEADERS {
        assert_eq!(a.headers.get(*k).and_then(|x| x.to_str().ok()), Some(*v), "{what}: header {k}");
    }
}

/// Runs a test body on an actix system.
pub fn rt<F: std::future::Future<Output = ()>>(f: F) {
    actix_web::rt::System::new().block_on(f);
}
