//! Dashboard summaries on SQLite and PostgreSQL: figures computed by hand
//! for a small fixed group, kept in step by every change, and always equal
//! to a rebuild from scratch.

use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::{
    COUNT_CAP, DbConn, Start, Total, collections, companies, dashboards, detection, export, flags, review, submissions,
    summaries,
};
use hyoka_model::domain::{
    Decision, Evaluation, FiscalYear, FlagTarget, ImpactTier, ItemNumber, Level, Points, Severity,
};
use hyoka_model::sheet::Answer;
use hyoka_model::summary::{FlagCount, Metric, Scope, View};
use hyoka_model::workflow::{Action, Actor, SubmissionStatus};

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn fy(y: i32) -> FiscalYear {
    ok(FiscalYear::new(y))
}

fn item(n: u16) -> ItemNumber {
    ok(ItemNumber::new(n))
}

/// Levels of this test's sheets: every third item is Lv2, the rest Lv1
/// (102 Lv1 items, 51 Lv2 items, no Lv3).
fn level_of(n: u16) -> Level {
    if n.is_multiple_of(3) { Level::Lv2 } else { Level::Lv1 }
}

/// 153 answers, all 2 except the ones given.
fn answers(overrides: &[(u16, Evaluation)]) -> Vec<Answer> {
    (1..=153)
        .map(|n| Answer {
            item: item(n),
            level: level_of(n),
            evaluation: overrides.iter().find(|o| o.0 == n).map_or(Evaluation::DONE, |o| o.1),
            evidence: format!("No.{n} 規程を制定済"),
            responsible_area: None,
            source_cell: None,
        })
        .collect()
}

fn company(c: &mut DbConn, code: &str, level: Level, tier: u8) -> i64 {
    let new = companies::NewCompany {
        code: code.into(),
        name: format!("{code} 株式会社"),
        industry: None,
        target_level: level,
        impact_tier: ok(ImpactTier::new(tier)),
        is_demo: false,
    };
    ok(hyoka_model::db::writes::create_company(c, Actor::System, &new)).id
}

fn upload(c: &mut DbConn, company_id: i64, year: i32, sha: char, overrides: &[(u16, Evaluation)]) -> i64 {
    let new = submissions::NewSubmission {
        company_id,
        fiscal_year: fy(year),
        department_id: None,
        framework_id: "jama-japia-2.3".into(),
        source_filename: "sheet.xlsx".into(),
        source_sha256: sha.to_string().repeat(64),
        answered_on: None,
        respondent: None,
        answers: answers(overrides),
    };
    ok(hyoka_model::db::writes::store_submission(c, Actor::System, &new)).submission().id
}

fn flag(n: u16, severity: Severity, suggested: Option<Points>) -> flags::NewFlag {
    flags::NewFlag {
        target: FlagTarget::Item(item(n)),
        rule: "future_tense".into(),
        severity,
        claimed: Evaluation::DONE,
        suggested,
        reason_ja: "予定".into(),
        reason_en: "plan".into(),
        detector_version: "test".into(),
        config_hash: "0".repeat(64),
    }
}

fn summary(c: &mut DbConn, company_id: i64, year: i32) -> summaries::CompanyYearSummary {
    ok(summaries::stored(c, company_id, fy(year))).unwrap_or_else(|| panic!("no summary for {company_id} FY{year}"))
}

/// Basis points of points / (2 × rated), rounded.
fn bp(points: u32, rated: u32) -> i32 {
    i32::try_from((points * 10_000 * 2 + 2 * rated) / (4 * rated)).unwrap_or(i32::MAX)
}

#[track_caller]
fn agree(c: &mut DbConn) {
    let problems = ok(summaries::verify(c));
    assert!(problems.is_empty(), "summaries differ from a rebuild:\n{}", problems.join("\n"));
}

