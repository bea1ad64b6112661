//! The browser harness shared by the browser journeys: a server on a free
//! loopback port, Chromium driven over WebDriver (chromedriver) with the few
//! JSON-over-HTTP calls the journeys need, on `std::net` (no WebDriver crate
//! to build), screenshots and test sheets.
#![allow(dead_code)] // each test binary uses a part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hyoka_model::catalog::Catalog;
use hyoka_model::db::testing::TestDb;
use hyoka_model::domain::Level;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub type Failure = String;
pub type Step<T> = Result<T, Failure>;

pub fn err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> Failure + '_ {
    move |e| format!("{what}: {e}")
}

/// Kills the child on drop.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> Step<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(err("bind"))?;
    Ok(l.local_addr().map_err(err("addr"))?.port())
}

/// One HTTP/1.1 exchange with `Connection: close`.
pub fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Step<Value> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(err("connect to chromedriver"))?;
    s.set_read_timeout(Some(Duration::from_secs(60))).map_err(err("timeout"))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(err("write"))?;
    let mut r = BufReader::new(s);
    let mut headers = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).map_err(err("read"))? == 0 || line == "\r\n" {
            break;
        }
        headers.push_str(&line.to_ascii_lowercase());
    }
    let mut raw = Vec::new();
    if headers.contains("transfer-encoding: chunked") {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).map_err(err("chunk"))?;
            let n = usize::from_str_radix(size.trim(), 16).map_err(err("chunk size"))?;
            if n == 0 {
                break;
            }
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).map_err(err("chunk"))?;
            raw.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) =
        headers.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|n| n.trim().parse::<usize>().ok())
    {
        // chromedriver keeps the connection open: read what it announced.
        raw = vec![0; n];
        r.read_exact(&mut raw).map_err(err("read body"))?;
    } else {
        r.read_to_end(&mut raw).map_err(err("read body"))?;
    }
    let v: Value = serde_json::from_slice(&raw).map_err(err("chromedriver answer"))?;
    if let Some(e) = v.get("value").and_then(|x| x.get("error")) {
        return Err(format!("{method} {path}: {e} {}", v["value"]["message"]));
    }
    Ok(v)
}

pub struct Driver {
    port: u16,
    _process: Running,
}

impl Driver {
    pub fn start() -> Step<Driver> {
        let port = free_port()?;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(err("start chromedriver"))?;
        let d = Driver { port, _process: Running(child) };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(15) {
            if http(port, "GET", "/status", None).is_ok_and(|v| v["value"]["ready"] == true) {
                return Ok(d);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("chromedriver did not become ready in 15 s".into())
    }

    pub fn session(&self, profile: &Path) -> Step<Browser> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1280,1024", "--force-device-scale-factor=1", "--lang=ja-JP",
                         format!("--user-data-dir={}", profile.display())],
                "prefs": {"intl.accept_languages": "ja,en"}
            }
        }}});
        let v = http(self.port, "POST", "/session", Some(&caps))?;
        let id = v["value"]["sessionId"].as_str().ok_or("no session id")?.to_owned();
        Ok(Browser { port: self.port, id })
    }
}

pub struct Browser {
    port: u16,
    id: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(self.port, "DELETE", &format!("/session/{}", self.id), None);
    }
}

pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    pub fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Step<Value> {
        Ok(http(self.port, method, &format!("/session/{}{path}", self.id), body.as_ref())?["value"].clone())
    }
    pub fn go(&self, url: &str) -> Step<()> {
        self.cmd("POST", "/url", Some(json!({"url": url}))).map(|_| ())
    }
    pub fn find(&self, css: &str) -> Step<String> {
        let t = Instant::now();
        loop {
            match self.cmd("POST", "/element", Some(json!({"using": "css selector", "value": css}))) {
                Ok(v) => return v[ELEMENT].as_str().map(str::to_owned).ok_or(format!("no element {css}")),
                Err(e) if t.elapsed() > Duration::from_secs(10) => return Err(format!("{css}: {e}")),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
    pub fn click(&self, css: &str) -> Step<()> {
        let e = self.find(css)?;
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({}))).map(|_| ())
    }
    pub fn type_in(&self, css: &str, text: &str) -> Step<()> {
        let e = self.find(css)?;
        self.cmd("POST", &format!("/element/{e}/value"), Some(json!({"text": text}))).map(|_| ())
    }
    /// The text of the first element matching `css` (read by script, so a
    /// part swapped meanwhile is found again).
    pub fn text(&self, css: &str) -> Step<String> {
        self.find(css)?;
        let script = "var e = document.querySelector(arguments[0]); return e ? e.innerText : '';";
        let v = self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": [css]})))?;
        Ok(v.as_str().unwrap_or("").to_owned())
    }
    pub fn js(&self, script: &str) -> Step<Value> {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }
    pub fn source(&self) -> Step<String> {
        Ok(self.cmd("GET", "/source", None)?.as_str().unwrap_or("").to_owned())
    }
    pub fn wait_for_text(&self, css: &str, wanted: &str) -> Step<()> {
        let t = Instant::now();
        loop {
            let got = self.text(css).unwrap_or_default();
            if got.contains(wanted) {
                return Ok(());
            }
            if t.elapsed() > Duration::from_secs(10) {
                return Err(format!("{css} says {got:?}, not {wanted:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    pub fn screenshot(&self, path: &Path) -> Step<()> {
        // The full page: widen the window to the document's height first.
        let h = self.js("return Math.max(document.body.scrollHeight, 800);")?.as_u64().unwrap_or(1024).min(4000);
        let _ = self.cmd("POST", "/window/rect", Some(json!({"width": 1280, "height": h + 120})));
        let b64 = self.cmd("GET", "/screenshot", None)?.as_str().unwrap_or("").to_owned();
        let _ = self.cmd("POST", "/window/rect", Some(json!({"width": 1280, "height": 1024})));
        let bytes = unbase64(&b64);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err("mkdir"))?;
        }
        std::fs::write(path, bytes).map_err(err("write screenshot"))
    }
    /// The browser console's errors (CSP violations show there).
    pub fn console_errors(&self) -> Step<Vec<String>> {
        let v = self.cmd("POST", "/se/log", Some(json!({"type": "browser"})))?;
        Ok(v.as_array()
            .into_iter()
            .flatten()
            // A 4xx answer the journey expects (the refused upload) is logged
            // too; what fails the test is a CSP refusal or a script error.
            .filter(|e| {
                let m = e["message"].as_str().unwrap_or("");
                m.contains("Content Security Policy") || m.contains("Refused to") || m.contains("Uncaught")
            })
            .map(|e| e["message"].as_str().unwrap_or("").to_owned())
            .collect())
    }
}

pub fn unbase64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = s.bytes().filter_map(val).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for c in digits.chunks(4) {
        let n = c.iter().enumerate().fold(0u32, |acc, (i, d)| acc | (u32::from(*d) << (18 - 6 * i)));
        out.push((n >> 16) as u8);
        if c.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if c.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("ui-screenshots")
}

pub fn docs_dir() -> Option<PathBuf> {
    (std::env::var("HYOKA_UPDATE_SCREENSHOTS").as_deref() == Ok("1"))
        .then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ui"))
}

/// Saves a page for people to look at: under target/, and under docs/ui/
/// when asked.
pub fn keep(b: &Browser, name: &str) -> Step<()> {
    b.screenshot(&target_dir().join(format!("{name}.png")))?;
    if let Some(d) = docs_dir() {
        b.screenshot(&d.join(format!("{name}.png")))?;
    }
    Ok(())
}

pub fn levels() -> Vec<(u16, u8)> {
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    catalog.items.iter().map(|i| (i.number.get(), i.level.map_or(1, Level::number))).collect()
}

pub fn sheet(code: &str, year: i32, over_rated: &[u16]) -> Vec<u8> {
    let answers: Vec<Value> = levels()
        .into_iter()
        .map(|(item, level)| {
            let (evaluation, evidence) = if over_rated.contains(&item) {
                (2, "現状実施できていない。今年度中に導入予定".to_owned())
            } else {
                (2, format!("「情報セキュリティ規則」を2021年4月に制定し、全従業員に年1回教育を実施済み（No.{item}）"))
            };
            json!({ "item": item, "level": level, "evaluation": evaluation, "evidence": evidence })
        })
        .collect();
    serde_json::to_vec(&json!({
        "format": "hyoka-submission/1",
        "company": { "code": code },
        "fiscal_year": year,
        "employees": 30,
        "it_staff": 1,
        "answers": answers,
    }))
    .unwrap_or_default()
}

/// Serves the app on a free port in a thread of its own.
pub fn serve(db: &TestDb) -> Step<u16> {
    let pool = hyoka_model::db::pool(&db.url, 4).map_err(err("pool"))?;
    let port = free_port()?;
    let state = hyoka_api::AppState::new(pool, hyoka_api::Settings::default());
    std::thread::spawn(move || {
        let sys = actix_web::rt::System::new();
        sys.block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                hyoka_api::app(state.clone())
                    .configure(hyoka_web::configure(hyoka_web::Settings { cookie_secure: false, ..Default::default() }))
            })
            .workers(2)
            .bind(("127.0.0.1", port));
            if let Ok(s) = server {
                let _ = s.run().await;
            }
        });
    });
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if t.elapsed() > Duration::from_secs(10) {
            return Err("the server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(port)
}

/// The SHA-256 of `tests/vendor/axe.min.js` (axe-core 4.14.1, see the README there).
pub const AXE_SHA256: &str = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c";

pub fn axe_source() -> Step<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vendor/axe.min.js");
    let bytes = std::fs::read(&path).map_err(err("read axe.min.js"))?;
    let sum = hex::encode(Sha256::digest(&bytes));
    if sum != AXE_SHA256 {
        return Err(format!("axe.min.js has SHA-256 {sum}, not the vendored {AXE_SHA256}"));
    }
    String::from_utf8(bytes).map_err(err("axe.min.js"))
}

