//! SCS readiness on SQLite and PostgreSQL, computed by hand for small sheets
//! on every basis, and who may see which basis.

use hyoka_model::both_backends;
use hyoka_model::catalog::Catalog;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::{DbConn, companies, flags, submissions, writes};
use hyoka_model::domain::{
    Decision, Evaluation, FiscalYear, FlagTarget, ImpactTier, ItemNumber, Level, Points, Role, Severity,
};
use hyoka_model::scs::{Basis, Counts, Mapping, Readiness, Star, Status};
use hyoka_model::sheet::Answer;
use hyoka_model::workflow::Actor;
use hyoka_service::ServiceError;
use hyoka_service::access::Access;
use hyoka_service::scs;

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn fy() -> FiscalYear {
    ok(FiscalYear::new(2025))
}

fn item(n: u16) -> ItemNumber {
    ok(ItemNumber::new(n))
}

fn mapping() -> Mapping {
    ok(Mapping::builtin(&ok(Catalog::builtin())))
}

fn company(c: &mut DbConn, code: &str) -> i64 {
    let new = companies::NewCompany {
        code: code.into(),
        name: format!("{code} 株式会社"),
        industry: None,
        target_level: Level::Lv2,
        impact_tier: ok(ImpactTier::new(3)),
        is_demo: false,
    };
    ok(writes::create_company(c, Actor::System, &new)).id
}

/// A sheet of 153 answers, all 2 except the ones given.
fn upload(c: &mut DbConn, company_id: i64, overrides: &[(u16, Evaluation)]) -> i64 {
    let answers = (1..=153)
        .map(|n| Answer {
            item: item(n),
            level: Level::Lv1,
            evaluation: overrides.iter().find(|o| o.0 == n).map_or(Evaluation::DONE, |o| o.1),
            evidence: format!("No.{n} 規程を制定済"),
            responsible_area: None,
            source_cell: None,
        })
        .collect();
    let new = submissions::NewSubmission {
        company_id,
        fiscal_year: fy(),
        department_id: None,
        framework_id: "jama-japia-2.3".into(),
        source_filename: "sheet.xlsx".into(),
        source_sha256: format!("{company_id:032}{:032}", overrides.len()),
        answered_on: None,
        respondent: None,
        answers,
    };
    ok(writes::store_submission(c, Actor::System, &new)).submission().id
}

fn low_flag(n: u16) -> flags::NewFlag {
    flags::NewFlag {
        target: FlagTarget::Item(item(n)),
        rule: "future_tense".into(),
        severity: Severity::Low,
        claimed: Evaluation::DONE,
        suggested: Some(Points::Zero),
        reason_ja: "予定".into(),
        reason_en: "plan".into(),
        detector_version: "test".into(),
        config_hash: "0".repeat(64),
    }
}

fn parent() -> Access {
    Access::new(Actor::User { id: 1, role: Role::Reviewer, company_id: None }, false)
}

fn subsidiary(company_id: i64) -> Access {
    Access::new(Actor::User { id: 2, role: Role::Subsidiary, company_id: Some(company_id) }, false)
}

fn counts(c: &mut DbConn, a: &Access, company_id: i64, basis: Basis) -> Readiness {
    ok(scs::counts(c, a, &mapping(), company_id, fy(), basis))
}

/// The ★3 and ★3+★4 counts when exactly the criteria citing `zero` are not
/// at 2 (`zero = None`: an all-2 sheet). Counted here from the mapping's
/// data, item by item: 1 cited item → not met, several → partly.
fn expected(zero: Option<u16>) -> Readiness {
    let m = mapping();
    let mut r = Readiness::default();
    for c in &m.criteria {
        let status = match (c.jama.len(), zero.is_some_and(|z| c.jama.iter().any(|j| j.item.get() == z))) {
            (0, _) => Status::NotCovered,
            (_, false) => Status::Met,
            (1, true) => Status::NotMet,
            (_, true) => Status::Partly,
        };
        let add = |k: &mut Counts| match status {
            Status::Met => k.met += 1,
            Status::Partly => k.partly += 1,
            Status::NotMet => k.not_met += 1,
            Status::NotCovered => k.not_covered += 1,
        };
        if c.star == Star::Three {
            add(&mut r.star3);
        }
        add(&mut r.star4);
    }
    r
}

