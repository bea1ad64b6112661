//! A small HTTP/1.1 client over `TcpStream` (enough for JSON, multipart and
//! the API page), and a server runner that keeps the server's log.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{self, Running};

/// A response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: String,
    pub body: String,
    /// The body's bytes as received (dechunked), for files.
    pub bytes: Vec<u8>,
}

impl Resp {
    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }
}

/// Sends one request.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap_or_else(|e| panic!("{e}"));
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    // The server may answer (413) and close before reading everything.
    let _ = s.write_all(&out);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw.get(split + 4..).unwrap_or_default().to_vec();
    if headers.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    let status = headers.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    Resp { status, headers, body: String::from_utf8_lossy(&body).into_owned(), bytes: body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else { return out };
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = eol + 2;
        out.extend_from_slice(&b[start..(start + size).min(b.len())]);
        b = b.get(start + size + 2..).unwrap_or_default();
    }
}

/// A client bound to one server.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    pub addr: SocketAddr,
}

impl Api {
    pub fn get(&self, path: &str, token: Option<&str>) -> Resp {
        request(self.addr, "GET", path, token, None, b"")
    }

    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        request(self.addr, method, path, token, Some("application/json"), &bytes)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.send("POST", path, token, body)
    }

    /// Logs in; returns the token.
    pub fn login(&self, login: &str, password: &str) -> String {
        let r = self.post("/api/v1/login", None, &serde_json::json!({ "login": login, "password": password }));
        let r = r.expect(200);
        r.json()["token"].as_str().unwrap_or_else(|| panic!("{}", r.body)).to_owned()
    }

    /// Uploads a file as `multipart/form-data` (field `file`, plus text fields).
    pub fn upload(&self, token: Option<&str>, file_name: &str, file: &[u8], fields: &[(&str, &str)]) -> Resp {
        let (ct, body) = multipart(file_name, file, fields);
        request(self.addr, "POST", "/api/v1/submissions", token, Some(&ct), &body)
    }
}

/// A multipart body built by hand.
pub fn multipart(file_name: &str, file: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "hyoka-test-boundary-7d1f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A running `hyoka serve` whose log (stderr) goes to a file.
pub struct Server {
    pub running: Running,
    pub api: Api,
    pub log: PathBuf,
}

/// Starts `hyoka serve` on a random port with extra settings.
pub fn serve(database_url: &str, dir: &Path, env: &[(&str, &str)]) -> Server {
    let log = dir.join(format!("serve-{}.log", std::process::id() as u64 * 1000 + rand_suffix()));
    let mut cmd: Command = common::hyoka(database_url, dir);
    cmd.args(["serve", "--bind", "127.0.0.1:0"]).env("HYOKA_LOG_LEVEL", "debug");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let file = std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}"));
    cmd.stderr(Stdio::from(file));
    let running = common::start_keeping_stderr(cmd, Duration::from_secs(60));
    let api = Api { addr: running.addr };
    Server { running, api, log }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| u64::from(d.subsec_nanos())).unwrap_or(0)
        % 1000
}