fn figures_follow_uploads_flags_decisions_and_moves(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "A", Level::Lv2, 1);
    let b = company(&mut c, "B", Level::Lv1, 3);
    assert!(ok(summaries::stored(&mut c, a, fy(2024))).is_none());

    // A: No.1 (Lv1) 0, No.2 (Lv1) 該当なし, No.3 (Lv2) 1, the rest 2.
    let sa = upload(
        &mut c,
        a,
        2024,
        'a',
        &[(1, Evaluation::NOT_DONE), (2, Evaluation::NotApplicable), (3, Evaluation::Rated(Points::One))],
    );
    let s = summary(&mut c, a, 2024);
    // Lv1: 101 rated (No.2 left out), 100 × 2 points; Lv2: 51 rated, 50 × 2 + 1.
    let (lv1, lv2, all) = (bp(200, 101), bp(101, 51), bp(301, 152));
    assert_eq!(s.rates[0], [Some(lv1), Some(lv2), None, Some(all), Some(all)]);
    assert_eq!(s.rates[1], s.rates[0], "no flag: suggested = self");
    assert_eq!(s.rates[2], s.rates[0], "no decision: reviewed = self");
    assert_eq!(
        (s.submission_id, s.sheets, s.status, s.revision, s.target_level),
        (sa, 1, SubmissionStatus::Submitted, 1, Level::Lv2)
    );
    assert_eq!(s.flags, summaries::FlagCounts::default());
    assert_eq!(s.item(1), Some([Evaluation::NOT_DONE; 4]));
    assert_eq!(s.item(2), Some([Evaluation::NotApplicable; 4]));
    assert_eq!(s.item(154), None);
    agree(&mut c);

    // Two flags on A: No.4 medium suggesting 0, No.5 low suggesting 1
    // (low never lowers a rate).
    let fl = ok(hyoka_model::db::writes::insert_flags(
        &mut c,
        sa,
        &[flag(4, Severity::Medium, Some(Points::Zero)), flag(5, Severity::Low, Some(Points::One))],
    ));
    let s = summary(&mut c, a, 2024);
    assert_eq!(s.rates[1], [Some(bp(198, 101)), Some(lv2), None, Some(bp(299, 152)), Some(bp(299, 152))]);
    assert_eq!(s.rates[2], s.rates[0]);
    assert_eq!(s.flags, summaries::FlagCounts { total: 2, open: 2, confirmed: 0, dismissed: 0 });
    assert_eq!(s.item(4), Some([Evaluation::DONE, Evaluation::NOT_DONE, Evaluation::DONE, Evaluation::NOT_DONE]));
    agree(&mut c);

    // The reviewer holds No.4 to be worth 1 and dismisses No.5.
    ok(hyoka_model::db::writes::transition(&mut c, Actor::System, sa, Action::StartReview, None));
    assert_eq!(summary(&mut c, a, 2024).status, SubmissionStatus::InReview);
    ok(hyoka_model::db::writes::decide(
        &mut c,
        Actor::System,
        fl[0].id,
        Decision::Confirmed { reviewed_score: Points::One },
        "一部のみ",
    ));
    ok(hyoka_model::db::writes::decide(&mut c, Actor::System, fl[1].id, Decision::Dismissed, ""));
    let s = summary(&mut c, a, 2024);
    assert_eq!(s.rates[2], [Some(bp(199, 101)), Some(lv2), None, Some(bp(300, 152)), Some(bp(300, 152))]);
    assert_eq!(s.rates[1][0], Some(bp(198, 101)), "the suggested view keeps the flags' suggestions");
    assert_eq!(s.flags, summaries::FlagCounts { total: 2, open: 0, confirmed: 1, dismissed: 1 });
    assert_eq!(
        s.item(4),
        Some([Evaluation::DONE, Evaluation::NOT_DONE, Evaluation::Rated(Points::One), Evaluation::Rated(Points::One)])
    );
    assert_eq!(s.item(5).map(|i| i[3]), Some(Evaluation::DONE), "a dismissed flag does not lower the estimate");
    agree(&mut c);

    // B (target Lv1): all 2; its target rate covers Lv1 only.
    let sb = upload(&mut c, b, 2024, 'b', &[(3, Evaluation::NOT_DONE)]);
    let s = summary(&mut c, b, 2024);
    assert_eq!(s.rates[0], [Some(10_000), Some(bp(100, 51)), None, Some(10_000), Some(bp(304, 153))]);
    let t = ok(summaries::totals(&mut c, fy(2024)));
    assert_eq!(t.get(Metric::Submitted), (2, 2));
    assert_eq!(t.get(Metric::Status(SubmissionStatus::InReview)), (1, 1));
    assert_eq!(t.get(Metric::Status(SubmissionStatus::Submitted)), (1, 1));
    assert_eq!(t.get(Metric::Rate(View::Claimed, Scope::Lv1)), (i64::from(lv1) + 10_000, 2));
    assert_eq!(t.get(Metric::Rate(View::Claimed, Scope::Lv3)), (0, 0), "no Lv3 item: no rate, not a zero");
    assert_eq!(t.get(Metric::Flags(FlagCount::Open)), (0, 2));
    assert_eq!(t.get(Metric::Flags(FlagCount::Confirmed)), (1, 2));
    agree(&mut c);

    // A collection sets A's target to Lv1 for FY2024: its target rate follows.
    let opened = collections::NewCollection {
        fiscal_year: fy(2024),
        title: "2024年度".into(),
        deadline: chrono::NaiveDate::from_ymd_opt(2024, 8, 31).unwrap_or_default(),
        message: None,
        members: vec![(a, Some(Level::Lv1))],
    };
    ok(hyoka_model::db::writes::open_collection(&mut c, Actor::System, &opened));
    let s = summary(&mut c, a, 2024);
    assert_eq!((s.target_level, s.rates[0][3]), (Level::Lv1, Some(lv1)));
    agree(&mut c);

    // B's new revision replaces the old one; B's company target moves to Lv2.
    let sb2 = upload(&mut c, b, 2024, 'c', &[]);
    assert_ne!(sb2, sb);
    let s = summary(&mut c, b, 2024);
    assert_eq!((s.submission_id, s.revision, s.rates[0][4]), (sb2, 2, Some(10_000)));
    ok(hyoka_model::db::writes::update_company(
        &mut c,
        Actor::System,
        b,
        &companies::CompanyChanges { target_level: Some(Level::Lv2), ..Default::default() },
    ));
    assert_eq!(summary(&mut c, b, 2024).target_level, Level::Lv2);
    agree(&mut c);

    // Another year for A; the years with figures.
    upload(&mut c, a, 2025, 'd', &[]);
    assert_eq!(ok(summaries::years(&mut c)), vec![fy(2024), fy(2025)]);
    assert_eq!(ok(summaries::totals(&mut c, fy(2025))).get(Metric::Submitted), (1, 1));
    agree(&mut c);

    // A rebuild from scratch gives the same rows and totals.
    let before: Vec<_> = ok(summaries::of_year(&mut c, fy(2024)));
    let totals_before = ok(summaries::totals(&mut c, fy(2024)));
    assert_eq!(ok(summaries::rebuild_all(&mut c)), 3);
    assert_eq!(ok(summaries::of_year(&mut c, fy(2024))), before);
    assert_eq!(ok(summaries::totals(&mut c, fy(2024))), totals_before);

    // A database whose sheets lack summaries (made before they existed) gets
    // them at the next migration.
    ok(diesel::connection::SimpleConnection::batch_execute(
        &mut c,
        "DELETE FROM company_year_summaries; DELETE FROM year_totals;",
    ));
    assert_eq!(ok(summaries::missing(&mut c)), 3);
    ok(hyoka_model::db::migrate(&ok(hyoka_model::db::DbUrl::parse(&db.url_string()))));
    assert_eq!(ok(summaries::missing(&mut c)), 0);
    assert_eq!(ok(summaries::of_year(&mut c, fy(2024))), before);
    assert_eq!(ok(summaries::totals(&mut c, fy(2024))), totals_before);
}

