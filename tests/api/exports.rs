//! The exports, on the real server: the flagged-items CSV and JSON (filters,
//! pages, formula injection neutralised, BOM, Japanese intact), the audit log
//! as CSV, and the feedback workbook read back with calamine.
//!
//! The sheets' evidence holds every injection form; what each export must
//! hold is worked out here from what was uploaded and from the submission
//! detail (another query), never by calling the export's own query.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use hyoka_model::both_backends;
use hyoka_model::db::export::{self, FlagExportFilter};
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::{self, Account, NewUser};
use hyoka_model::domain::Level;
use hyoka_model::workflow::Actor;
use serde_json::{Value, json};

use crate::client::{self, Api, Resp, Server};
use crate::common::workdir;
use crate::fixtures::{NOT_DONE, company, levels, ok, sheet_json, token, user};

/// Every form a spreadsheet reads as (or hides) a formula.
const INJECTIONS: [&str; 12] = [
    "=HYPERLINK(\"http://evil\",\"x\")",
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝１＋１",
    "　＝1",
    "  =1",
    "＋",
    "－",
    "＠",
];
const COMMENT: &str = "=HYPERLINK(\"http://evil\",\"c\") 訓練の実施記録がありません";
const DISMISS: &str = "－根拠で確認できました";
const REVIEWER_NAME: &str = "@審査担当";
const NAME_A: &str = "株式会社エクスポート";
const NAME_B: &str = "ビー工業株式会社";

/// The documented columns of `flags.csv`.
const FLAG_COLUMNS: [&str; 27] = [
    "flag_id",
    "company_id",
    "company_code",
    "company_name",
    "fiscal_year",
    "submission_id",
    "revision",
    "is_current",
    "item",
    "level",
    "subject_ja",
    "claimed",
    "suggested",
    "reviewed",
    "rule",
    "severity",
    "reason_ja",
    "reason_en",
    "evidence",
    "decision",
    "reviewer",
    "comment",
    "decided_at",
    "carried_from",
    "released",
    "sheet_risk",
    "sheet_residual_risk",
];
const AUDIT_COLUMNS: [&str; 12] = [
    "id",
    "occurred_at",
    "hashed_at",
    "actor_id",
    "actor",
    "action",
    "entity",
    "entity_id",
    "before_json",
    "after_json",
    "prev_hash",
    "hash",
];

/// A flag as the submission detail shows it, with what the export adds.
#[derive(Debug, Clone)]
struct Expect {
    flag_id: i64,
    company_id: i64,
    code: &'static str,
    fiscal_year: i32,
    submission_id: i64,
    is_current: bool,
    item: Option<u16>,
    level: Option<u8>,
    rule: String,
    severity: String,
    decision: String,
    released: bool,
}

impl Expect {
    fn order(&self) -> (Reverse<i32>, &'static str, u16, i64) {
        (Reverse(self.fiscal_year), self.code, self.item.unwrap_or(0), self.flag_id)
    }
}

