//! The group dashboards' per-area figures and the weakest companies per
//! item, on SQLite and PostgreSQL, for a small group worked out by hand.

use hyoka_model::both_backends;
use hyoka_model::db::dashboards::{self, ItemFilter, KNOWN_AREAS};
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::{DbConn, companies, flags, submissions};
use hyoka_model::domain::{Evaluation, FiscalYear, FlagTarget, ImpactTier, ItemNumber, Level, Points, Severity};
use hyoka_model::sheet::Answer;
use hyoka_model::workflow::Actor;

const FW: &str = "jama-japia-2.3";

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn fy() -> FiscalYear {
    ok(FiscalYear::new(2025))
}

fn company(c: &mut DbConn, code: &str) -> i64 {
    let new = companies::NewCompany {
        code: code.into(),
        name: format!("{code} 株式会社"),
        industry: None,
        target_level: Level::Lv1,
        impact_tier: ok(ImpactTier::new(3)),
        is_demo: false,
    };
    ok(hyoka_model::db::writes::create_company(c, Actor::System, &new)).id
}

/// Items 1–4 are 人事 and 5–6 IT on the sheet (`area` decides which sheet
/// says so); the others give no area. Every item is Lv1.
fn upload(c: &mut DbConn, company_id: i64, sha: char, score: impl Fn(u16) -> Evaluation, areas: bool) -> i64 {
    let answers = (1..=153)
        .map(|n| Answer {
            item: ok(ItemNumber::new(n)),
            level: Level::Lv1,
            evaluation: score(n),
            evidence: format!("No.{n} 規程を制定済"),
            responsible_area: match n {
                1..=4 if areas => Some("人事".into()),
                5..=6 if areas => Some(" IT ".into()),
                _ => None,
            },
            source_cell: None,
        })
        .collect();
    let new = submissions::NewSubmission {
        company_id,
        fiscal_year: fy(),
        department_id: None,
        framework_id: FW.into(),
        source_filename: "sheet.xlsx".into(),
        source_sha256: sha.to_string().repeat(64),
        answered_on: None,
        respondent: None,
        answers,
    };
    ok(hyoka_model::db::writes::store_submission(c, Actor::System, &new)).submission().id
}

fn flag(n: u16) -> flags::NewFlag {
    flags::NewFlag {
        target: FlagTarget::Item(ok(ItemNumber::new(n))),
        rule: "future_tense".into(),
        severity: Severity::Medium,
        claimed: Evaluation::DONE,
        suggested: Some(Points::Zero),
        reason_ja: "予定".into(),
        reason_en: "plan".into(),
        detector_version: "test".into(),
        config_hash: "0".repeat(64),
    }
}

fn areas_and_the_weakest_companies(db: &TestDb) {
    let mut c = db.conn();
    let (a, b, d) = (company(&mut c, "A"), company(&mut c, "B"), company(&mut c, "D"));
    // A: all 2, items 1 and 5 flagged (suggest 0). B: all 2 except No.1 and No.2 at 0.
    // D: all 1, its sheet gives no areas.
    let sa = upload(&mut c, a, 'a', |_| Evaluation::DONE, true);
    ok(hyoka_model::db::writes::insert_flags(&mut c, sa, &[flag(1), flag(5)]));
    upload(&mut c, b, 'b', |n| if n <= 2 { Evaluation::NOT_DONE } else { Evaluation::DONE }, true);
    upload(&mut c, d, 'c', |_| Evaluation::Rated(Points::One), false);

    let items = ok(dashboards::items(&mut c, FW, fy(), &ItemFilter::default()));
    let lines = ok(dashboards::areas(&mut c, FW, fy(), None, &items));
    let names: Vec<Option<&str>> = lines.iter().map(|l| l.area.as_deref()).collect();
    // The known areas in their order, trimmed, then the items without one.
    assert_eq!(names, [Some("IT"), Some("人事"), None]);
    assert!(KNOWN_AREAS.iter().position(|k| *k == "IT") < KNOWN_AREAS.iter().position(|k| *k == "人事"));
    let (it, hr, none) = (&lines[0], &lines[1], &lines[2]);
    assert_eq!(it.items, [5, 6]);
    assert_eq!(hr.items, [1, 2, 3, 4]);
    assert_eq!(none.items.len(), 147);
    // 人事 self: A 8/8, B 4/8, D 4/8 → mean (1 + 0.5 + 0.5) / 3.
    let close = |x: Option<f64>, y: f64| x.is_some_and(|x| (x - y).abs() < 1e-9);
    assert!(close(hr.mean_rates[0], 2.0 / 3.0), "{:?}", hr.mean_rates);
    assert_eq!(hr.rated, [3, 3, 3]);
    // Suggested: A's No.1 at 0 → A 6/8.
    assert!(close(hr.mean_rates[1], (0.75 + 0.5 + 0.5) / 3.0), "{:?}", hr.mean_rates);
    // IT: A suggested 2/4; flags: one open on No.5.
    assert!(close(it.mean_rates[1], (0.5 + 1.0 + 0.5) / 3.0), "{:?}", it.mean_rates);
    assert_eq!((it.flags.total, it.flags.open, it.flags.confirmed), (1, 1, 0));
    assert_eq!((hr.flags.total, hr.flags.open), (1, 1));
    assert_eq!(none.flags.total, 0);

    // One company: its own rates and flags.
    let of_b = ok(dashboards::items(&mut c, FW, fy(), &ItemFilter { company_id: Some(b), ..ItemFilter::default() }));
    let own = ok(dashboards::areas(&mut c, FW, fy(), Some(b), &of_b));
    let hr_b = own.iter().find(|l| l.area.as_deref() == Some("人事")).unwrap_or_else(|| panic!("no 人事"));
    assert!(close(hr_b.mean_rates[0], 0.5) && hr_b.flags.total == 0 && hr_b.rated == [1, 1, 1]);

    // The weakest on No.1: A (estimate 0 from the open flag) and B (claimed 0) share 0;
    // both are named, by code; D (1) is not.
    let no1 = items.iter().find(|l| l.item == 1).and_then(|l| l.weakest.clone()).unwrap_or_else(|| panic!("no No.1"));
    assert_eq!((no1.score, no1.companies_at_lowest), (0, 2));
    let named: Vec<&str> = no1.lowest.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(named, ["A", "B"]);
    // No.3: D alone at 1.
    let no3 = items.iter().find(|l| l.item == 3).and_then(|l| l.weakest.clone()).unwrap_or_else(|| panic!("no No.3"));
    assert_eq!((no3.score, no3.lowest.len(), no3.lowest[0].company_id), (1, 1, d));
}

both_backends!(areas_and_the_weakest_companies);
