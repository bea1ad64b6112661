//! End to end: `hyoka analyze` records versioned group-analysis runs, keeps
//! earlier runs' flags without storing them twice, and marks a new flag on a
//! sheet a reviewer already worked on.

mod common;

use common::{hyoka, workdir};
use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::{analysis, companies, flags, submissions};
use hyoka_model::domain::{Decision, FiscalYear, ImpactTier, Level, Points};
use hyoka_model::summary::{FlagCount, Metric};
use hyoka_model::workflow::Actor;

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn run(db: &TestDb, dir: &std::path::Path, args: &[&str]) -> String {
    let out = ok(hyoka(&db.url_string(), dir).args(args).output());
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn analysis_runs_are_versioned_kept_and_mark_new_flags_on_reviewed_sheets(db: &TestDb) {
    let dir = workdir();
    run(db, dir.path(), &["demo", "--no-serve"]);
    let fy = ok(FiscalYear::new(2025));
    let first = run(db, dir.path(), &["analyze", "--year", "2025"]);
    assert!(first.contains("analysis run"), "{first}");
    let mut conn = db.conn();
    // The demo's own run of the year, then this one (37 sheets: three
    // demo companies have not submitted yet).
    let runs = ok(analysis::runs(&mut conn, "jama-japia-2.3", fy));
    assert_eq!(runs.len(), 2);
    assert_eq!((runs[1].sheets, runs[1].config_hash.len()), (37, 64));
    assert!(runs[1].detector_version.starts_with("hyoka-anomaly/"));
    let stored_first = ok(analysis::flags_of_run(&mut conn, runs[0].id)).len();
    assert!(stored_first > 0, "the demo's run raises group flags (copied evidence, jumps, cohorts)");

    // The same data again: a second run, nothing stored twice.
    let second = run(db, dir.path(), &["analyze", "--year", "令和7年度"]);
    assert!(second.contains(" 0 new flags stored"), "{second}");
    assert_eq!(ok(analysis::runs(&mut conn, "jama-japia-2.3", fy)).len(), 3);

    // A reviewer works on one sheet; then a new company copies that sheet's
    // evidence word for word, and the next run flags the copy on both.
    let current = ok(submissions::list(
        &mut conn,
        &submissions::SubmissionFilter { fiscal_year: Some(fy), current_only: true, ..Default::default() },
        0,
        100,
    ));
    // A sheet still as uploaded, with flags (the demo reviews others).
    let reviewed = current
        .iter()
        .find(|s| {
            s.status == hyoka_model::workflow::SubmissionStatus::Submitted
                && !ok(flags::of_submission(&mut conn, s.id)).is_empty()
        })
        .unwrap_or_else(|| panic!("a submitted demo sheet with flags"));
    let some_flag = ok(flags::of_submission(&mut conn, reviewed.id)).into_iter().next();
    let some_flag = some_flag.unwrap_or_else(|| panic!("the demo sheet has flags"));
    ok(hyoka_model::db::writes::decide(
        &mut conn,
        Actor::System,
        some_flag.id,
        Decision::Confirmed { reviewed_score: Points::One },
        "確認",
    ));
    let copier = ok(hyoka_model::db::writes::create_company(
        &mut conn,
        Actor::System,
        &companies::NewCompany {
            code: "COPY-1".into(),
            name: "株式会社コピー".into(),
            industry: None,
            target_level: Level::Lv1,
            impact_tier: ok(ImpactTier::new(3)),
            is_demo: true,
        },
    ));
    let answers = ok(submissions::answers_of(&mut conn, reviewed.id));
    let copy = submissions::NewSubmission {
        company_id: copier.id,
        fiscal_year: fy,
        department_id: None,
        framework_id: "jama-japia-2.3".into(),
        source_filename: "copy.csv".into(),
        source_sha256: "c".repeat(64),
        answered_on: reviewed.answered_on,
        respondent: None,
        answers,
    };
    ok(hyoka_model::db::writes::store_submission(&mut conn, Actor::System, &copy));
    run(db, dir.path(), &["analyze", "--year", "2025"]);
    let runs = ok(analysis::runs(&mut conn, "jama-japia-2.3", fy));
    assert_eq!(runs.len(), 4);
    let third = ok(analysis::flags_of_run(&mut conn, runs[3].id));
    let on_reviewed: Vec<bool> = third
        .iter()
        .filter(|(id, _)| ok(flags::get(&mut conn, *id)).submission_id == reviewed.id)
        .map(|(_, is_new)| *is_new)
        .collect();
    assert!(!on_reviewed.is_empty() && on_reviewed.iter().all(|n| *n), "{third:?}");
    let copied = third.iter().filter(|(id, _)| ok(flags::get(&mut conn, *id)).flag.rule == "copied_evidence").count();
    assert!(copied >= 20, "{copied} copied-evidence flags");
    // Earlier runs' flags and the decision are still there.
    assert_eq!(ok(analysis::flags_of_run(&mut conn, runs[0].id)).len(), stored_first);
    assert!(ok(flags::latest_reviews(&mut conn, reviewed.id)).contains_key(&some_flag.id));
}

/// The dashboards' summaries after the demo fill and a group analysis agree
/// with a fresh computation; a tampered one is reported and rebuilt.
fn summaries_agree_after_demo_and_analysis_and_can_be_rebuilt(db: &TestDb) {
    let dir = workdir();
    run(db, dir.path(), &["demo", "--no-serve"]);
    run(db, dir.path(), &["analyze", "--year", "2025"]);
    let checked = run(db, dir.path(), &["admin", "check-summaries"]);
    assert!(checked.contains("agree"), "{checked}");
    let mut conn = db.conn();
    let y = ok(FiscalYear::new(2025));
    let totals = ok(hyoka_model::db::summaries::totals(&mut conn, y));
    // Three demo companies have not submitted their 2025 sheet yet.
    assert_eq!(totals.get(Metric::Submitted), (37, 37), "every submitting demo company has a 2025 summary");
    assert!(totals.get(Metric::Flags(FlagCount::Total)).0 > 0);

    ok(diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        "UPDATE company_year_summaries SET risk = 99 WHERE fiscal_year = 2025",
    ));
    let out = ok(hyoka(&db.url_string(), dir.path()).args(["admin", "check-summaries"]).output());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "a tampered summary must fail the check: {stdout}");
    assert!(stdout.contains("difference(s)") && stdout.contains("FY2025"), "{stdout}");

    let rebuilt = run(db, dir.path(), &["admin", "rebuild-summaries"]);
    // 40 × 3 company-years less the four without a sheet (3 this year, 1 last year).
    assert!(rebuilt.contains("rebuilt for 116 company-years"), "{rebuilt}");
    run(db, dir.path(), &["admin", "check-summaries"]);
    assert_eq!(ok(hyoka_model::db::summaries::totals(&mut conn, y)), totals);
}

both_backends!(
    analysis_runs_are_versioned_kept_and_mark_new_flags_on_reviewed_sheets,
    summaries_agree_after_demo_and_analysis_and_can_be_rebuilt
);