fn departments_merge_item_by_item(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "A", Level::Lv2, 2);
    let d1 = ok(companies::department(&mut c, Actor::System, a, "製造部")).id;
    let d2 = ok(companies::department(&mut c, Actor::System, a, "営業部")).id;
    let mut store = |dept: i64, sha: char, overrides: &[(u16, Evaluation)]| {
        let new = submissions::NewSubmission {
            company_id: a,
            fiscal_year: fy(2024),
            department_id: Some(dept),
            framework_id: "jama-japia-2.3".into(),
            source_filename: "sheet.xlsx".into(),
            source_sha256: sha.to_string().repeat(64),
            answered_on: None,
            respondent: None,
            answers: answers(overrides),
        };
        ok(hyoka_model::db::writes::store_submission(&mut c, Actor::System, &new)).submission().id
    };
    store(d1, 'a', &[(1, Evaluation::NOT_DONE)]);
    let second = store(d2, 'b', &[(2, Evaluation::Rated(Points::One)), (1, Evaluation::NotApplicable)]);
    let s = summary(&mut c, a, 2024);
    assert_eq!((s.sheets, s.submission_id), (2, second));
    // The weakest answer wins: No.1 0 (該当なし is neutral), No.2 1.
    assert_eq!(s.rates[0][0], Some(bp(201, 102)));
    assert_eq!(s.item(1).map(|i| i[0]), Some(Evaluation::NOT_DONE));
    agree(&mut c);
}

/// Sets a sheet's risk as an analysis run does: with its summary refreshed
/// in the same transaction.
fn set_risk(c: &mut DbConn, submission_id: i64, score: u8) {
    ok(hyoka_model::db::write_tx(c, |c| {
        detection::set_risk_in_tx(c, submission_id, score, &[], hyoka_model::db::testing::computed_by_test())?;
        summaries::refresh_submission_in_tx(c, submission_id)
    }));
}

/// The review queue's codes in order, and its total.
fn queue(c: &mut DbConn, year: i32) -> (Vec<String>, i64) {
    let filter = dashboards::CompanyFilter {
        statuses: vec![SubmissionStatus::Submitted, SubmissionStatus::InReview],
        submitted: Some(true),
        ..Default::default()
    };
    let (lines, total) = ok(dashboards::lines(c, fy(year), &filter, dashboards::Order::Priority, 0, 10));
    (lines.into_iter().map(|l| l.company.code).collect(), total)
}

fn queue_follows_risk_and_business_impact(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "A", Level::Lv1, 5); // weight 1
    let b = company(&mut c, "B", Level::Lv1, 1); // weight 5
    company(&mut c, "N", Level::Lv1, 1); // no sheet: never in the queue
    let sa = upload(&mut c, a, 2025, 'a', &[]);
    let sb = upload(&mut c, b, 2025, 'b', &[]);
    // Without a risk both weigh 0: by code.
    assert_eq!(queue(&mut c, 2025), (vec!["A".to_owned(), "B".to_owned()], 2));
    set_risk(&mut c, sa, 50); // 50 × 1
    set_risk(&mut c, sb, 20); // 20 × 5
    assert_eq!(queue(&mut c, 2025).0, ["B", "A"]);
    agree(&mut c);
    // B's impact falls to tier 5: 20 × 1 against A's 50.
    let changes = companies::CompanyChanges { impact_tier: Some(ok(ImpactTier::new(5))), ..Default::default() };
    ok(hyoka_model::db::writes::update_company(&mut c, Actor::System, b, &changes));
    assert_eq!(queue(&mut c, 2025).0, ["A", "B"]);
    agree(&mut c);
    // An accepted sheet leaves the queue; the count follows.
    ok(hyoka_model::db::writes::transition(&mut c, Actor::System, sa, Action::StartReview, None));
    ok(hyoka_model::db::writes::transition(&mut c, Actor::System, sa, Action::Accept, None));
    assert_eq!(queue(&mut c, 2025), (vec!["B".to_owned()], 1));
    assert_eq!(queue(&mut c, 2024), (Vec::new(), 0));
    // Submitted and not submitted at once: nobody.
    let contradiction = dashboards::CompanyFilter {
        statuses: vec![SubmissionStatus::Submitted],
        submitted: Some(false),
        ..Default::default()
    };
    let (lines, total) = ok(dashboards::lines(&mut c, fy(2025), &contradiction, dashboards::Order::Priority, 0, 10));
    assert_eq!((lines.len(), total), (0, 0));
    agree(&mut c);
}

