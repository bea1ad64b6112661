//! Notification mail, on SQLite and PostgreSQL, sent to a real SMTP server
//! on loopback (Debian's python3-aiosmtpd, started by each test; without it
//! the tests print SKIPPED, and fail under `CI=true`): each event queues the
//! right mails in each recipient's language and the server receives them;
//! two workers send a mail once; a closed port is retried and recorded;
//! the deadline sweep runs once a day and reminds once per state.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};

use chrono::NaiveDate;
use hyoka_ingest::Limits;
use hyoka_model::both_backends;
use hyoka_model::db::collections::NewCollection;
use hyoka_model::db::mail::{self, Failure, Language, MailState};
use hyoka_model::db::testing::{TestDb, company};
use hyoka_model::db::users::{self, Account, NewUser};
use hyoka_model::db::{DbConn, Pool};
use hyoka_model::domain::FiscalYear;
use hyoka_model::workflow::{Action, Actor};
use hyoka_service::Pipeline;
use hyoka_service::mail::{MailSettings, Sent, Smtp, TlsMode, Transport, work_once};
use hyoka_service::sheets::{ImportOptions, store_bytes};
use hyoka_service::{notify, review};

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn fy(y: i32) -> FiscalYear {
    ok(FiscalYear::new(y))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const PYTHON: &str = "/usr/bin/python3";

/// A real SMTP server on a free loopback port, writing what it receives
/// into a maildir; stopped when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    ok(ok(TcpListener::bind("127.0.0.1:0")).local_addr()).port()
}

impl SmtpSink {
    /// `None` (SKIPPED) without aiosmtpd, except under `CI=true`.
    fn start() -> Option<SmtpSink> {
        let have = Command::new(PYTHON)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !have {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd); CI=true needs it");
            }
            eprintln!("SKIPPED: no python3-aiosmtpd for {PYTHON} (apt-get install python3-aiosmtpd)");
            return None;
        }
        let dir = ok(tempfile::tempdir());
        let port = free_port();
        let child = ok(Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn());
        let sink = SmtpSink { child, port, dir };
        let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < until, "the SMTP server did not start on {port}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Some(sink)
    }

    fn transport(&self) -> Transport {
        smtp(self.port)
    }

    /// What the server received, decoded by Python's e-mail parser: (to,
    /// subject, body), sorted.
    fn received(&self) -> Vec<(String, String, String)> {
        read_maildir(&self.dir.path().join("maildir"))
    }
}

fn read_maildir(dir: &Path) -> Vec<(String, String, String)> {
    let script = "import sys, json, mailbox, email.policy\n\
                  box = mailbox.Maildir(sys.argv[1], factory=None, create=True)\n\
                  out = []\n\
                  for key in box.keys():\n\
                  \x20   m = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)\n\
                  \x20   out.append([str(m['To']), str(m['Subject']), m.get_content()])\n\
                  print(json.dumps(out))\n";
    let out = ok(Command::new(PYTHON).arg("-c").arg(script).arg(dir).output());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut v: Vec<(String, String, String)> = ok(serde_json::from_slice(&out.stdout));
    for m in &mut v {
        m.2 = m.2.replace("\r\n", "\n");
    }
    v.sort();
    v
}

fn smtp(port: u16) -> Transport {
    Transport::Smtp(Smtp {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        credentials: None,
        timeout: std::time::Duration::from_secs(5),
    })
}

fn settings(max_attempts: i32) -> MailSettings {
    MailSettings {
        from: "hyoka <hyoka@example.co.jp>".into(),
        max_attempts,
        backoff: chrono::Duration::zero(),
        stale_after: chrono::Duration::hours(1),
        days_before: 3,
    }
}

fn pool(db: &TestDb) -> Pool {
    ok(hyoka_model::db::pool(&db.url, 6))
}

fn user(c: &mut DbConn, login: &str, account: Account, email: Option<&str>, lang: Language) -> i64 {
    let u = ok(users::create(
        c,
        Actor::System,
        &NewUser { login: login.into(), display_name: login.into(), account, password_hash: None },
    ));
    ok(mail::set_contact(c, Actor::System, u.id, email, lang));
    u.id
}