fn all_two_sheet_is_fully_ready_on_every_basis(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "A");
    upload(&mut c, a, &[]);
    // METI's table: 153 criteria, 142 of them citing JAMA items; 81 are ★3.
    let want = expected(None);
    assert_eq!(want.star4, Counts { met: 142, partly: 0, not_met: 0, not_covered: 11 });
    assert_eq!(want.star3.met + want.star3.not_covered, 81);
    for basis in Basis::ALL {
        let r = counts(&mut c, &parent(), a, basis);
        assert_eq!(r, want, "{basis:?}");
        assert_eq!(r.star3.readiness(), Some(1.0));
    }
}

fn one_item_at_zero_lowers_exactly_its_criteria(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "A");
    // No.10 at 0: criterion 1-1-1-1 cites No.9 and No.10, so it is partly met.
    upload(&mut c, a, &[(10, Evaluation::NOT_DONE)]);
    let want = expected(Some(10));
    assert!(want.star4.met < 142);
    for basis in Basis::ALL {
        assert_eq!(counts(&mut c, &parent(), a, basis), want, "{basis:?}");
    }
    let r = ok(scs::readiness(&mut c, &parent(), &mapping(), a, fy(), Basis::Claimed));
    let row = &r.criteria[0];
    assert_eq!((row.id.as_str(), row.status, row.star), ("1-1-1-1", Status::Partly, Star::Four));
    assert_eq!(
        row.items.iter().map(|i| (i.item, i.claimed)).collect::<Vec<_>>(),
        vec![(9, Some(Evaluation::DONE)), (10, Some(Evaluation::NOT_DONE))]
    );
    assert_eq!(row.items[1].evidence, "No.10 規程を制定済");
    assert_eq!(row.iso27001, vec!["4.1", "4.2", "A.5.31"]);
    // Every criterion not citing No.10 is met (or not covered).
    for row in &r.criteria {
        let cites = row.items.iter().any(|i| i.item == 10);
        assert_eq!(row.status == Status::Met, !cites && !row.items.is_empty(), "{}", row.id);
    }
}

fn a_confirmed_review_moves_reviewed_and_estimated_only(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "A");
    let s = upload(&mut c, a, &[]);
    // A low flag never changes the estimate: every basis still all-2.
    let fl = ok(writes::insert_flags(&mut c, s, &[low_flag(10)]));
    for basis in Basis::ALL {
        assert_eq!(counts(&mut c, &parent(), a, basis), expected(None), "{basis:?}");
    }
    ok(writes::decide(&mut c, Actor::System, fl[0].id, Decision::Confirmed { reviewed_score: Points::Zero }, "無し"));
    assert_eq!(counts(&mut c, &parent(), a, Basis::Claimed), expected(None));
    assert_eq!(counts(&mut c, &parent(), a, Basis::Reviewed), expected(Some(10)));
    assert_eq!(counts(&mut c, &parent(), a, Basis::Estimated), expected(Some(10)));
    let r = ok(scs::readiness(&mut c, &parent(), &mapping(), a, fy(), Basis::Estimated));
    let cited = &r.criteria[0].items[1];
    assert_eq!((cited.claimed, cited.estimated), (Some(Evaluation::DONE), Some(Evaluation::NOT_DONE)));
    assert_eq!(cited.flags.len(), 1);
    assert_eq!((cited.flags[0].rule.as_str(), cited.flags[0].decision), ("future_tense", Some("confirmed")));
}

fn a_subsidiary_sees_its_own_company_and_findings_once_released(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "A");
    let b = company(&mut c, "B");
    let s = upload(&mut c, a, &[]);
    upload(&mut c, b, &[]);
    ok(writes::insert_flags(&mut c, s, &[low_flag(10)]));
    let sub = subsidiary(a);
    // Another company: not found, on every basis.
    for basis in Basis::ALL {
        assert!(matches!(scs::counts(&mut c, &sub, &mapping(), b, fy(), basis), Err(ServiceError::NotFound(_))));
    }
    // Its own: as claimed, yes; estimated and reviewed only once released.
    assert_eq!(counts(&mut c, &sub, a, Basis::Claimed), expected(None));
    let r = ok(scs::readiness(&mut c, &sub, &mapping(), a, fy(), Basis::Claimed));
    assert!(r.criteria[0].items[1].flags.is_empty(), "unreleased flags are hidden");
    assert_eq!(r.criteria[0].items[1].estimated, None);
    for basis in [Basis::Estimated, Basis::Reviewed] {
        assert!(matches!(scs::counts(&mut c, &sub, &mapping(), a, fy(), basis), Err(ServiceError::Forbidden(_))));
    }
    ok(hyoka_model::db::review::release_flags(&mut c, Actor::System, s));
    assert_eq!(counts(&mut c, &sub, a, Basis::Estimated), expected(None));
    let r = ok(scs::readiness(&mut c, &sub, &mapping(), a, fy(), Basis::Estimated));
    assert_eq!(r.criteria[0].items[1].flags.len(), 1);
    // The group view is the parent's.
    assert!(matches!(scs::group(&mut c, &sub, &mapping(), fy(), page()), Err(ServiceError::Forbidden(_))));
}

