//! Who the client is: the one place that reads `X-Forwarded-For` and
//! `X-Forwarded-Proto`, for the API, the web UI and the request log.
//!
//! Only a peer inside `server.trusted_proxies` ([`TrustedProxies`]) may set
//! them. From a trusted peer, the client is the right-most address of
//! `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends
//! the address it saw, so what lies left of an untrusted hop may be forged),
//! and the scheme is the right-most `X-Forwarded-Proto`. From any other peer
//! both headers are ignored: the client is the peer and the scheme unknown.
//! The client address is what the failed-login limits count and the request
//! log shows; the scheme decides the session cookie's `Secure` (hyoka-web).

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;

/// An address range, `10.0.0.0/8`, `::1/128`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether the address lies in the range (an IPv4-mapped IPv6 address
    /// counts as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let wrong = || format!("{s:?} is not an address or ADDRESS/PREFIX (e.g. 10.0.0.0/8, ::1/128)");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| wrong())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(wrong)?,
            None => max,
        };
        Ok(Cidr { addr, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The reverse proxies allowed to say who the client is (`server.trusted_proxies`;
/// none by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<Cidr>);

impl TrustedProxies {
    /// Whether this peer is one of them.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// Who the client of a request is, from its peer and headers.
    pub fn resolve(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Client {
        let Some(peer) = peer.map(|p| canonical(p.ip())) else { return Client { ip: None, https: None } };
        if !self.trusts(peer) {
            return Client { ip: Some(peer), https: None };
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        let mut ip = peer;
        for hop in hops.iter().rev() {
            let Some(addr) = parse_hop(hop) else { break };
            ip = addr;
            if !self.trusts(addr) {
                break;
            }
        }
        let https = headers
            .get_all("x-forwarded-proto")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|p| !p.is_empty())
            .and_then(|p| match p.to_ascii_lowercase().as_str() {
                "https" => Some(true),
                "http" => Some(false),
                _ => None,
            });
        Client { ip: Some(ip), https }
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip())).map(canonical)
}

/// The client of a request, as [`TrustedProxies::resolve`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// Its address (`None` only for a request without a peer, in tests).
    pub ip: Option<IpAddr>,
    /// The scheme a trusted proxy says the client used: `Some(true)` for
    /// https, `Some(false)` for http, `None` when no trusted proxy said.
    pub https: Option<bool>,
}

/// The client of a request, with the trusted proxies of the app's
/// [`AppState`](crate::AppState) (none when the app holds no state).
pub fn of(req: &HttpRequest) -> Client {
    let proxies = req.app_data::<actix_web::web::Data<crate::AppState>>().map(|s| &s.settings.trusted_proxies);
    match proxies {
        Some(p) => p.resolve(req.peer_addr(), req.headers()),
        None => TrustedProxies::default().resolve(req.peer_addr(), req.headers()),
    }
}

/// The client address of a request being logged (`%{client}xi`), `-` when
/// unknown.
pub fn log_address(req: &actix_web::dev::ServiceRequest) -> String {
    let proxies = req.app_data::<actix_web::web::Data<crate::AppState>>().map(|s| &s.settings.trusted_proxies);
    let client = match proxies {
        Some(p) => p.resolve(req.peer_addr(), req.headers()),
        None => TrustedProxies::default().resolve(req.peer_addr(), req.headers()),
    };
    client.ip.map_or_else(|| "-".to_owned(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies(list.iter().map(|c| c.parse().unwrap_or_else(|e| panic!("{e}"))).collect())
    }

    fn peer(s: &str) -> Option<SocketAddr> {
        Some(s.parse().unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn ranges_parse_and_match() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(c.contains("10.200.1.1".parse().unwrap_or_else(|e| panic!("{e}"))));
        assert!(!c.contains("11.0.0.1".parse().unwrap_or_else(|e| panic!("{e}"))));
        assert!(c.contains("::ffff:10.0.0.1".parse().unwrap_or_else(|e| panic!("{e}"))));
        let one: Cidr = "::1".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(one.to_string(), "::1/128");
        for bad in ["10.0.0.0/33", "localhost", "10.0.0.0/x", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        assert!("0.0.0.0/0".parse::<Cidr>().is_ok_and(|c| c.contains("8.8.8.8".parse().unwrap_or(c.addr))));
    }

    #[test]
    fn forwarded_headers_count_only_from_a_trusted_peer() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9"), ("x-forwarded-proto", "https")]);
        let none = TrustedProxies::default();
        let c = none.resolve(peer("198.51.100.7:5000"), &h);
        assert_eq!(c.ip, Some("198.51.100.7".parse().unwrap_or_else(|e| panic!("{e}"))));
        assert_eq!(c.https, None);
        let p = proxies(&["127.0.0.1/32"]);
        let c = p.resolve(peer("127.0.0.1:5000"), &h);
        assert_eq!(c.ip, Some("203.0.113.9".parse().unwrap_or_else(|e| panic!("{e}"))));
        assert_eq!(c.https, Some(true));
        // Another peer, same headers: ignored.
        let c = p.resolve(peer("192.0.2.1:5000"), &h);
        assert_eq!((c.ip, c.https), (Some("192.0.2.1".parse().unwrap_or_else(|e| panic!("{e}"))), None));
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let p = proxies(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.2"), ("x-forwarded-proto", "http")]);
        let c = p.resolve(peer("10.0.0.1:80"), &h);
        assert_eq!(c.ip, Some("203.0.113.9".parse().unwrap_or_else(|e| panic!("{e}"))));
        assert_eq!(c.https, Some(false));
        // A garbled hop stops the walk at the last proxy that appended it.
        let h = headers(&[("x-forwarded-for", "evil, 10.0.0.3")]);
        let c = p.resolve(peer("10.0.0.1:80"), &h);
        assert_eq!(c.ip, Some("10.0.0.3".parse().unwrap_or_else(|e| panic!("{e}"))));
        let h = headers(&[("x-forwarded-for", "[2001:db8::1]:443")]);
        let c = p.resolve(peer("10.0.0.1:80"), &h);
        assert_eq!(c.ip, Some("2001:db8::1".parse().unwrap_or_else(|e| panic!("{e}"))));
    }
}