fn upload(c: &mut DbConn, code: &str, file: &str) -> i64 {
    let pipeline = ok(Pipeline::load(c, Limits::default()));
    let options = ImportOptions { company: Some(code.into()), fiscal_year: Some(fy(2025)), ..ImportOptions::default() };
    ok(store_bytes(c, &pipeline, Actor::System, file, &fixture(file), &options));
    let id = company_id(c, code);
    let sub = ok(hyoka_model::db::submissions::current(c, id, fy(2025), None));
    sub.map_or_else(|| panic!("stored"), |s| s.id)
}

fn company_id(c: &mut DbConn, code: &str) -> i64 {
    ok(hyoka_model::db::companies::list(c))
        .into_iter()
        .find(|x| x.code == code)
        .map_or_else(|| panic!("company {code}"), |x| x.id)
}

/// Sends every due mail; returns the ids sent.
fn drain(pool: &Pool, transport: &Transport) -> Vec<i64> {
    let mut sent = Vec::new();
    loop {
        match ok(work_once(pool, "w1", transport, &settings(3))) {
            Sent::Idle => return sent,
            Sent::Sent(id) => sent.push(id),
            other => panic!("{other:?}"),
        }
    }
}

fn each_event_mails_the_right_people_in_their_language(db: &TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let mut c = db.conn();
    let a = company(&mut c, "M-1", "みなと部品株式会社");
    let other = company(&mut c, "M-2", "別会社株式会社");
    user(&mut c, "taro", Account::Subsidiary(a.id), Some("taro@minato.example"), Language::Ja);
    user(&mut c, "ann", Account::Subsidiary(a.id), Some("ann@minato.example"), Language::En);
    user(&mut c, "nomail", Account::Subsidiary(a.id), None, Language::Ja);
    user(&mut c, "outsider", Account::Subsidiary(other.id), Some("x@other.example"), Language::Ja);
    let rev = user(&mut c, "rev", Account::Reviewer, Some("rev@parent.example"), Language::En);
    let reviewer = ok(users::get(&mut c, rev)).actor();

    // A collection opened for M-1 only: its two users with an address.
    let new = NewCollection {
        fiscal_year: fy(2025),
        title: "2025年度 自己評価".into(),
        deadline: ok(NaiveDate::from_ymd_opt(2026, 3, 31).ok_or("date")),
        message: Some("<b>早めに</b> please".into()),
        members: vec![(a.id, None)],
    };
    let coll = ok(notify::open_collection(&mut c, Actor::System, &new));
    let queued = ok(mail::list(&mut c));
    let got: Vec<_> = queued.iter().map(|m| (m.event.as_str(), m.to.as_str(), m.language)).collect();
    assert_eq!(
        got,
        vec![
            ("collection_opened", "taro@minato.example", Language::Ja),
            ("collection_opened", "ann@minato.example", Language::En)
        ]
    );
    assert_eq!(queued[0].dedupe_key, format!("collection_opened:{}:{}", coll.id, queued[0].user_id.unwrap_or(0)));

    // A sheet, started, returned with a message; then released; then resubmitted.
    let first = upload(&mut c, "M-1", "utf8_bom.csv");
    ok(review::transition(&mut c, reviewer, first, Action::StartReview, None));
    ok(review::transition(&mut c, reviewer, first, Action::Return, Some("証跡を追加してください <script>")));
    ok(review::release_flags(&mut c, reviewer, first));
    ok(review::release_flags(&mut c, reviewer, first)); // again: no second mail
    let second = upload(&mut c, "M-1", "cp932.csv");
    assert_ne!(first, second);
    let events: Vec<(String, String)> = ok(mail::list(&mut c)).into_iter().map(|m| (m.event, m.to)).collect();
    let want: Vec<(String, String)> = [
        ("collection_opened", "taro@minato.example"),
        ("collection_opened", "ann@minato.example"),
        ("returned", "taro@minato.example"),
        ("returned", "ann@minato.example"),
        ("released", "taro@minato.example"),
        ("released", "ann@minato.example"),
        ("resubmitted", "rev@parent.example"),
    ]
    .iter()
    .map(|(e, t)| (e.to_string(), t.to_string()))
    .collect();
    assert_eq!(events, want);

    // The worker sends them all to the SMTP server, once.
    let sent = drain(&pool(db), &sink.transport());
    assert_eq!(sent.len(), 7);
    assert!(ok(mail::list(&mut c)).iter().all(|m| m.state == MailState::Sent && m.attempts == 1));
    let got = sink.received();
    assert_eq!(got.len(), 7, "{got:?}");
    let find = |to: &str, needle: &str| {
        got.iter()
            .find(|(t, s, _)| t == to && s.contains(needle))
            .unwrap_or_else(|| panic!("no mail to {to} with {needle:?} in {got:?}"))
            .clone()
    };
    let (_, subject, body) = find("taro@minato.example", "提出依頼");
    assert_eq!(subject, "[hyoka] 2025年度 自己評価の提出依頼: 2025年度 自己評価");
    assert!(body.contains("みなと部品株式会社 御中") && body.contains("提出期限: 2026-03-31"), "{body}");
    assert!(body.contains("<b>早めに</b> please"), "the message as plain text: {body}");
    let (_, subject, _) = find("ann@minato.example", "requested");
    assert_eq!(subject, "[hyoka] FY2025 self-assessment requested: 2025年度 自己評価");
    let (_, _, body) = find("taro@minato.example", "差し戻されました");
    assert!(body.contains("レビュー担当者からのメッセージ:\n証跡を追加してください <script>"), "{body}");
    let (_, _, body) = find("ann@minato.example", "returned");
    assert!(body.contains("The reviewer's message:\n証跡を追加してください <script>"), "{body}");
    find("ann@minato.example", "findings released");
    find("taro@minato.example", "指摘が公開されました");
    let (_, subject, body) = find("rev@parent.example", "resubmitted");
    assert_eq!(subject, "[hyoka] M-1 FY2025 self-assessment resubmitted");
    assert!(body.contains("(revision 2)"), "{body}");
    assert!(!got.iter().any(|(t, _, _)| t == "x@other.example"), "another company's user gets nothing");
}