fn page() -> scs::GroupPage {
    scs::GroupPage { offset: 0, limit: 100, closest: 10 }
}

fn group_view_orders_companies_and_criteria(db: &TestDb) {
    let mut c = db.conn();
    let a = company(&mut c, "A");
    let b = company(&mut c, "B");
    let d = company(&mut c, "C");
    upload(&mut c, a, &[]);
    upload(&mut c, b, &[(10, Evaluation::NOT_DONE)]);
    // C misses No.10 and No.1.
    upload(&mut c, d, &[(10, Evaluation::NOT_DONE), (1, Evaluation::NOT_DONE)]);
    let m = mapping();
    let g = ok(scs::group(&mut c, &parent(), &m, fy(), page()));
    let codes = |ls: &[scs::GroupLine]| ls.iter().map(|l| l.code.clone()).collect::<Vec<_>>();
    let star3_cites = |n: u16| {
        m.criteria.iter().filter(|c| c.star == Star::Three && c.jama.iter().any(|j| j.item.get() == n)).count()
    };
    assert_eq!(codes(&g.companies), ["A", "B", "C"]);
    assert_eq!(g.companies[0].estimated, expected(None));
    assert_eq!(g.companies[1].estimated, expected(Some(10)));
    // Closest to ★3: only those with a ★3 criterion missing. No.10 is cited
    // by ★4 criteria only (B is ★3-ready); No.1 by one ★3 criterion.
    assert_eq!((star3_cites(10), star3_cites(1)), (0, 1));
    assert_eq!(codes(&g.closest), ["C"]);
    assert_eq!(g.closest[0].estimated.star3.missing(), 1);
    assert_eq!(g.companies[1].estimated.star3.readiness(), Some(1.0));
    // The criteria citing No.10 are missed by two companies, first.
    let by10 = m.criteria.iter().filter(|c| c.jama.iter().any(|j| j.item.get() == 10)).count();
    assert!(g.most_missed.iter().take(by10).all(|gap| gap.companies == 2));
    assert_eq!(g.most_missed[0].id, "1-1-1-1");
    // What the summaries keep gives what every summary computed gives.
    assert_eq!(g, ok(scs::group_computed(&mut c, &m, fy(), page())));
    assert_eq!(g.total, 3);
    // Paged: the second company alone, the rest of the view unchanged.
    let second = ok(scs::group(&mut c, &parent(), &m, fy(), scs::GroupPage { offset: 1, limit: 1, closest: 10 }));
    assert_eq!((codes(&second.companies), second.total), (vec!["B".to_owned()], 3));
    assert_eq!((&second.most_missed, &second.closest), (&g.most_missed, &g.closest));
    // After a flag, a confirmed review and a new revision, the kept figures
    // still equal a fresh computation, and verify finds nothing.
    let s = upload(&mut c, a, &[(1, Evaluation::NOT_DONE)]);
    let fl = ok(writes::insert_flags(&mut c, s, &[low_flag(9)]));
    ok(writes::decide(&mut c, Actor::System, fl[0].id, Decision::Confirmed { reviewed_score: Points::Zero }, "無し"));
    let g = ok(scs::group(&mut c, &parent(), &m, fy(), page()));
    assert_eq!(g, ok(scs::group_computed(&mut c, &m, fy(), page())));
    let mut near = codes(&g.closest);
    near.sort();
    assert_eq!(near, ["A", "C"]);
    assert_eq!(ok(hyoka_model::db::summaries::verify(&mut c)), Vec::<String>::new());
}

both_backends!(
    all_two_sheet_is_fully_ready_on_every_basis,
    one_item_at_zero_lowers_exactly_its_criteria,
    a_confirmed_review_moves_reviewed_and_estimated_only,
    a_subsidiary_sees_its_own_company_and_findings_once_released,
    group_view_orders_companies_and_criteria
);
