//! SCS readiness on the real server: the counts on each basis for a sheet
//! whose only finding is a high flag on No.1 (cited by one ★3 criterion),
//! another company not found, a subsidiary's estimated basis refused before
//! release, and the CSV's cells neutralised against formulas.

use hyoka_model::both_backends;
use hyoka_model::catalog::Catalog;
use hyoka_model::db::submissions::NewSubmission;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use hyoka_model::db::writes;
use hyoka_model::domain::{Evaluation, FiscalYear, ItemNumber, Level};
use hyoka_model::sheet::Answer;
use hyoka_model::workflow::Actor;

use crate::client;
use crate::common::workdir;
use crate::fixtures::{company, flag, levels, ok, token, user};

const EVIL: &str = "=HYPERLINK(\"http://evil\",\"x\")";

fn readiness_on_every_basis_with_roles_and_a_safe_csv(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let a = company(&mut conn, "S-1", "株式会社エスシーエス", Level::Lv1);
    let b = company(&mut conn, "S-2", "ビー株式会社", Level::Lv1);
    // Every item at 2; No.9's evidence is a formula.
    let answers: Vec<Answer> = levels()
        .into_iter()
        .map(|(item, level)| Answer {
            item: ok(ItemNumber::new(item)),
            level: ok(Level::try_from(level)),
            evaluation: Evaluation::DONE,
            evidence: if item == 9 { EVIL.into() } else { format!("No.{item} 規程を制定済") },
            responsible_area: None,
            source_cell: None,
        })
        .collect();
    let new = NewSubmission {
        company_id: a.id,
        fiscal_year: ok(FiscalYear::new(2025)),
        department_id: None,
        framework_id: ok(Catalog::builtin()).framework.id,
        source_filename: "scs.json".into(),
        source_sha256: "5".repeat(64),
        answered_on: None,
        respondent: None,
        answers,
    };
    let s = ok(writes::store_submission(&mut conn, Actor::System, &new)).submission().clone();
    // A high flag on No.1 suggesting 0: the estimate of No.1 is 0.
    ok(writes::insert_flags(&mut conn, s.id, &[flag(1)]));
    let rev = user(&mut conn, "scs-rev", Account::Reviewer);
    let rev = token(&mut conn, rev.id);
    let sub = user(&mut conn, "scs-sub", Account::Subsidiary(a.id));
    let sub = token(&mut conn, sub.id);
    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api = &server.api;
    let q = |basis: &str| format!("/api/v1/scs/readiness?fiscal_year=2025&company_id={}&basis={basis}", a.id);

    // METI's table: 81 ★3 criteria, 11 of all 153 cite no JAMA item; No.1 is
    // cited by one ★3 criterion alone (1-3-1-1), so the estimate
    // leaves it not met.
    let claimed = api.get(&q("self"), Some(&rev)).expect(200).json();
    let (m3, nc3) =
        (claimed["star3"]["met"].as_u64().unwrap_or(0), claimed["star3"]["not_covered"].as_u64().unwrap_or(0));
    assert_eq!(m3 + nc3, 81, "{}", claimed["star3"]);
    assert_eq!(claimed["star3"]["readiness"], 1.0);
    assert_eq!(claimed["star4"]["met"], 142);
    assert_eq!(claimed["star4"]["not_covered"], 11);
    let est = api.get(&q("estimated"), Some(&rev)).expect(200).json();
    assert_eq!(est["star3"]["met"].as_u64(), Some(m3 - 1));
    assert_eq!(est["star3"]["not_met"], 1);
    let rows = est["criteria"].as_array().cloned().unwrap_or_default();
    let not_met: Vec<&serde_json::Value> = rows.iter().filter(|r| r["status"] == "not_met").collect();
    assert_eq!(not_met.len(), 1);
    assert_eq!(not_met[0]["items"][0]["item"], 1);
    assert_eq!(not_met[0]["items"][0]["claimed"], "2");
    assert_eq!(not_met[0]["items"][0]["estimated"], "0");
    assert_eq!(not_met[0]["items"][0]["flags"][0]["rule"], "not_done");
    // No decision yet: reviewed is as claimed.
    let reviewed = api.get(&q("reviewed"), Some(&rev)).expect(200).json();
    assert_eq!(reviewed["star3"], claimed["star3"]);
    api.get(&q("suggested"), Some(&rev)).expect(400);

    // The subsidiary: its own company as claimed, not the estimate before
    // release; another company's is not found.
    api.get(&q("self"), Some(&sub)).expect(200);
    api.get(&q("estimated"), Some(&sub)).expect(403);
    api.get(&format!("/api/v1/scs/readiness?fiscal_year=2025&company_id={}", b.id), Some(&sub)).expect(404);
    api.get("/api/v1/scs/group?fiscal_year=2025", Some(&sub)).expect(403);
    ok(hyoka_model::db::review::release_flags(&mut conn, Actor::System, s.id));
    let seen = api.get(&q("estimated"), Some(&sub)).expect(200).json();
    assert_eq!(seen["star3"], est["star3"]);

    // The group: one company, closest to ★3 with one criterion missing.
    let g = api.get("/api/v1/scs/group?fiscal_year=2025", Some(&rev)).expect(200).json();
    assert_eq!(g["companies"]["items"][0]["code"], "S-1");
    assert_eq!((g["companies"]["total"].as_i64(), g["companies"]["per_page"].as_i64()), (Some(1), Some(50)));
    let g2 = api.get("/api/v1/scs/group?fiscal_year=2025&page=2&per_page=1", Some(&rev)).expect(200).json();
    assert_eq!(g2["companies"]["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(g2["closest"], g["closest"]);
    api.get("/api/v1/scs/group?fiscal_year=2025&per_page=0", Some(&rev)).expect(400);
    api.get("/api/v1/scs/group?fiscal_year=2025&per_page=201", Some(&rev)).expect(400);
    assert_eq!(g["closest"][0]["star3"]["not_met"], 1);
    assert_eq!(g["most_missed"][0]["id"], not_met[0]["id"]);

    // The CSV: BOM, the formula neutralised, Japanese intact.
    let r = api.get(&q("self").replace("readiness?", "readiness.csv?"), Some(&rev)).expect(200);
    assert!(r.bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(r.bytes[3..].to_vec()).unwrap_or_default();
    let mut csv = csv::Reader::from_reader(text.as_bytes());
    let header = ok(csv.headers()).clone();
    let evidence = header.iter().position(|h| h == "evidence").unwrap_or(usize::MAX);
    let item = header.iter().position(|h| h == "item").unwrap_or(usize::MAX);
    let records: Vec<csv::StringRecord> = csv.records().map(ok).collect();
    let nine: Vec<&csv::StringRecord> = records.iter().filter(|r| r.get(item) == Some("9")).collect();
    assert!(!nine.is_empty());
    for r in nine {
        assert_eq!(r.get(evidence), Some(format!("'{EVIL}").as_str()));
    }
    assert!(text.contains("社内ルール"));
}

both_backends!(readiness_on_every_basis_with_roles_and_a_safe_csv);