struct World {
    server: Server,
    a: i64,
    b: i64,
    auditor: String,
    reviewer: String,
    reviewer_id: i64,
    admin: String,
    sub_a: String,
    sub_b: String,
    /// Items whose evidence starts with `INJECTIONS[i]`.
    injected: Vec<u16>,
    /// (company code, fiscal year, item) → uploaded evidence, for the
    /// current revisions.
    evidence: BTreeMap<(&'static str, i32, u16), String>,
    a25_r1: i64,
    a25: i64,
    a24: i64,
    b25: i64,
    /// Item of the confirmed and of the dismissed flag.
    confirmed_item: u16,
    dismissed_item: u16,
    /// The server's working folder (its log); dropped after the server.
    _dir: tempfile::TempDir,
}

impl World {
    fn api(&self) -> Api {
        self.server.api
    }
}

fn upload(api: Api, token: &str, name: &str, sheet: &[u8]) -> i64 {
    let up = api.upload(Some(token), name, sheet, &[]).expect(201).json();
    up["submission"]["id"].as_i64().unwrap_or_else(|| panic!("{up}"))
}

/// Two companies, four sheets (one superseded), decisions with injected
/// comments on company B's sheet, which is returned (so released).
fn world(db: &TestDb) -> World {
    let dir = workdir();
    let mut conn = db.conn();
    let a = company(&mut conn, "EXA", NAME_A, Level::Lv2);
    let b = company(&mut conn, "EXB", NAME_B, Level::Lv1);
    let reviewer = ok(users::create(
        &mut conn,
        Actor::System,
        &NewUser {
            login: "reviewer".into(),
            display_name: REVIEWER_NAME.into(),
            account: Account::Reviewer,
            password_hash: None,
        },
    ));
    let mut tok = |login: &str, account| {
        let u = user(&mut conn, login, account);
        token(&mut conn, u.id)
    };
    let (admin, auditor) = (tok("admin", Account::Admin), tok("auditor", Account::Auditor));
    let (sub_a, sub_b) = (tok("sub-a", Account::Subsidiary(a.id)), tok("sub-b", Account::Subsidiary(b.id)));
    let rev = token(&mut conn, reviewer.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = server.api;

    // Items spread over the levels: four of each.
    let mut by_level: BTreeMap<u8, Vec<u16>> = BTreeMap::new();
    for (item, level) in levels() {
        by_level.entry(level).or_default().push(item);
    }
    let injected: Vec<u16> = by_level.values().flat_map(|items| items.iter().take(4).copied()).collect();
    assert_eq!(injected.len(), INJECTIONS.len());
    let extra = by_level[&1][4];
    let text_of = |item: u16| injected.iter().position(|i| *i == item).map(|n| format!("{}{NOT_DONE}", INJECTIONS[n]));
    let evidence = std::cell::RefCell::new(BTreeMap::new());
    let sheet = |code: &'static str, name: &str, year: i32, not_done: &[u16], with_injections: bool| {
        sheet_json(code, name, year, |item, a| {
            let text = match (with_injections, text_of(item)) {
                (true, Some(t)) => Some(t),
                _ => not_done.contains(&item).then(|| NOT_DONE.to_owned()),
            };
            if let Some(t) = text {
                a["evidence"] = json!(t);
            }
            evidence.borrow_mut().insert((code, year, item), a["evidence"].as_str().unwrap_or_default().to_owned());
        })
    };
    let a25_r1 = upload(api, &sub_a, "a-2025.json", &sheet("EXA", NAME_A, 2025, &[], true));
    let a25 = upload(api, &sub_a, "a-2025-v2.json", &sheet("EXA", NAME_A, 2025, &[extra], true));
    let a24 = upload(api, &sub_a, "a-2024.json", &sheet("EXA", NAME_A, 2024, &[injected[0], injected[4]], false));
    let (confirmed_item, dismissed_item) = (injected[1], injected[5]);
    let b_items = [confirmed_item, dismissed_item, injected[9]];
    let b25 = upload(api, &rev, "b-2025.json", &sheet("EXB", NAME_B, 2025, &b_items, false));

    // Company B's sheet: reviewed with injected comments, then returned.
    let detail = api.get(&format!("/api/v1/submissions/{b25}"), Some(&rev)).expect(200).json();
    let flag_on = |item: u16| {
        detail["flags"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["flag"]["item"] == item && f["flag"]["rule"] == "not_done"))
            .and_then(|f| f["flag"]["id"].as_i64())
            .unwrap_or_else(|| panic!("no not_done flag on No.{item}: {detail}"))
    };
    api.post(&format!("/api/v1/submissions/{b25}/start-review"), Some(&rev), &json!({})).expect(200);
    let body = json!({"decision": "confirmed", "reviewed_score": 1, "comment": COMMENT});
    api.post(&format!("/api/v1/flags/{}/decision", flag_on(confirmed_item)), Some(&rev), &body).expect(201);
    let body = json!({"decision": "dismissed", "comment": DISMISS});
    api.post(&format!("/api/v1/flags/{}/decision", flag_on(dismissed_item)), Some(&rev), &body).expect(201);
    let message = json!({"message": format!("＠No.{confirmed_item} の根拠を追記してください")});
    api.post(&format!("/api/v1/submissions/{b25}/return"), Some(&rev), &message).expect(200);

