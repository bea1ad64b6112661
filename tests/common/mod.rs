//! Helpers for end-to-end tests of the `hyoka` binary: run it, start a
//! server on a free port, speak plain HTTP/1.1 to it.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The binary under test, with a clean environment for hyoka's settings.
pub fn hyoka(database_url: &str, workdir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hyoka"));
    for (k, _) in std::env::vars() {
        if k.starts_with("HYOKA_") || k == "DATABASE_URL" || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    cmd.env("DATABASE_URL", database_url).env("HYOKA_LOG_LEVEL", "info").current_dir(workdir);
    // A served test's uploads do not set the analysis worker off in the
    // middle of its checks: runs after uploads wait an hour here (a test of
    // the worker sets HYOKA_ANALYSIS_DEBOUNCE_SECS itself; manual runs start at once).
    cmd.env("HYOKA_ANALYSIS_DEBOUNCE_SECS", "3600").env("HYOKA_ANALYSIS_LONGEST_WAIT_SECS", "3600");
    cmd
}

/// A running `hyoka serve` / `hyoka demo`, killed on drop.
pub struct Running {
    pub child: Child,
    pub addr: SocketAddr,
    pub stdout: mpsc::Receiver<String>,
}

/// Starts `cmd` (which must print "serving on http://ADDR") and waits until
/// it serves, at most `timeout`.
pub fn start(mut cmd: Command, timeout: Duration) -> Running {
    cmd.stderr(Stdio::inherit());
    start_keeping_stderr(cmd, timeout)
}

/// Like [`start`], but leaves whatever stderr is set on `cmd` alone (a log
/// file a test reads afterwards).
pub fn start_keeping_stderr(mut cmd: Command, timeout: Duration) -> Running {
    cmd.stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawning hyoka: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.split("serving on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    let addr: SocketAddr = addr.parse().unwrap_or_else(|e| panic!("{addr}: {e}"));
                    return Running { child, addr, stdout: rx };
                }
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("hyoka did not start serving within {timeout:?}");
            }
        }
    }
}

impl Running {
    /// GET a path; returns (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        http_get(self.addr, path)
    }

    /// Sends SIGTERM and waits for the exit, at most `timeout`.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        signal(&self.child, "TERM");
        wait_for(&mut self.child, timeout)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a signal with kill(1) (the workspace forbids unsafe, so no libc).
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").arg(format!("-{name}")).arg(child.id().to_string()).status();
    assert!(status.is_ok_and(|s| s.success()), "kill -{name} failed");
}

/// Waits for a child to exit, at most `timeout`.
pub fn wait_for(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// A minimal HTTP/1.1 GET.
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap_or_else(|e| panic!("{e}"));
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap_or_else(|e| panic!("{e}"));
    let status = response.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// A temporary working directory.
pub fn workdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}