/// Issue 19: a year's queue of more sheets than `counts::KEEP_FROM` keeps
/// its count (and one per status and risk filter) until a sheet of that
/// year moves or its risk changes; every count agrees with the companies
/// counted one by one.
fn kept_queue_counts_follow_every_move(db: &TestDb) {
    use hyoka_model::db::counts::KEEP_FROM;
    let mut c = db.conn();
    let n = usize::try_from(KEEP_FROM).unwrap_or(200) + 2;
    let mut sheets = Vec::new();
    for i in 0..n {
        let id = company(&mut c, &format!("C{i:04}"), Level::Lv1, 1);
        sheets.push((id, upload(&mut c, id, 2025, 'a', &[])));
    }
    let filters = [
        dashboards::CompanyFilter {
            statuses: vec![SubmissionStatus::Submitted, SubmissionStatus::InReview],
            submitted: Some(true),
            ..Default::default()
        },
        dashboards::CompanyFilter { statuses: vec![SubmissionStatus::Submitted], ..Default::default() },
        dashboards::CompanyFilter { submitted: Some(true), min_risk: Some(40), ..Default::default() },
    ];
    let check = |c: &mut DbConn, when: &str| {
        for f in &filters {
            let kept = ok(dashboards::lines(c, fy(2025), f, dashboards::Order::Priority, 0, 5)).1;
            let again = ok(dashboards::lines(c, fy(2025), f, dashboards::Order::Priority, 0, 5)).1;
            let fresh: i64 = sheets
                .iter()
                .map(|&(id, _)| {
                    let one = dashboards::CompanyFilter { company_id: Some(id), ..f.clone() };
                    ok(dashboards::lines(c, fy(2025), &one, dashboards::Order::Priority, 0, 5)).1
                })
                .sum();
            assert_eq!((kept, again), (fresh, fresh), "{when}: {f:?}");
        }
    };
    check(&mut c, "uploaded");
    assert_eq!(queue(&mut c, 2025).1, i64::try_from(n).unwrap_or(0));
    let kept: i64 = {
        use diesel::prelude::*;
        use hyoka_model::db::schema::list_counts as l;
        ok(l::table.filter(l::filter.like("overview:%")).count().get_result(&mut c))
    };
    assert_eq!(kept, 2, "the two filters of at least {KEEP_FROM} sheets are kept; the risk filter keeps none");
    let (_, s0) = sheets[0];
    let (_, s1) = sheets[1];
    ok(hyoka_model::db::writes::transition(&mut c, Actor::System, s0, Action::StartReview, None));
    check(&mut c, "one in review");
    ok(hyoka_model::db::writes::transition(&mut c, Actor::System, s0, Action::Accept, None));
    check(&mut c, "one accepted");
    assert_eq!(queue(&mut c, 2025).1, i64::try_from(n - 1).unwrap_or(0));
    set_risk(&mut c, s1, 60);
    check(&mut c, "a risk");
    // Another year's sheet leaves this year's counts as they are.
    let (a, _) = sheets[2];
    upload(&mut c, a, 2024, 'b', &[]);
    check(&mut c, "another year");
    agree(&mut c);
}

/// The flags holding a decision, by the flag list's filter (kept on the
/// flag row) and by the export's, which must say the same.
fn holding(c: &mut DbConn, d: review::DecisionFilter) -> Vec<i64> {
    let f = review::FlagFilter { decision: Some(d), ..Default::default() };
    let mut listed: Vec<i64> = ok(review::search_flags(c, &f, Start::Offset(0), 200)).0.iter().map(|f| f.id).collect();
    listed.sort_unstable();
    let e = export::FlagExportFilter { decision: Some(d), include_superseded: true, ..Default::default() };
    let mut exported: Vec<i64> =
        ok(export::flagged_page(c, &e, Start::Offset(0), 200)).0.iter().map(|i| i.flag.id).collect();
    exported.sort_unstable();
    assert_eq!(listed, exported, "flag list and export disagree on {d:?}");
    listed
}