    World {
        server,
        a: a.id,
        b: b.id,
        auditor,
        reviewer: rev,
        reviewer_id: reviewer.id,
        admin,
        sub_a,
        sub_b,
        injected,
        evidence: evidence.into_inner(),
        a25_r1,
        a25,
        a24,
        b25,
        confirmed_item,
        dismissed_item,
        _dir: dir,
    }
}

/// Every flag of the four sheets, from their details, in the export's order.
fn expected(w: &World) -> Vec<Expect> {
    let mut out = Vec::new();
    for id in [w.a25_r1, w.a25, w.a24, w.b25] {
        let d = w.api().get(&format!("/api/v1/submissions/{id}"), Some(&w.reviewer)).expect(200).json();
        let levels: BTreeMap<u64, u8> = d["answers"]
            .as_array()
            .map(|a| a.iter().filter_map(|a| Some((a["item"].as_u64()?, u8::try_from(a["level"].as_u64()?).ok()?))))
            .into_iter()
            .flatten()
            .collect();
        let s = &d["submission"];
        let company_id = s["company_id"].as_i64().unwrap_or_default();
        for f in d["flags"].as_array().cloned().unwrap_or_default() {
            let f = &f["flag"];
            let item = f["item"].as_u64();
            out.push(Expect {
                flag_id: f["id"].as_i64().unwrap_or_default(),
                company_id,
                code: if company_id == w.a { "EXA" } else { "EXB" },
                fiscal_year: i32::try_from(s["fiscal_year"].as_i64().unwrap_or_default()).unwrap_or_default(),
                submission_id: id,
                is_current: s["is_current"] == true,
                item: item.and_then(|i| u16::try_from(i).ok()),
                level: item.and_then(|i| levels.get(&i).copied()),
                rule: f["rule"].as_str().unwrap_or_default().to_owned(),
                severity: f["severity"].as_str().unwrap_or_default().to_owned(),
                decision: f["decision"]["decision"].as_str().unwrap_or("undecided").to_owned(),
                released: d["flags_released"] == true,
            });
        }
    }
    out.sort_by(|x, y| x.order().cmp(&y.order()));
    out
}