fn two_workers_send_each_mail_once(db: &TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let mut c = db.conn();
    let a = company(&mut c, "W-1", "並行株式会社");
    for i in 0..12 {
        user(&mut c, &format!("u{i}"), Account::Subsidiary(a.id), Some(&format!("u{i}@w.example")), Language::Ja);
    }
    let new = NewCollection {
        fiscal_year: fy(2025),
        title: "依頼".into(),
        deadline: ok(NaiveDate::from_ymd_opt(2026, 3, 31).ok_or("date")),
        message: None,
        members: vec![(a.id, None)],
    };
    ok(notify::open_collection(&mut c, Actor::System, &new));
    assert_eq!(ok(mail::list(&mut c)).len(), 12);
    let pool = pool(db);
    let start = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..3)
        .map(|w| {
            let (pool, start, transport) = (pool.clone(), Arc::clone(&start), sink.transport());
            std::thread::spawn(move || {
                start.wait();
                let mut mine = Vec::new();
                loop {
                    match ok(work_once(&pool, &format!("w{w}"), &transport, &settings(3))) {
                        Sent::Idle => return mine,
                        Sent::Sent(id) => mine.push(id),
                        other => panic!("{other:?}"),
                    }
                }
            })
        })
        .collect();
    let mut all: Vec<i64> =
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|_| panic!("a worker panicked"))).collect();
    all.sort_unstable();
    let ids: Vec<i64> = ok(mail::list(&mut c)).iter().map(|m| m.id).collect();
    assert_eq!(all, ids, "every mail sent by exactly one worker");
    let got = sink.received();
    assert_eq!(got.len(), 12, "the server received each once");
    let mut tos: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
    tos.dedup();
    assert_eq!(tos.len(), 12);
}

