//! The headers of every `/ui` response and the CSRF checks of every
//! state-changing request.
//!
//! CSRF: a request that changes anything must carry the session's token, in
//! a form field named `csrf_token` or an `X-CSRF-Token` header, and must not
//! come from another site: `Sec-Fetch-Site`, when sent, is `same-origin` or
//! `none`, and `Origin`, when sent, names this host. The sign-in form, which
//! has no session yet, uses a double-submit cookie instead.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName};
use actix_web::middleware::DefaultHeaders;

use crate::session;

/// The Content-Security-Policy of every `/ui` response: nothing inline,
/// nothing from elsewhere, no frames.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; \
                       connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
                       object-src 'none'";

/// Every header set on `/ui` responses (a handler's own value wins).
pub const HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CSP),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("cache-control", "no-store"),
    ("vary", "HX-Request, Cookie, Accept-Language"),
];

/// The middleware that adds [`HEADERS`].
pub fn headers() -> DefaultHeaders {
    HEADERS.iter().fold(DefaultHeaders::new(), |h, (k, v)| h.add((HeaderName::from_static(k), *v)))
}

/// The name of the CSRF form field.
pub const CSRF_FIELD: &str = "csrf_token";

/// Whether the request comes from this site (or says nothing about it).
pub fn same_site(req: &HttpRequest) -> bool {
    let fetch_site = req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site.is_some_and(|v| v != "same-origin" && v != "none") {
        return false;
    }
    match req.headers().get(header::ORIGIN).map(|v| v.to_str()) {
        None => true,
        Some(Err(_)) => false,
        Some(Ok(origin)) => {
            let host = req.connection_info().host().to_ascii_lowercase();
            let origin = origin.to_ascii_lowercase();
            origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).is_some_and(|h| h == host)
        }
    }
}

/// Whether a state-changing request proves it comes from a page of this
/// session: same site, and the token from the form or the header.
pub fn csrf_ok(req: &HttpRequest, form_token: Option<&str>, session_token: &str) -> bool {
    let header_token = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok());
    let given = form_token.filter(|t| !t.is_empty()).or(header_token).unwrap_or("");
    same_site(req) && !given.is_empty() && session::same(given, session_token)
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_policy_allows_nothing_inline() {
        assert!(!CSP.contains("unsafe-inline") && !CSP.contains("unsafe-eval"));
        assert!(CSP.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn cross_site_requests_are_refused() {
        let tok = "a".repeat(64);
        let req = |h: &[(&str, &str)]| {
            let mut r = TestRequest::post().insert_header(("host", "127.0.0.1:8080"));
            for (k, v) in h {
                r = r.insert_header((*k, *v));
            }
            r.to_http_request()
        };
        assert!(csrf_ok(&req(&[("x-csrf-token", &tok)]), None, &tok));
        assert!(csrf_ok(&req(&[("origin", "http://127.0.0.1:8080")]), Some(&tok), &tok));
        assert!(!csrf_ok(&req(&[]), None, &tok));
        assert!(!csrf_ok(&req(&[]), Some("b"), &tok));
        assert!(!csrf_ok(&req(&[("origin", "http://evil.example")]), Some(&tok), &tok));
        assert!(!csrf_ok(&req(&[("sec-fetch-site", "cross-site")]), Some(&tok), &tok));
        assert!(csrf_ok(&req(&[("sec-fetch-site", "same-origin")]), Some(&tok), &tok));
    }
}