/// A CSV answer read back: BOM, CRLF, header, rows by column name.
fn read_csv(r: &Resp, header: &[&str]) -> Vec<BTreeMap<String, String>> {
    assert_eq!(r.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    assert_eq!(r.bytes.get(..3), Some(&b"\xEF\xBB\xBF"[..]), "the BOM");
    let first_line = format!("{}\r\n", header.join(","));
    assert!(r.bytes[3..].starts_with(first_line.as_bytes()), "header and CRLF: {}", r.body);
    let mut reader = csv::ReaderBuilder::new().from_reader(&r.bytes[3..]);
    let got: Vec<String> = ok(reader.headers()).iter().map(str::to_owned).collect();
    assert_eq!(got, header);
    let rows: Vec<BTreeMap<String, String>> =
        reader.records().map(|rec| got.iter().cloned().zip(ok(rec).iter().map(str::to_owned)).collect()).collect();
    for row in &rows {
        for cell in row.values() {
            assert!(!reads_as_formula(cell) || cell.starts_with('\''), "not neutralised: {cell:?}");
        }
    }
    rows
}

/// Whether Excel would take the cell for a formula (written out here, not
/// taken from the code under test).
fn reads_as_formula(cell: &str) -> bool {
    let trimmed = cell.trim_start_matches([' ', '\u{3000}', '\t', '\r', '\n']);
    [cell, trimmed].iter().any(|s| s.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']))
}

fn ids_of(rows: &[BTreeMap<String, String>], col: &str) -> Vec<i64> {
    rows.iter().map(|r| r[col].parse().unwrap_or_else(|e| panic!("{col} {r:?}: {e}"))).collect()
}

fn json_ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().map(|a| a.iter().filter_map(|i| i["flag_id"].as_i64()).collect()).unwrap_or_default()
}

fn flag_exports_filter_page_and_neutralise(db: &TestDb) {
    let w = world(db);
    let api = w.api();
    let all = expected(&w);
    let current: Vec<&Expect> = all.iter().filter(|e| e.is_current).collect();
    let want = |keep: &dyn Fn(&Expect) -> bool| -> Vec<i64> {
        current.iter().filter(|e| keep(e)).map(|e| e.flag_id).collect()
    };
    for item in &w.injected {
        assert!(current.iter().any(|e| e.submission_id == w.a25 && e.item == Some(*item)), "No.{item} is flagged");
    }

    // The whole CSV: every current flag, in order, with its columns.
    let r = api.get("/api/v1/exports/flags.csv", Some(&w.auditor)).expect(200);
    assert_eq!(r.header("content-disposition").as_deref(), Some("attachment; filename=\"hyoka-flags-all.csv\""));
    let rows = read_csv(&r, &FLAG_COLUMNS);
    assert_eq!(ids_of(&rows, "flag_id"), want(&|_: &Expect| true));
    let by_id: BTreeMap<i64, &Expect> = all.iter().map(|e| (e.flag_id, e)).collect();
    for row in &rows {
        let e = by_id[&row["flag_id"].parse::<i64>().unwrap_or_default()];
        assert_eq!(row["company_name"], if e.code == "EXA" { NAME_A } else { NAME_B }, "Japanese intact");
        assert_eq!(row["company_code"], e.code);
        assert_eq!(row["submission_id"], e.submission_id.to_string());
        assert_eq!(row["level"], e.level.map(|l| l.to_string()).unwrap_or_default());
        assert_eq!((row["rule"].as_str(), row["severity"].as_str()), (e.rule.as_str(), e.severity.as_str()));
        assert_eq!(row["decision"], e.decision);
        assert_eq!(row["released"], e.released.to_string());
        assert_eq!(row["is_current"], "true");
        let Some(item) = e.item else { continue };
        assert!(!row["subject_ja"].is_empty(), "{row:?}");
        let uploaded = &w.evidence[&(e.code, e.fiscal_year, item)];
        let injected = INJECTIONS.iter().any(|i| uploaded.starts_with(i));
        let shown = if injected { format!("'{uploaded}") } else { uploaded.clone() };
        assert_eq!(&row["evidence"], &shown, "No.{item}");
        if e.code == "EXA" && e.fiscal_year == 2025 && w.injected.contains(&item) {
            assert!(injected, "No.{item} carries an injection");
        }
    }
    let row_of = |item: u16| {
        rows.iter()
            .find(|r| r["company_code"] == "EXB" && r["item"] == item.to_string() && r["rule"] == "not_done")
            .unwrap_or_else(|| panic!("no row for EXB No.{item}"))
    };
    let confirmed = row_of(w.confirmed_item);
    assert_eq!(confirmed["comment"], format!("'{COMMENT}"));
    assert_eq!(confirmed["reviewer"], format!("'{REVIEWER_NAME}"));
    assert_eq!((confirmed["decision"].as_str(), confirmed["reviewed"].as_str()), ("confirmed", "1"));
    assert!(confirmed["decided_at"].ends_with("+09:00"), "{confirmed:?}");
    assert_eq!(confirmed["claimed"], "2");
    let dismissed = row_of(w.dismissed_item);
    assert_eq!((dismissed["comment"].clone(), dismissed["reviewed"].as_str()), (format!("'{DISMISS}"), ""));

    // Each filter narrows to exactly the rows worked out by hand; the JSON
    // answers the same rows.
    let (a, b) = (w.a, w.b);
    let level2 = Some(2);
    let item = w.confirmed_item;
    let cases: Vec<(String, Vec<i64>)> = vec![
        ("fiscal_year=2024".into(), want(&|e: &Expect| e.fiscal_year == 2024)),
        (format!("company_id={b}"), want(&|e: &Expect| e.company_id == b)),
        ("level=2".into(), want(&|e: &Expect| e.level == level2)),
        (format!("item={item}"), want(&|e: &Expect| e.item == Some(item))),
        ("rule=not_done".into(), want(&|e: &Expect| e.rule == "not_done")),
        ("severity=high".into(), want(&|e: &Expect| e.severity == "high")),
        ("decision=confirmed".into(), want(&|e: &Expect| e.decision == "confirmed")),
        ("decision=dismissed".into(), want(&|e: &Expect| e.decision == "dismissed")),
        ("decision=undecided".into(), want(&|e: &Expect| e.decision == "undecided")),
        (
            format!("fiscal_year=2025&company_id={a}&level=1&severity=high"),
            want(&|e: &Expect| {
                e.fiscal_year == 2025 && e.company_id == a && e.level == Some(1) && e.severity == "high"
            }),
        ),
        ("include_superseded=true".into(), all.iter().map(|e| e.flag_id).collect()),
    ];
    for (query, ids) in &cases {
        assert!(!ids.is_empty(), "{query} selects something");
        let rows = read_csv(
            &api.get(&format!("/api/v1/exports/flags.csv?{query}"), Some(&w.auditor)).expect(200),
            &FLAG_COLUMNS,
        );
        assert_eq!(&ids_of(&rows, "flag_id"), ids, "CSV {query}");
        let page =
            api.get(&format!("/api/v1/exports/flags?{query}&per_page=200"), Some(&w.reviewer)).expect(200).json();
        assert_eq!(&json_ids(&page), ids, "JSON {query}");
        assert_eq!(page["total"], json!(ids.len()), "{query}");
    }
    let superseded = api.get("/api/v1/exports/flags.csv?include_superseded=true", Some(&w.admin)).expect(200);
    let superseded = read_csv(&superseded, &FLAG_COLUMNS);
    assert!(superseded.iter().any(|r| r["submission_id"] == w.a25_r1.to_string() && r["is_current"] == "false"));
    let r = api.get("/api/v1/exports/flags.csv?fiscal_year=2024", Some(&w.auditor)).expect(200);
    assert_eq!(r.header("content-disposition").as_deref(), Some("attachment; filename=\"hyoka-flags-2024.csv\""));

    // The JSON row holds the same values as the CSV row, unquoted.
    let page =
        api.get(&format!("/api/v1/exports/flags?item={item}&company_id={b}"), Some(&w.auditor)).expect(200).json();
    let j =
        page["items"].as_array().and_then(|i| i.iter().find(|i| i["rule"] == "not_done")).cloned().unwrap_or_default();
    assert_eq!((j["comment"].as_str(), j["reviewer"].as_str()), (Some(COMMENT), Some(REVIEWER_NAME)));
    assert_eq!(j["decided_at"].as_str(), Some(&confirmed["decided_at"][..]));
    assert_eq!(j["company_name"], NAME_B);

    // Pages partition the whole list, in JSON and in CSV.
    let total = current.len();
    let mut paged = Vec::new();
    for n in 1..=total.div_ceil(5) {
        let page = api.get(&format!("/api/v1/exports/flags?page={n}&per_page=5"), Some(&w.auditor)).expect(200).json();
        assert_eq!(page["total"], json!(total));
        let csv_page = api.get(&format!("/api/v1/exports/flags.csv?page={n}&per_page=5"), Some(&w.auditor)).expect(200);
        assert_eq!(ids_of(&read_csv(&csv_page, &FLAG_COLUMNS), "flag_id"), json_ids(&page), "page {n}");
        paged.extend(json_ids(&page));
    }
    assert_eq!(paged, want(&|_: &Expect| true));

    // The same pages by cursor: each full page names the next one's start
    // (`next`, passed as `after`), the last one none; the company codes in
    // the cursor survive the URL.
    let (mut walked, mut after, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let path = match &after {
            None => "/api/v1/exports/flags?per_page=5&include_superseded=true".to_owned(),
            Some(a) => format!("/api/v1/exports/flags?per_page=5&include_superseded=true&after={a}"),
        };
        let page = api.get(&path, Some(&w.auditor)).expect(200).json();
        assert_eq!((page["total"].clone(), page["total_capped"].clone()), (json!(all.len()), json!(false)));
        walked.extend(json_ids(&page));
        pages += 1;
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_owned()),
            None => break,
        }
        assert!(pages <= all.len(), "the cursor walk does not end");
    }
    assert_eq!(walked, all.iter().map(|e| e.flag_id).collect::<Vec<_>>());
    assert_eq!(pages, all.len() / 5 + 1, "a full last page still names a next, which reads empty");
    for bad in ["x", "2025.1.2", "2025.1.2.zz", "2025.1.2.4"] {
        let r = api.get(&format!("/api/v1/exports/flags?after={bad}"), Some(&w.auditor)).expect(400);
        assert_eq!(r.json()["error"], "invalid_query", "after={bad}");
    }
    assert_eq!(
        api.get("/api/v1/exports/flags.csv?after=2025.1.2.41", Some(&w.auditor)).expect(400).json()["error"],
        "invalid_query"
    );

    // Batches read by keyset give the same rows in the same order.
    let mut conn = db.conn();
    let filter = FlagExportFilter { include_superseded: true, ..FlagExportFilter::default() };
    let (mut batched, mut after) = (Vec::new(), None);
    loop {
        let batch = ok(export::flagged_after(&mut conn, &filter, after.as_ref(), 3));
        batched.extend(batch.iter().map(|f| f.flag.id));
        after = batch.last().map(|f| f.key());
        if batch.len() < 3 {
            break;
        }
    }
    assert_eq!(batched, all.iter().map(|e| e.flag_id).collect::<Vec<_>>());

    // Who may, and what is refused.
    for path in ["/api/v1/exports/flags.csv", "/api/v1/exports/flags"] {
        assert_eq!(api.get(path, Some(&w.sub_a)).expect(403).json()["error"], "forbidden");
        assert_eq!(api.get(path, None).expect(401).json()["error"], "unauthorized");
        for bad in ["fiscal_yaer=2025", "company=1", "decision=maybe", "level=4", "severity=huge", "item=0"] {
            let r = api.get(&format!("{path}?{bad}"), Some(&w.auditor)).expect(400);
            assert_eq!(r.json()["error"], "invalid_query", "{path}?{bad}");
        }
    }
}

