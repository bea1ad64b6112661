//! Static files, embedded in the binary and served from
//! `/ui/static/{version}/{name}` (the version is the first 16 hex digits of
//! the file's SHA-256, so a changed file has a new address and each can be
//! cached for a year). `<script>` and `<link>` carry their SHA-384 as
//! `integrity`.

use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256, Sha384};

/// One embedded file.
pub struct Asset {
    /// File name under `static/`.
    pub name: &'static str,
    /// Content type.
    pub mime: &'static str,
    /// Bytes.
    pub bytes: &'static [u8],
}

/// Every file the UI serves.
pub const ASSETS: &[Asset] = &[
    Asset { name: "hyoka.css", mime: "text/css; charset=utf-8", bytes: include_bytes!("../static/hyoka.css") },
    Asset { name: "hyoka.js", mime: "text/javascript; charset=utf-8", bytes: include_bytes!("../static/hyoka.js") },
    Asset {
        name: "htmx.min.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/vendor/htmx-2.0.11/htmx.min.js"),
    },
];

/// The SHA-256 of the vendored htmx 2.0.11 as fetched from the npm registry
/// (`npm pack htmx.org@2.0.11`, `package/dist/htmx.min.js`).
pub const HTMX_SHA256: &str = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717";

/// An asset's address and integrity.
#[derive(Debug, Clone)]
pub struct Link {
    /// `/ui/static/{version}/{name}`.
    pub url: String,
    /// `sha384-…`.
    pub integrity: String,
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn version(a: &Asset) -> String {
    hex::encode(&Sha256::digest(a.bytes)[..8])
}

/// The links of every asset, by name, computed once.
pub fn links() -> &'static [(&'static str, Link)] {
    static LINKS: OnceLock<Vec<(&'static str, Link)>> = OnceLock::new();
    LINKS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let url = format!("/ui/static/{}/{}", version(a), a.name);
                (a.name, Link { url, integrity: format!("sha384-{}", base64(&Sha384::digest(a.bytes))) })
            })
            .collect()
    })
}

/// The link of one asset.
pub fn link(name: &str) -> Link {
    links()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, l)| l.clone())
        .unwrap_or(Link { url: String::new(), integrity: String::new() })
}

/// `GET /ui/static/{version}/{name}`.
pub async fn serve(path: web::Path<(String, String)>) -> HttpResponse {
    let (v, name) = path.into_inner();
    match ASSETS.iter().find(|a| a.name == name && version(a) == v) {
        Some(a) => HttpResponse::Ok()
            .insert_header(("content-type", a.mime))
            .insert_header(("cache-control", "public, max-age=31536000, immutable"))
            .body(a.bytes),
        None => HttpResponse::NotFound().insert_header(("content-type", "text/plain; charset=utf-8")).body("not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_static_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
        let mut on_disk = Vec::new();
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".css") || name.ends_with(".js") {
                on_disk.push(name);
            }
        }
        for name in on_disk {
            assert!(ASSETS.iter().any(|a| a.name == name), "static/{name} is not in ASSETS");
        }
    }

    #[test]
    fn the_vendored_htmx_is_the_one_fetched() {
        let htmx = ASSETS.iter().find(|a| a.name == "htmx.min.js").map(|a| hex::encode(Sha256::digest(a.bytes)));
        assert_eq!(htmx.as_deref(), Some(HTMX_SHA256));
    }

    #[test]
    fn base64_as_in_the_rfc() {
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
    }
}