/// Issue 19: the decision in force is kept on the flag row; it follows a
/// first decision, a changed mind and a decision carried to a new
/// revision, agrees with a fresh reading of the reviews (or is reported),
/// and the long lists count up to the cap and say when there are more.
fn kept_decisions_follow_every_review(db: &TestDb) {
    use review::DecisionFilter::{Confirmed, Dismissed, Undecided};
    let mut c = db.conn();
    let a = company(&mut c, "A", Level::Lv2, 1);
    let s1 = upload(&mut c, a, 2024, 'a', &[]);
    let fl = ok(hyoka_model::db::writes::insert_flags(
        &mut c,
        s1,
        &[
            flag(4, Severity::Medium, Some(Points::Zero)),
            flag(5, Severity::Low, Some(Points::One)),
            flag(6, Severity::High, Some(Points::Zero)),
        ],
    ));
    let ids: Vec<i64> = fl.iter().map(|f| f.id).collect();
    assert_eq!(holding(&mut c, Undecided), ids);
    agree(&mut c);

    ok(hyoka_model::db::writes::transition(&mut c, Actor::System, s1, Action::StartReview, None));
    let confirm = Decision::Confirmed { reviewed_score: Points::One };
    ok(hyoka_model::db::writes::decide(&mut c, Actor::System, ids[0], confirm, "一部のみ"));
    ok(hyoka_model::db::writes::decide(&mut c, Actor::System, ids[1], confirm, "未実施"));
    assert_eq!(holding(&mut c, Confirmed), vec![ids[0], ids[1]]);
    // A changed mind: the later decision is the one in force.
    ok(hyoka_model::db::writes::decide(&mut c, Actor::System, ids[1], Decision::Dismissed, "根拠あり"));
    assert_eq!(holding(&mut c, Confirmed), vec![ids[0]]);
    assert_eq!(holding(&mut c, Dismissed), vec![ids[1]]);
    assert_eq!(holding(&mut c, Undecided), vec![ids[2]]);
    let latest = ok(flags::latest_reviews_of(&mut c, &ids));
    assert_eq!(latest.get(&ids[1]).map(|r| r.decision), Some(Decision::Dismissed));
    assert!(!latest.contains_key(&ids[2]));
    agree(&mut c);

    // Returned; a new revision with the same answers: its flags take the
    // decisions over.
    ok(hyoka_model::db::writes::transition(&mut c, Actor::System, s1, Action::Return, Some("項目4を見直してください")));
    let s2 = upload(&mut c, a, 2024, 'b', &[]);
    let fl2 = ok(hyoka_model::db::writes::insert_flags(
        &mut c,
        s2,
        &[flag(4, Severity::Medium, Some(Points::Zero)), flag(5, Severity::Low, Some(Points::One))],
    ));
    // As an upload does it: carried over, then the summary refreshed.
    let carried = ok(hyoka_model::db::write_tx(&mut c, |c| {
        let n = flags::carry_over_in_tx(c, Actor::System, s1, s2)?;
        summaries::refresh_submission_in_tx(c, s2)?;
        Ok::<_, hyoka_model::db::DbError>(n)
    }));
    assert_eq!(carried, 2);
    assert_eq!(holding(&mut c, Confirmed), vec![ids[0], fl2[0].id]);
    assert_eq!(holding(&mut c, Dismissed), vec![ids[1], fl2[1].id]);
    let current = review::FlagFilter { decision: Some(Dismissed), current_only: true, ..Default::default() };
    assert_eq!(
        ok(review::search_flags(&mut c, &current, Start::Offset(0), 50)).0.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![fl2[1].id]
    );
    agree(&mut c);

    // A kept decision that disagrees with the reviews is reported.
    ok(diesel::connection::SimpleConnection::batch_execute(
        &mut c,
        &format!("UPDATE flags SET decision = 'confirmed' WHERE id = {}", ids[1]),
    ));
    let problems = ok(summaries::verify(&mut c));
    assert!(problems.iter().any(|p| p.starts_with(&format!("flag {}: kept decision", ids[1]))), "{problems:?}");
    ok(diesel::connection::SimpleConnection::batch_execute(
        &mut c,
        &format!("UPDATE flags SET review_id = NULL, decision = NULL WHERE id = {}", fl2[0].id),
    ));
    let problems = ok(summaries::verify(&mut c));
    assert!(problems.iter().any(|p| p.starts_with(&format!("flag {}: kept decision None", fl2[0].id))), "{problems:?}");

    // The long lists count up to the cap, then say there are more.
    let total = |c: &mut DbConn| {
        let f = review::FlagFilter { submission_id: Some(s2), ..Default::default() };
        let listed = ok(review::search_flags(c, &f, Start::Offset(0), 10)).1;
        let e = export::FlagExportFilter { include_superseded: true, ..Default::default() };
        let exported = ok(export::flagged_page(c, &e, Start::Offset(0), 10)).1;
        (listed, exported)
    };
    assert_eq!(total(&mut c), (Total::exact(2), Total::exact(5)));
    let more = usize::try_from(COUNT_CAP).unwrap_or_default() - 2;
    let rows: Vec<flags::NewFlag> = (0..more).map(|_| flag(7, Severity::Info, None)).collect();
    ok(hyoka_model::db::write_tx(&mut c, |c| flags::insert_in_tx(c, s2, &rows)));
    assert_eq!(total(&mut c).0, Total::exact(COUNT_CAP), "exactly the cap is still exact");
    assert_eq!(total(&mut c).1, Total { count: COUNT_CAP, capped: true });
    ok(hyoka_model::db::write_tx(&mut c, |c| flags::insert_in_tx(c, s2, &rows[..1])));
    assert_eq!(total(&mut c).0, Total { count: COUNT_CAP, capped: true });
}