fn a_closed_port_is_retried_and_recorded_never_lost(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "F-1", "失敗株式会社");
    user(&mut c, "f", Account::Subsidiary(a.id), Some("f@f.example"), Language::En);
    let new = NewCollection {
        fiscal_year: fy(2025),
        title: "依頼".into(),
        deadline: ok(NaiveDate::from_ymd_opt(2026, 3, 31).ok_or("date")),
        message: None,
        members: vec![(a.id, None)],
    };
    ok(notify::open_collection(&mut c, Actor::System, &new));
    let pool = pool(db);
    let closed = smtp(free_port());
    let s = settings(2);
    let Sent::Failed(id, Failure::Retry(_)) = ok(work_once(&pool, "w1", &closed, &s)) else { panic!("retried") };
    let m = ok(mail::get(&mut c, id));
    assert_eq!((m.state, m.attempts), (MailState::Queued, 1));
    assert!(m.error.as_deref().is_some_and(|e| !e.is_empty()), "{m:?}");
    assert_eq!(ok(work_once(&pool, "w1", &closed, &s)), Sent::Failed(id, Failure::GivenUp));
    let m = ok(mail::get(&mut c, id));
    assert_eq!((m.state, m.attempts), (MailState::Failed, 2));
    assert!(m.error.is_some() && m.sent_at.is_none());
    // Given up: nothing due any more, and the row (with its error) stays.
    assert_eq!(ok(work_once(&pool, "w1", &closed, &s)), Sent::Idle);
    // With a server, a queued mail that failed once goes out on the next turn.
    let Some(sink) = SmtpSink::start() else { return };
    user(&mut c, "g", Account::Subsidiary(a.id), Some("g@f.example"), Language::Ja);
    let new2 = NewCollection { fiscal_year: fy(2026), members: vec![(a.id, None)], ..new };
    ok(notify::open_collection(&mut c, Actor::System, &new2));
    let Sent::Failed(first, Failure::Retry(_)) = ok(work_once(&pool, "w1", &closed, &settings(3))) else {
        panic!("retried")
    };
    let sent = drain(&pool, &sink.transport());
    assert!(sent.contains(&first), "{sent:?}");
    assert_eq!(ok(mail::get(&mut c, first)).attempts, 2);
    assert_eq!(sink.received().len(), 2);
}

fn the_deadline_sweep_reminds_once_per_state(db: &TestDb) {
    let mut c = db.conn();
    let late = company(&mut c, "D-1", "遅延株式会社");
    let done = company(&mut c, "D-2", "提出済株式会社");
    user(&mut c, "late", Account::Subsidiary(late.id), Some("late@d.example"), Language::Ja);
    user(&mut c, "done", Account::Subsidiary(done.id), Some("done@d.example"), Language::En);
    let deadline = ok(NaiveDate::from_ymd_opt(2026, 3, 31).ok_or("date"));
    let new = NewCollection {
        fiscal_year: fy(2025),
        title: "依頼".into(),
        deadline,
        message: None,
        members: vec![(late.id, None), (done.id, None)],
    };
    ok(notify::open_collection(&mut c, Actor::System, &new));
    upload(&mut c, "D-2", "utf8_bom.csv");
    let count = |c: &mut DbConn, event: &str| ok(mail::list(c)).iter().filter(|m| m.event == event).count();
    let day = |d: u32| ok(NaiveDate::from_ymd_opt(2026, 3, d).ok_or("date"));
    // Five days before: nothing yet (N = 3).
    assert_eq!(ok(notify::deadline_sweep(&mut c, "w1", day(26), 3)), Some(0));
    // Three days before: the company with nothing submitted, once.
    assert_eq!(ok(notify::deadline_sweep(&mut c, "w1", day(28), 3)), Some(1));
    assert_eq!(ok(notify::deadline_sweep(&mut c, "w2", day(28), 3)), None, "the day was swept");
    assert_eq!(ok(notify::deadline_sweep(&mut c, "w1", day(29), 3)), Some(0), "the same state again: no mail");
    let soon: Vec<_> = ok(mail::list(&mut c)).into_iter().filter(|m| m.event == "deadline_soon").collect();
    assert_eq!(soon.len(), 1);
    assert_eq!(soon[0].to, "late@d.example");
    assert_eq!(soon[0].subject, "[hyoka] 2025年度 自己評価の提出期限まで3日です");
    assert_eq!(count(&mut c, "overdue"), 0);
    // The day after the deadline: overdue, once; the day after, nothing new.
    let april = |d: u32| ok(NaiveDate::from_ymd_opt(2026, 4, d).ok_or("date"));
    assert_eq!(ok(notify::deadline_sweep(&mut c, "w1", day(31), 3)), Some(0), "the deadline day is still 'soon'");
    assert_eq!(ok(notify::deadline_sweep(&mut c, "w1", april(1), 3)), Some(1));
    assert_eq!(ok(notify::deadline_sweep(&mut c, "w1", april(2), 3)), Some(0));
    let overdue: Vec<_> = ok(mail::list(&mut c)).into_iter().filter(|m| m.event == "overdue").collect();
    assert_eq!(overdue.len(), 1);
    assert_eq!((overdue[0].to.as_str(), overdue[0].language), ("late@d.example", Language::Ja));
    assert_eq!(overdue[0].subject, "[hyoka] 2025年度 自己評価の提出期限を過ぎています");
    assert_eq!(count(&mut c, "deadline_soon"), 1);
    assert_eq!(count(&mut c, "collection_opened"), 2);
}