/// Runs axe on the page; fails on a serious or critical violation.
pub fn axe(b: &Browser, page: &str, source: &str) -> Step<()> {
    b.cmd("POST", "/timeouts", Some(json!({"script": 120_000})))?;
    b.cmd("POST", "/execute/sync", Some(json!({"script": format!("{source}\n;return typeof axe;"), "args": []})))?;
    let run = "var done = arguments[arguments.length - 1];\
        axe.run(document).then(function (r) {\
          done(JSON.stringify({passes: r.passes.length, violations: r.violations.map(function (v) {\
            return {id: v.id, impact: v.impact, help: v.help,\
                    nodes: v.nodes.slice(0, 5).map(function (n) { return n.target.join(' ') + ' ' + n.failureSummary; })};\
          })}));\
        }).catch(function (e) { done('ERROR ' + e); });";
    let v = b.cmd("POST", "/execute/async", Some(json!({"script": run, "args": []})))?;
    let text = v.as_str().unwrap_or("").to_owned();
    let result: Value = serde_json::from_str(&text).map_err(|e| format!("axe on {page}: {e}: {text}"))?;
    if result["passes"].as_u64().unwrap_or(0) < 10 {
        return Err(format!("axe on {page} checked almost nothing: {text}"));
    }
    let found = result["violations"].as_array().cloned().unwrap_or_default();
    std::fs::create_dir_all(target_dir()).map_err(err("mkdir"))?;
    std::fs::write(target_dir().join(format!("axe-{page}.json")), &text).map_err(err("write axe"))?;
    let bad: Vec<&Value> =
        found.iter().filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical"))).collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("axe on {page}: {}", serde_json::to_string_pretty(&bad).unwrap_or_default()))
    }
}

/// Signs in through the sign-in page, as a person would.
pub fn sign_in(b: &Browser, base: &str, login: &str, password: &str) -> Step<()> {
    b.go(&format!("{base}/ui/login"))?;
    b.type_in("input[name=login]", login)?;
    b.type_in("input[name=password]", password)?;
    b.click("button[type=submit].primary")?;
    b.find("#logout").map(|_| ())
}

/// Whether Chromium and chromedriver are here. Without them a browser test
/// prints `SKIPPED (browser test)` and passes, except under `CI=true`, where
/// it fails.
pub fn browser_available() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "CI=true but chromium/chromedriver are not installed (apt-get install chromium chromium-driver fonts-ipafont-gothic)"
        );
    }
    eprintln!(
        "SKIPPED (browser test): chromium/chromedriver not installed (apt-get install chromium chromium-driver fonts-ipafont-gothic)"
    );
    false
}