/// A flag of `rule` on item `n`.
fn flag_of(n: u16, rule: &str, severity: Severity) -> flags::NewFlag {
    flags::NewFlag { rule: rule.into(), ..flag(n, severity, Some(Points::Zero)) }
}

/// Issue 19: the long lists' kept counts (db::counts) agree with a fresh
/// count after every kind of change: flags added, decided, a changed mind,
/// flags released, a sheet returned and superseded with its decisions
/// carried over, another company's sheet. The fresh count is the sum of the
/// same filter per company, which is never kept.
fn kept_list_counts_follow_every_change(db: &TestDb) {
    use review::DecisionFilter::{Confirmed, Dismissed, Undecided};
    let mut c = db.conn();
    let a = company(&mut c, "A", Level::Lv2, 1);
    let b = company(&mut c, "B", Level::Lv1, 2);
    let year = Some(fy(2024));
    let lists: Vec<review::FlagFilter> = vec![
        review::FlagFilter { fiscal_year: year, ..Default::default() },
        review::FlagFilter { fiscal_year: year, current_only: true, ..Default::default() },
        review::FlagFilter { fiscal_year: year, severity: Some(Severity::Low), ..Default::default() },
        review::FlagFilter { fiscal_year: year, rule: Some("copy".into()), current_only: true, ..Default::default() },
        review::FlagFilter { fiscal_year: year, decision: Some(Undecided), current_only: true, ..Default::default() },
        review::FlagFilter { fiscal_year: year, decision: Some(Confirmed), ..Default::default() },
        review::FlagFilter { fiscal_year: year, decision: Some(Dismissed), ..Default::default() },
        review::FlagFilter { fiscal_year: year, released_only: true, ..Default::default() },
    ];
    let exports: Vec<export::FlagExportFilter> = vec![
        export::FlagExportFilter { fiscal_year: year, ..Default::default() },
        export::FlagExportFilter { fiscal_year: year, include_superseded: true, ..Default::default() },
        export::FlagExportFilter { fiscal_year: year, decision: Some(Undecided), ..Default::default() },
        export::FlagExportFilter { fiscal_year: year, severity: Some(Severity::High), ..Default::default() },
    ];
    let check = |c: &mut DbConn, when: &str| {
        for f in &lists {
            let kept = ok(review::search_flags(c, f, Start::Offset(0), 5)).1;
            let fresh: i64 = [a, b]
                .iter()
                .map(|&id| {
                    let one = review::FlagFilter { company_id: Some(id), ..f.clone() };
                    ok(review::search_flags(c, &one, Start::Offset(0), 5)).1.count
                })
                .sum();
            assert_eq!(kept, Total::exact(fresh), "{when}: flag list {f:?}");
        }
        for f in &exports {
            let kept = ok(export::flagged_page(c, f, Start::Offset(0), 5)).1;
            let fresh: i64 = [a, b]
                .iter()
                .map(|&id| {
                    let one = export::FlagExportFilter { company_id: Some(id), ..f.clone() };
                    ok(export::flagged_page(c, &one, Start::Offset(0), 5)).1.count
                })
                .sum();
            assert_eq!(kept, Total::exact(fresh), "{when}: export {f:?}");
            let by_rule = ok(export::flagged_counts_by_rule(c, f));
            let mut fresh: std::collections::BTreeMap<String, i64> = Default::default();
            for id in [a, b] {
                let one = export::FlagExportFilter { company_id: Some(id), ..f.clone() };
                for (rule, n) in ok(export::flagged_counts_by_rule(c, &one)) {
                    *fresh.entry(rule).or_default() += n;
                }
            }
            let by_rule: std::collections::BTreeMap<String, i64> = by_rule.into_iter().collect();
            assert_eq!(by_rule, fresh, "{when}: counts by rule {f:?}");
        }
    };
    let kept_rows = |c: &mut DbConn| -> i64 {
        use diesel::prelude::*;
        ok(hyoka_model::db::schema::list_counts::table.count().get_result(c))
    };

    let s1 = upload(&mut c, a, 2024, 'a', &[]);
    let severities = [Severity::Info, Severity::Low, Severity::Medium, Severity::High];
    let rows: Vec<flags::NewFlag> = (1..=150)
        .map(|n: u16| {
            flag_of(n, if n.is_multiple_of(3) { "copy" } else { "future_tense" }, severities[usize::from(n % 4)])
        })
        .collect();
    let fl = ok(hyoka_model::db::writes::insert_flags(&mut c, s1, &rows));
    check(&mut c, "flags of A");
    let sb = upload(&mut c, b, 2024, 'b', &[]);
    let rows_b: Vec<flags::NewFlag> = (1..=120).map(|n| flag_of(n, "copy", severities[usize::from(n % 4)])).collect();
    let fb = ok(hyoka_model::db::writes::insert_flags(&mut c, sb, &rows_b));
    check(&mut c, "flags of B");
    assert!(kept_rows(&mut c) >= 3, "the year's large counts are kept");
    // Read twice under one generation: the kept count answers.
    check(&mut c, "nothing changed");

    ok(hyoka_model::db::writes::transition(&mut c, Actor::System, s1, Action::StartReview, None));
    check(&mut c, "A in review");
    let confirm = Decision::Confirmed { reviewed_score: Points::One };
    for f in &fl[..10] {
        ok(hyoka_model::db::writes::decide(&mut c, Actor::System, f.id, confirm, "一部のみ"));
    }
    ok(hyoka_model::db::writes::decide(&mut c, Actor::System, fl[10].id, Decision::Dismissed, "根拠あり"));
    check(&mut c, "decisions on A");
    ok(hyoka_model::db::writes::decide(&mut c, Actor::System, fl[0].id, Decision::Dismissed, "再確認"));
    check(&mut c, "a changed mind");
    ok(review::release_flags(&mut c, Actor::System, sb));
    check(&mut c, "B's flags released");

    // A returned, then a new revision with the same answers takes A's
    // flags and decisions over; the first revision's flags are superseded.
    ok(hyoka_model::db::writes::transition(&mut c, Actor::System, s1, Action::Return, Some("見直してください")));
    check(&mut c, "A returned");
    let s2 = upload(&mut c, a, 2024, 'c', &[]);
    check(&mut c, "A superseded");
    ok(hyoka_model::db::writes::insert_flags(&mut c, s2, &rows));
    ok(hyoka_model::db::write_tx(&mut c, |c| {
        flags::carry_over_in_tx(c, Actor::System, s1, s2)?;
        summaries::refresh_submission_in_tx(c, s2)
    }));
    check(&mut c, "A's decisions carried over");
    // Another year's change leaves this year's kept counts standing.
    let before = ok(hyoka_model::db::counts::generation(&mut c, fy(2024)));
    let s3 = upload(&mut c, b, 2025, 'd', &[]);
    ok(hyoka_model::db::writes::insert_flags(&mut c, s3, &rows_b[..3]));
    assert_eq!(ok(hyoka_model::db::counts::generation(&mut c, fy(2024))), before);
    check(&mut c, "another year");
    assert_eq!(fb.len(), 120);
}