fn the_folder_transport_writes_one_eml_per_mail(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "E-1", "フォルダ株式会社");
    user(&mut c, "e", Account::Subsidiary(a.id), Some("e@e.example"), Language::En);
    let new = NewCollection {
        fiscal_year: fy(2025),
        title: "Request".into(),
        deadline: ok(NaiveDate::from_ymd_opt(2026, 3, 31).ok_or("date")),
        message: None,
        members: vec![(a.id, None)],
    };
    ok(notify::open_collection(&mut c, Actor::System, &new));
    let dir = ok(tempfile::tempdir());
    let folder = Transport::Folder(dir.path().join("mail"));
    let Sent::Sent(id) = ok(work_once(&pool(db), "w1", &folder, &settings(3))) else { panic!("sent") };
    let files: Vec<_> = ok(std::fs::read_dir(dir.path().join("mail"))).map(|e| ok(e).file_name()).collect();
    assert_eq!(files, vec![std::ffi::OsString::from(format!("mail-{id}.eml"))]);
    let text = String::from_utf8_lossy(&ok(std::fs::read(dir.path().join(format!("mail/mail-{id}.eml"))))).into_owned();
    assert!(
        text.contains("To: e@e.example") && text.contains("Subject: [hyoka] FY2025 self-assessment requested: Request"),
        "{text}"
    );
    assert_eq!(ok(mail::get(&mut c, id)).state, MailState::Sent);
}

/// Accepting a sheet shows its findings to the subsidiary: its users with an
/// address are told once, and a later explicit release adds no second mail.
fn accepting_a_sheet_tells_its_users_once(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "K-1", "かもめ部品株式会社");
    user(&mut c, "kaito", Account::Subsidiary(a.id), Some("kaito@kamome.example"), Language::Ja);
    user(&mut c, "kim", Account::Subsidiary(a.id), Some("kim@kamome.example"), Language::En);
    let rev = user(&mut c, "rev", Account::Reviewer, Some("rev@parent.example"), Language::Ja);
    let reviewer = ok(users::get(&mut c, rev)).actor();
    let sheet = upload(&mut c, "K-1", "utf8_bom.csv");
    ok(review::transition(&mut c, reviewer, sheet, Action::StartReview, None));
    assert!(ok(mail::list(&mut c)).is_empty(), "nothing to tell before the decision");
    ok(review::accept(&mut c, reviewer, sheet, Some(review::OpenFlags::Keep)));
    ok(review::release_flags(&mut c, reviewer, sheet));
    let got: Vec<(String, String, Language)> =
        ok(mail::list(&mut c)).into_iter().map(|m| (m.event, m.to, m.language)).collect();
    assert_eq!(
        got,
        vec![
            ("released".to_owned(), "kaito@kamome.example".to_owned(), Language::Ja),
            ("released".to_owned(), "kim@kamome.example".to_owned(), Language::En),
        ]
    );
}

both_backends!(
    accepting_a_sheet_tells_its_users_once,
    the_folder_transport_writes_one_eml_per_mail,
    each_event_mails_the_right_people_in_their_language,
    two_workers_send_each_mail_once,
    a_closed_port_is_retried_and_recorded_never_lost,
    the_deadline_sweep_reminds_once_per_state,
);