fn audit_csv_reads_back(db: &TestDb) {
    let w = world(db);
    let api = w.api();
    let log = api.get("/api/v1/audit?per_page=200", Some(&w.auditor)).expect(200).json();
    let want: Vec<i64> =
        log["items"].as_array().map(|a| a.iter().filter_map(|e| e["id"].as_i64()).collect()).unwrap_or_default();
    assert!(log["total"].as_u64().is_some_and(|t| t < 200 && t as usize == want.len()), "{}", log["total"]);

    let r = api.get("/api/v1/exports/audit.csv", Some(&w.auditor)).expect(200);
    assert_eq!(r.header("content-disposition").as_deref(), Some("attachment; filename=\"hyoka-audit.csv\""));
    let rows = read_csv(&r, &AUDIT_COLUMNS);
    assert_eq!(ids_of(&rows, "id"), want, "every entry, newest first");
    for (row, e) in rows.iter().zip(log["items"].as_array().cloned().unwrap_or_default()) {
        assert_eq!(row["occurred_at"], e["occurred_at"].as_str().unwrap_or_default());
        assert!(row["occurred_at"].ends_with("+09:00"), "{row:?}");
        assert_eq!(
            (row["action"].as_str(), row["hash"].as_str()),
            (e["action"].as_str().unwrap_or_default(), e["hash"].as_str().unwrap_or_default())
        );
        assert_eq!(row["prev_hash"], e["prev_hash"].as_str().unwrap_or_default());
        let after: Value =
            if row["after_json"].is_empty() { Value::Null } else { ok(serde_json::from_str(&row["after_json"])) };
        assert_eq!(after, e["after"], "{row:?}");
    }

    // The chain recomputed from the file alone, as docs/api.md says: oldest
    // first, SHA-256 over nine fields, each as its UTF-8 length (u64, little
    // endian) then its bytes, an empty cell as u64::MAX; each prev_hash is the
    // hash before it, the first is 64 zeros.
    let mut prev = "0".repeat(64);
    for row in rows.iter().rev() {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for name in [
            "prev_hash",
            "hashed_at",
            "actor_id",
            "actor",
            "action",
            "entity",
            "entity_id",
            "before_json",
            "after_json",
        ] {
            let cell = &row[name];
            if cell.is_empty() && name != "actor" {
                h.update(u64::MAX.to_le_bytes());
            } else {
                h.update((cell.len() as u64).to_le_bytes());
                h.update(cell.as_bytes());
            }
        }
        assert_eq!(row["prev_hash"], prev, "{row:?}");
        assert_eq!(hex::encode(h.finalize()), row["hash"], "entry {} recomputed from audit.csv", row["id"]);
        prev = row["hash"].clone();
    }

    // The decision with an injected comment is there, its JSON intact.
    let reviews =
        read_csv(&api.get("/api/v1/exports/audit.csv?entity=review", Some(&w.admin)).expect(200), &AUDIT_COLUMNS);
    assert_eq!(reviews.len(), 2);
    assert!(reviews.iter().all(|r| r["entity"] == "review" && r["actor_id"] == w.reviewer_id.to_string()));
    let comments: BTreeSet<String> = reviews
        .iter()
        .map(|r| ok(serde_json::from_str::<Value>(&r["after_json"]))["comment"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(comments, BTreeSet::from([COMMENT.to_owned(), DISMISS.to_owned()]));
    let by_actor = read_csv(
        &api.get(&format!("/api/v1/exports/audit.csv?actor_id={}", w.reviewer_id), Some(&w.auditor)).expect(200),
        &AUDIT_COLUMNS,
    );
    let want_actor: Vec<i64> = log["items"]
        .as_array()
        .map(|a| a.iter().filter(|e| e["actor_id"] == w.reviewer_id).filter_map(|e| e["id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(ids_of(&by_actor, "id"), want_actor);
    let one = read_csv(
        &api.get(&format!("/api/v1/exports/audit.csv?entity=submission&entity_id={}", w.b25), Some(&w.auditor))
            .expect(200),
        &AUDIT_COLUMNS,
    );
    assert!(!one.is_empty() && one.iter().all(|r| r["entity_id"] == w.b25.to_string()), "{one:?}");
    let page2 =
        read_csv(&api.get("/api/v1/exports/audit.csv?page=2&per_page=3", Some(&w.auditor)).expect(200), &AUDIT_COLUMNS);
    assert_eq!(ids_of(&page2, "id"), want[3..6].to_vec());

    // Batches read by keyset give every entry once.
    let mut conn = db.conn();
    let (mut batched, mut before) = (Vec::new(), None);
    loop {
        let batch = ok(export::audit_before(&mut conn, &Default::default(), before, 4));
        batched.extend(batch.iter().map(|e| e.id));
        before = batch.last().map(|e| e.id);
        if batch.len() < 4 {
            break;
        }
    }
    assert_eq!(batched, want);

    for token in [&w.reviewer, &w.sub_a] {
        assert_eq!(api.get("/api/v1/exports/audit.csv", Some(token)).expect(403).json()["error"], "forbidden");
    }
    assert_eq!(
        api.get("/api/v1/exports/audit.csv?actor=1", Some(&w.auditor)).expect(400).json()["error"],
        "invalid_query"
    );
}

/// A workbook answer read back.
fn workbook(r: &Resp) -> Xlsx<Cursor<Vec<u8>>> {
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    ok(open_workbook_from_rs(Cursor::new(r.bytes.clone())))
}

fn sheet(wb: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Range<Data> {
    let range = ok(wb.worksheet_range(name));
    assert_eq!(range.start(), Some((0, 0)), "{name} starts with its cover line");
    range
}

fn text(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Empty) | None => String::new(),
        other => panic!("unexpected cell {other:?}"),
    }
}

/// Data rows of a sheet (below the cover line and the two header rows).
fn data_rows(range: &Range<Data>) -> Vec<Vec<Data>> {
    range.rows().skip(4).map(<[Data]>::to_vec).collect()
}

fn feedback_workbook_keeps_text_and_release_rule(db: &TestDb) {
    let w = world(db);
    let api = w.api();
    let path = |id: i64| format!("/api/v1/submissions/{id}/feedback.xlsx");

    // The subsidiary's own sheet before release: answers as uploaded, no flags.
    let r = api.get(&path(w.a25), Some(&w.sub_a)).expect(200);
    assert_eq!(
        r.header("content-disposition").as_deref(),
        Some("attachment; filename=\"hyoka-feedback-EXA-2025-r2.xlsx\"")
    );
    let mut wb = workbook(&r);
    assert_eq!(wb.sheet_names(), ["回答", "指摘", "コメント"]);
    let answers = sheet(&mut wb, "回答");
    let cover: Vec<String> =
        answers.rows().next().map(|r| r.iter().map(|c| text(Some(c))).collect()).unwrap_or_default();
    assert_eq!(cover[1], format!("EXA {NAME_A}"));
    assert_eq!((cover[3].as_str(), cover[5].as_str()), ("2025", "2"));
    assert!(cover[7].contains("submitted"), "{cover:?}");
    assert_eq!(text(answers.get((2, 4))), "評価の根拠");
    assert_eq!(text(answers.get((3, 4))), "Evidence");
    let rows = data_rows(&answers);
    assert_eq!(rows.len(), levels().len());
    for row in &rows {
        let Data::Float(item) = row[0] else { panic!("item number: {row:?}") };
        let item = item as u16;
        let uploaded = &w.evidence[&("EXA", 2025, item)];
        assert_eq!(row[4], Data::String(uploaded.clone()), "No.{item}: evidence is a text cell as uploaded");
        assert_eq!(row[3], Data::Float(2.0));
        assert!(matches!(&row[2], Data::String(s) if !s.is_empty()), "subject of No.{item}");
    }
    let hyperlink = format!("{}{NOT_DONE}", INJECTIONS[0]);
    assert!(rows.iter().any(|r| r[4] == Data::String(hyperlink.clone())), "=HYPERLINK stays text");
    let flags = data_rows(&sheet(&mut wb, "指摘"));
    assert_eq!(flags.len(), 1);
    assert_eq!(text(flags[0].first()), "まだ指摘は公開されていません / No feedback has been released yet");

    // The reviewer sees the flags at once; after release the subsidiary does.
    let flag_count = expected(&w).iter().filter(|e| e.submission_id == w.a25).count();
    let mut wb = workbook(&api.get(&path(w.a25), Some(&w.reviewer)).expect(200));
    assert_eq!(data_rows(&sheet(&mut wb, "指摘")).len(), flag_count);
    api.post(&format!("/api/v1/submissions/{}/release-flags", w.a25), Some(&w.reviewer), &json!({})).expect(200);
    let mut wb = workbook(&api.get(&path(w.a25), Some(&w.sub_a)).expect(200));
    let flags = data_rows(&sheet(&mut wb, "指摘"));
    assert_eq!(flags.len(), flag_count);
    let flagged: BTreeSet<String> = flags.iter().map(|r| text(r.first())).collect();
    for item in &w.injected {
        assert!(flagged.contains(&item.to_string()), "No.{item} in {flagged:?}");
    }

    // Company B's returned sheet: decisions, comments and the return message as text.
    let mut wb = workbook(&api.get(&path(w.b25), Some(&w.sub_b)).expect(200));
    let flags = data_rows(&sheet(&mut wb, "指摘"));
    let confirmed = flags
        .iter()
        .find(|r| text(r.first()) == w.confirmed_item.to_string() && text(r.get(1)) == "not_done")
        .unwrap_or_else(|| panic!("{flags:?}"));
    assert_eq!(confirmed[8], Data::String(COMMENT.to_owned()));
    assert_eq!(confirmed[7], Data::Float(1.0));
    assert!(text(confirmed.get(9)).ends_with("+09:00"));
    let comments = data_rows(&sheet(&mut wb, "コメント"));
    let said: Vec<String> = comments.iter().map(|r| text(r.get(4))).collect();
    let message = format!("＠No.{} の根拠を追記してください", w.confirmed_item);
    assert_eq!(said, [COMMENT.to_owned(), DISMISS.to_owned(), message], "by time");
    assert!(comments.iter().all(|r| text(r.first()).ends_with("+09:00")));
    assert!(comments.iter().take(2).all(|r| r[3] == Data::String(REVIEWER_NAME.to_owned())));

    // Another company's sheet does not exist for a subsidiary; auditors read any.
    assert_eq!(api.get(&path(w.a25), Some(&w.sub_b)).expect(404).json()["error"], "not_found");
    assert_eq!(api.get(&path(w.b25), Some(&w.sub_a)).expect(404).json()["error"], "not_found");
    api.get(&path(w.a24), Some(&w.auditor)).expect(200);
    api.get(&path(999_999), Some(&w.auditor)).expect(404);
}

both_backends!(
    flag_exports_filter_page_and_neutralise,
    audit_csv_reads_back,
    feedback_workbook_keeps_text_and_release_rule
);