/// Issue 19: a year's collection keeps the companies asked and those with a
/// sheet; one that asks every company keeps them all, as a year without a
/// collection does (the overview then pages the code index alone). Both
/// orders and the count agree across the change.
fn a_collection_of_everyone_lists_what_no_collection_lists(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "A", Level::Lv1, 1);
    let b = company(&mut c, "B", Level::Lv1, 1);
    let z = company(&mut c, "Z", Level::Lv2, 1);
    upload(&mut c, a, 2025, 'a', &[]);
    let listed = |c: &mut DbConn, order: dashboards::Order| -> (Vec<i64>, i64) {
        let filter = dashboards::CompanyFilter::default();
        let (lines, total, _) = ok(dashboards::overview(c, fy(2025), &filter, order, 0, 10));
        (lines.iter().map(|l| l.company.id).collect(), total)
    };
    assert_eq!(listed(&mut c, dashboards::Order::Code), (vec![a, b, z], 3), "no collection: every company");
    assert_eq!(ok(collections::newest_year(&mut c)), None);
    assert_eq!(ok(collections::latest_deadline(&mut c, fy(2025))), None);
    assert_eq!(ok(summaries::asked_count(&mut c, fy(2025))), None, "no collection: nobody asked");
    let opened = collections::NewCollection {
        fiscal_year: fy(2025),
        title: "2025年度".into(),
        deadline: chrono::NaiveDate::from_ymd_opt(2025, 8, 31).unwrap_or_default(),
        message: None,
        members: vec![(b, None)],
    };
    let col = ok(hyoka_model::db::writes::open_collection(&mut c, Actor::System, &opened));
    assert_eq!(listed(&mut c, dashboards::Order::Code), (vec![a, b], 2), "A has a sheet, B is asked, Z neither");
    // The pages' year and deadline come without the members.
    assert_eq!(ok(collections::newest_year(&mut c)), Some(fy(2025)));
    assert_eq!(ok(collections::latest_deadline(&mut c, fy(2025))), Some(opened.deadline));
    assert_eq!(ok(collections::latest_deadline(&mut c, fy(2024))), None, "no collection that year");
    assert_eq!(ok(summaries::asked_count(&mut c, fy(2025))), Some(1));
    assert_eq!(ok(summaries::asked_count(&mut c, fy(2024))), None);
    assert_eq!(ok(summaries::verify(&mut c)), Vec::<String>::new());
    let everyone = collections::CollectionChanges {
        title: None,
        deadline: None,
        message: None,
        upsert_members: vec![(a, None), (z, None)],
        remove_members: vec![],
    };
    ok(hyoka_model::db::writes::update_collection(&mut c, Actor::System, col.id, &everyone));
    assert_eq!(listed(&mut c, dashboards::Order::Code), (vec![a, b, z], 3), "everyone asked");
    assert_eq!(listed(&mut c, dashboards::Order::Risk).1, 3);
    assert_eq!(ok(summaries::asked_count(&mut c, fy(2025))), Some(3));
    // A company's list of collections carries its own membership alone.
    let (own, n) = ok(collections::list(&mut c, Some(z), 0, 10));
    assert_eq!((own.len(), n), (1, 1));
    assert_eq!(own[0].members.iter().map(|m| (m.company_id, m.target_level)).collect::<Vec<_>>(), [(z, Level::Lv2)]);
    assert_eq!(ok(collections::get(&mut c, col.id)).members.len(), 3, "the collection itself has all three");
    // A company registered after the collection opened is not asked.
    let late = company(&mut c, "Y", Level::Lv1, 1);
    assert_eq!(listed(&mut c, dashboards::Order::Code), (vec![a, b, z], 3), "Y was not asked: {late}");
    let fewer = collections::CollectionChanges { remove_members: vec![b, z], ..Default::default() };
    ok(hyoka_model::db::writes::update_collection(&mut c, Actor::System, col.id, &fewer));
    assert_eq!(ok(summaries::asked_count(&mut c, fy(2025))), Some(1));
    assert_eq!(listed(&mut c, dashboards::Order::Code), (vec![a], 1), "A has a sheet and is asked");
    assert_eq!(ok(summaries::verify(&mut c)), Vec::<String>::new());
    // The count is backfilled on upgrade over a collection opened before it
    // was kept, and a wrong one is told.
    assert_eq!(ok(hyoka_model::db::conn::revert_last(&mut c, 1)), 1);
    assert_eq!(ok(summaries::asked_count(&mut c, fy(2025))), None, "gone after down");
    drop(c);
    ok(hyoka_model::db::migrate(&db.url));
    let mut c = db.conn();
    assert_eq!(ok(summaries::asked_count(&mut c, fy(2025))), Some(1), "backfilled");
    assert_eq!(listed(&mut c, dashboards::Order::Code), (vec![a], 1));
    {
        use diesel::prelude::*;
        use hyoka_model::db::schema::group_counts as g;
        ok(diesel::update(g::table.find("asked:2025")).set(g::value.eq(7_i64)).execute(&mut c));
    }
    let problems = ok(summaries::verify(&mut c));
    assert!(problems.iter().any(|p| p.starts_with("asked:2025")), "{problems:?}");
}

