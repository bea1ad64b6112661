//! End to end: the over-rating detector through the binary — `hyoka check
//! --format json` reports flags, risk and suggested rates; `hyoka import`
//! and `hyoka demo` store flags and risk with each submission.

mod common;

use std::process::Command;

use common::{hyoka, workdir};
use hyoka_generator::{Generator, demo_group, write_csv_utf8_bom};
use hyoka_model::both_backends;
use hyoka_model::catalog::Catalog;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::{detection, flags, submissions};
use hyoka_model::domain::{Evaluation, ItemNumber};
use hyoka_model::sheet::Sheet;

/// A generated sheet with two seed-question over-ratings: No.17 claimed 2
/// with the seed's own "not done, SOC planned" text, and No.9 claimed 2
/// with rules but no education.
fn over_rated_sheet() -> (Catalog, Sheet) {
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let generator = Generator::new(demo_group(), &catalog);
    let year = generator.spec().years[2];
    let mut sheet = generator.sheet(0, year).unwrap_or_else(|e| panic!("{e}"));
    for a in &mut sheet.answers {
        if a.item == ItemNumber::new(17).unwrap_or_else(|e| panic!("{e}")) {
            a.evaluation = Evaluation::DONE;
            a.evidence = "現状実施できていない。今年度中にSOCを設置し、予兆検知等を実施予定".into();
        }
        if a.item == ItemNumber::new(9).unwrap_or_else(|e| panic!("{e}")) {
            a.evaluation = Evaluation::DONE;
            a.evidence = "法令を踏まえた情報セキュリティ規程を2021年4月に制定済。教育は未実施。".into();
        }
    }
    (catalog, sheet)
}

fn write_sheet(dir: &std::path::Path) -> std::path::PathBuf {
    let (catalog, sheet) = over_rated_sheet();
    let path = dir.join("over_rated.csv");
    std::fs::write(&path, write_csv_utf8_bom(&sheet, &catalog).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn check_reports_flags_risk_and_suggested_rates_without_a_database() {
    let dir = workdir();
    let file = write_sheet(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_hyoka"))
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let flags = v["flags"].as_array().cloned().unwrap_or_default();
    let on = |item: u64, rule: &str| flags.iter().find(|f| f["item"] == item && f["rule"] == rule).cloned();
    let no17 = on(17, "not_done").unwrap_or_else(|| panic!("No.17 not flagged: {flags:?}"));
    assert_eq!(
        (no17["severity"].as_str(), no17["claimed"].as_u64(), no17["suggested"].as_u64()),
        (Some("high"), Some(2), Some(0))
    );
    assert!(no17["reason_ja"].as_str().is_some_and(|r| r.contains("実施できていない")), "{no17}");
    assert!(no17["reason_en"].as_str().is_some_and(|r| r.contains("not done")), "{no17}");
    let no9 = on(9, "parts_missing").unwrap_or_else(|| panic!("No.9 not flagged: {flags:?}"));
    assert_eq!(no9["suggested"].as_u64(), Some(1));
    assert!(v["risk"]["score"].as_u64().is_some_and(|s| s > 0));
    let (self_lv1, suggested_lv1) = (v["achievement"]["lv1"].as_f64(), v["achievement"]["suggested"]["lv1"].as_f64());
    assert!(matches!((self_lv1, suggested_lv1), (Some(a), Some(b)) if b < a), "{}", v["achievement"]);
    assert!(!dir.path().join("data").exists(), "check never creates a database");
}

fn import_stores_flags_and_risk_with_the_submission(db: &TestDb) {
    let dir = workdir();
    let file = write_sheet(dir.path());
    let out = hyoka(&db.url_string(), dir.path())
        .args(["import", "--company", "株式会社テスト部品", "--create-company", "--year", "2025", "--it-staff", "1"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let mut conn = db.conn();
    let all = submissions::list(&mut conn, &Default::default(), 0, 10).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.len(), 1);
    let stored = flags::of_submission(&mut conn, all[0].id).unwrap_or_else(|e| panic!("{e}"));
    let no17 = stored.iter().find(|f| f.flag.target.item().map(ItemNumber::get) == Some(17));
    assert!(no17.is_some_and(|f| f.flag.rule == "not_done" && f.flag.config_hash.len() == 64), "{stored:?}");
    assert!(stored.iter().all(|f| f.flag.detector_version.starts_with("hyoka-anomaly/")));
    let risk = detection::risk_of(&mut conn, all[0].id).unwrap_or_else(|e| panic!("{e}"));
    assert!(risk.is_some_and(|r| r.score > 0 && !r.top_reasons.is_empty()));
    // The import ran the group analysis itself and recorded it as a run done by `import`.
    let runs = hyoka_model::db::jobs::list(&mut conn, None, 10).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        (runs[0].trigger, runs[0].state, runs[0].sheets),
        (hyoka_model::db::jobs::Trigger::Import, hyoka_model::db::jobs::JobState::Done, Some(1))
    );
    assert!(runs[0].run_id.is_some() && runs[0].finished_at.is_some());
    // The identical file again stores nothing new, flags included.
    let again = hyoka(&db.url_string(), dir.path())
        .args(["import", "--company", "株式会社テスト部品", "--year", "2025", "--it-staff", "1"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(again.status.success());
    let after = flags::of_submission(&mut conn, all[0].id).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.len(), stored.len());
    assert_eq!(submissions::count(&mut conn).unwrap_or_else(|e| panic!("{e}")), 1);
}

fn decisions_carry_over_to_a_new_revision_for_unchanged_items(db: &TestDb) {
    use hyoka_model::domain::{Decision, Points};
    use hyoka_model::workflow::Actor;
    use hyoka_service::sheets::{ImportOptions, store_bytes};
    let (catalog, mut sheet) = over_rated_sheet();
    let pipeline = hyoka_service::Pipeline::builtin(Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let options = ImportOptions {
        company: Some("株式会社テスト部品".into()),
        fiscal_year: Some(hyoka_model::domain::FiscalYear::new(2025).unwrap_or_else(|e| panic!("{e}"))),
        it_staff: Some(1),
        create_company: true,
        ..Default::default()
    };
    let mut conn = db.conn();
    let import = |sheet: &Sheet, conn: &mut hyoka_model::db::DbConn| {
        let bytes = write_csv_utf8_bom(sheet, &catalog).unwrap_or_else(|e| panic!("{e}"));
        store_bytes(conn, &pipeline, Actor::System, "sheet.csv", &bytes, &options)
            .unwrap_or_else(|e| panic!("{e}"))
            .imported
            .stored
            .submission()
            .id
    };
    let first = import(&sheet, &mut conn);
    let flag_on = |conn: &mut hyoka_model::db::DbConn, submission: i64, item: u16| {
        flags::of_submission(conn, submission)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .find(|f| f.flag.target.item().map(ItemNumber::get) == Some(item))
            .unwrap_or_else(|| panic!("no flag on No.{item}"))
    };
    let decision = Decision::Confirmed { reviewed_score: Points::Zero };
    for item in [9, 17] {
        let f = flag_on(&mut conn, first, item);
        hyoka_model::db::writes::decide(&mut conn, Actor::System, f.id, decision, "根拠どおり未実施")
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // The second revision rewrites No.9's evidence and leaves No.17 as it was.
    for a in &mut sheet.answers {
        if a.item.get() == 9 {
            a.evidence = "情報セキュリティ規程を2021年4月に制定済。教育は来年度から開始予定。".into();
        }
    }
    let second = import(&sheet, &mut conn);
    assert_ne!(first, second);
    let latest = flags::latest_reviews(&mut conn, second).unwrap_or_else(|e| panic!("{e}"));
    let on17 = flag_on(&mut conn, second, 17);
    let on9 = flag_on(&mut conn, second, 9);
    assert_eq!(latest.get(&on17.id).map(|r| (r.decision, r.carried_from.is_some())), Some((decision, true)));
    assert!(!latest.contains_key(&on9.id), "a changed answer needs a new decision");
}

both_backends!(
    import_stores_flags_and_risk_with_the_submission,
    decisions_carry_over_to_a_new_revision_for_unchanged_items
);

/// An overseas subsidiary's sheet in English, through hyoka's JSON format:
/// plans, pilots, partial coverage and hedges claimed as done are flagged,
/// with English reasons quoting the clause; honest answers are not.
#[test]
fn check_reads_an_english_sheet_and_flags_plans_pilots_partial_coverage_and_hedges() {
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let over_rated: [(u16, &str); 4] = [
        (120, "We plan to roll out multi-factor authentication for VPN access next fiscal year."),
        (129, "Laptop encryption is being piloted in the Detroit office only; the other sites will follow."),
        (38, "Security awareness training was completed at most sites; the Monterrey plant is not yet covered."),
        (86, "We believe entry to the server room is probably recorded by the building management."),
    ];
    let answers: Vec<serde_json::Value> = catalog
        .items
        .iter()
        .map(|i| {
            let n = i.number.get();
            let evidence = over_rated.iter().find(|(item, _)| *item == n).map_or_else(
                || format!("Our Information Security Policy (rev. 3, approved April 2024) covers this; checked in the 2025 internal audit (item {n})."),
                |(_, e)| (*e).to_owned(),
            );
            serde_json::json!({
                "item": n,
                "level": i.level.map_or(1, |l| l.number()),
                "evaluation": 2,
                "evidence": evidence,
            })
        })
        .collect();
    let sheet = serde_json::json!({
        "format": "hyoka-submission/1",
        "company": { "code": "US-01", "name": "Example Automotive USA Inc." },
        "fiscal_year": 2025,
        "employees": 400,
        "it_staff": 4,
        "answers": answers,
    });
    let dir = workdir();
    let file = dir.path().join("english.json");
    std::fs::write(&file, serde_json::to_vec(&sheet).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(env!("CARGO_BIN_EXE_hyoka"))
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let flags = v["flags"].as_array().cloned().unwrap_or_default();
    let strong = |f: &serde_json::Value| matches!(f["severity"].as_str(), Some("medium" | "high"));
    for (item, evidence) in over_rated {
        let f = flags
            .iter()
            .find(|f| f["item"] == item && strong(f))
            .unwrap_or_else(|| panic!("No.{item} not flagged: {evidence}\n{flags:?}"));
        let en = f["reason_en"].as_str().unwrap_or_default().to_lowercase();
        let quoted = evidence
            .to_lowercase()
            .split(['.', ';'])
            .map(str::trim)
            .filter(|c| c.len() > 10)
            .any(|c| en.contains(c) || en.contains(&c[..c.len().min(30)]));
        assert!(quoted, "No.{item}: the English reason quotes no clause: {en}");
        assert!(f["reason_ja"].as_str().is_some_and(|r| !r.is_empty()), "{f}");
        assert!(f["suggested"].as_u64().is_some_and(|s| s < 2), "{f}");
    }
    let false_alarms: Vec<&serde_json::Value> =
        flags.iter().filter(|f| strong(f) && !over_rated.iter().any(|(i, _)| f["item"] == *i)).collect();
    assert!(false_alarms.len() <= 3, "honest English answers flagged: {false_alarms:?}");
}

/// The weights tests record a risk with by hand are the ones the shipped
/// `config/detector.toml` computes with.
#[test]
fn shipped_risk_weights_match_the_config_file() {
    let config = hyoka_anomaly::config::DetectorConfig::builtin().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.risk, hyoka_model::db::testing::SHIPPED_RISK_WEIGHTS);
}