/// Issue 19: an upgrade over reviews made before migration 000018 keeps
/// each flag's decision in force on its row, as the writers would have:
/// the four newest migrations reverted with the data in place, then
/// migrated again.
fn the_kept_decision_is_backfilled_on_upgrade(db: &TestDb) {
    use diesel::prelude::*;
    use hyoka_model::db::schema::flags as f;
    let mut c = db.conn();
    let a = company(&mut c, "A", Level::Lv2, 1);
    let s1 = upload(&mut c, a, 2024, 'a', &[]);
    let fl = ok(hyoka_model::db::writes::insert_flags(
        &mut c,
        s1,
        &[flag(4, Severity::Medium, Some(Points::Zero)), flag(5, Severity::Low, None), flag(6, Severity::High, None)],
    ));
    ok(hyoka_model::db::writes::transition(&mut c, Actor::System, s1, Action::StartReview, None));
    let confirm = Decision::Confirmed { reviewed_score: Points::One };
    ok(hyoka_model::db::writes::decide(&mut c, Actor::System, fl[0].id, confirm, "一部のみ"));
    ok(hyoka_model::db::writes::decide(&mut c, Actor::System, fl[1].id, confirm, "未実施"));
    ok(hyoka_model::db::writes::decide(&mut c, Actor::System, fl[1].id, Decision::Dismissed, "根拠あり"));
    let kept = |c: &mut DbConn| -> Vec<(i64, Option<i64>, Option<String>)> {
        ok(f::table.order(f::id).select((f::id, f::review_id, f::decision)).load(c))
    };
    let before = kept(&mut c);
    assert_eq!(before.iter().filter_map(|r| r.2.as_deref()).collect::<Vec<_>>(), ["confirmed", "dismissed"]);
    assert_eq!(ok(hyoka_model::db::conn::revert_last(&mut c, 4)), 4);
    assert!(f::table.select(f::decision).load::<Option<String>>(&mut c).is_err(), "the column is gone after down");
    drop(c);
    ok(hyoka_model::db::migrate(&db.url));
    let mut c = db.conn();
    assert_eq!(kept(&mut c), before);
    agree(&mut c);
}

both_backends!(
    figures_follow_uploads_flags_decisions_and_moves,
    departments_merge_item_by_item,
    queue_follows_risk_and_business_impact,
    kept_queue_counts_follow_every_move,
    kept_decisions_follow_every_review,
    kept_list_counts_follow_every_change,
    a_collection_of_everyone_lists_what_no_collection_lists,
    the_kept_decision_is_backfilled_on_upgrade
);
