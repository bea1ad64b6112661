//! Storage: every entity created, read, updated and listed on SQLite and on
//! PostgreSQL with the same assertions; immutability of answers and the
//! audit log; migrations down and up again; concurrent uploads.

use diesel::connection::SimpleConnection;
use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::{DbConn, DbError, audit, companies, flags, integrity, submissions, users};
use hyoka_model::domain::{
    Decision, Evaluation, FiscalYear, FlagTarget, ImpactTier, ItemNumber, Level, Points, Role, Severity,
};
use hyoka_model::scoring::{self, ConfirmedScore};
use hyoka_model::sheet::Answer;
use hyoka_model::workflow::{Action, Actor, SubmissionStatus, WorkflowError};

const FW: &str = "jama-japia-2.3";

fn fy(y: i32) -> FiscalYear {
    FiscalYear::new(y).unwrap_or_else(|e| panic!("{e}"))
}

fn item(n: u16) -> ItemNumber {
    ItemNumber::new(n).unwrap_or_else(|e| panic!("{e}"))
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn new_company(code: &str, name: &str) -> companies::NewCompany {
    companies::NewCompany {
        code: code.into(),
        name: name.into(),
        industry: Some("部品製造".into()),
        target_level: Level::Lv2,
        impact_tier: ok(ImpactTier::new(2)),
        is_demo: false,
    }
}

/// 153 answers: every item 2 with evidence, except the ones given.
fn answers(overrides: &[(u16, Evaluation, &str)]) -> Vec<Answer> {
    (1..=153)
        .map(|n| {
            let (evaluation, evidence) = overrides
                .iter()
                .find(|o| o.0 == n)
                .map(|o| (o.1, o.2.to_owned()))
                .unwrap_or((Evaluation::DONE, format!("No.{n} の規程を2021年4月に制定済")));
            Answer {
                item: item(n),
                level: if n % 3 == 0 { Level::Lv2 } else { Level::Lv1 },
                evaluation,
                evidence,
                responsible_area: Some("IT".into()),
                source_cell: Some(format!("チェックシート!M{}", n + 8)),
            }
        })
        .collect()
}

fn sheet(company_id: i64, year: i32, sha: char, answers: Vec<Answer>) -> submissions::NewSubmission {
    submissions::NewSubmission {
        company_id,
        fiscal_year: fy(year),
        department_id: None,
        framework_id: FW.into(),
        source_filename: "チェックシート.xlsx".into(),
        source_sha256: sha.to_string().repeat(64),
        answered_on: chrono::NaiveDate::from_ymd_opt(2024, 6, 30),
        respondent: Some("情報システム課".into()),
        answers,
    }
}

fn created(s: submissions::Stored) -> submissions::Submission {
    match s {
        submissions::Stored::Created { submission, .. } => submission,
        submissions::Stored::Unchanged(s) => {
            panic!("expected a new revision, got unchanged {}", s.id)
        }
    }
}

fn companies_are_created_read_updated_and_listed(db: &TestDb) {
    let mut c = db.conn();
    let a =
        ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "株式会社 東海精密")));
    let b = ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C002", "北陸樹脂工業")));
    assert_eq!(ok(companies::get(&mut c, a.id)), a);
    assert_eq!(ok(companies::by_code(&mut c, " C001 ")), Some(a.clone()));
    assert_eq!(ok(companies::by_name(&mut c, "(株)東海精密")), vec![a.clone()]);
    assert_eq!(ok(companies::list(&mut c)), vec![a.clone(), b.clone()]);
    let dup = hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "別会社"));
    assert!(matches!(dup, Err(DbError::Invalid(ref m)) if m.contains("C001")), "{dup:?}");

    let changes = companies::CompanyChanges {
        name: Some("東海精密工業株式会社".into()),
        target_level: Some(Level::Lv3),
        ..Default::default()
    };
    let a2 = ok(hyoka_model::db::writes::update_company(&mut c, Actor::System, a.id, &changes));
    assert_eq!(
        (a2.name.as_str(), a2.target_level, a2.industry.as_deref()),
        ("東海精密工業株式会社", Level::Lv3, Some("部品製造"))
    );
    assert_eq!(ok(companies::by_name(&mut c, "東海精密工業")), vec![a2.clone()]);
    assert_eq!(ok(companies::count_non_demo(&mut c)), 2);

    let y = companies::CompanyYear { company_id: a.id, fiscal_year: fy(2024), employees: Some(35), it_staff: Some(1) };
    ok(companies::set_year(&mut c, Actor::System, &y));
    let y2 = companies::CompanyYear { employees: Some(38), ..y };
    ok(companies::set_year(&mut c, Actor::System, &y2));
    ok(companies::set_year(&mut c, Actor::System, &companies::CompanyYear { fiscal_year: fy(2023), ..y }));
    assert_eq!(ok(companies::year_of(&mut c, a.id, fy(2024))), Some(y2));
    assert_eq!(
        ok(companies::years_of(&mut c, a.id)).iter().map(|y| y.fiscal_year.get()).collect::<Vec<_>>(),
        [2023, 2024]
    );

    let d1 = ok(companies::department(&mut c, Actor::System, a.id, "製造部"));
    let d1_again = ok(companies::department(&mut c, Actor::System, a.id, "製造部"));
    let d2 = ok(companies::department(&mut c, Actor::System, a.id, "営業部"));
    assert_eq!(d1, d1_again);
    assert_eq!(ok(companies::departments_of(&mut c, a.id)), vec![d2, d1]);
}

fn users_are_bound_to_their_company_by_role(db: &TestDb) {
    let mut c = db.conn();
    let co = ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "東海精密")));
    let mk = |login: &str, account| users::NewUser {
        login: login.into(),
        display_name: format!("{login} さん"),
        account,
        password_hash: Some(users::PasswordHash("$argon2id$fake".into())),
    };
    let admin = ok(users::create(&mut c, Actor::System, &mk("admin", users::Account::Admin)));
    let sub = ok(users::create(&mut c, admin.actor(), &mk("ｔｏｋａｉ", users::Account::Subsidiary(co.id))));
    assert_eq!(sub.login, "tokai", "logins are NFKC-normalised");
    assert_eq!(sub.actor(), Actor::User { id: sub.id, role: Role::Subsidiary, company_id: Some(co.id) });
    assert!(users::create(&mut c, Actor::System, &mk("tokai", users::Account::Auditor)).is_err());
    assert!(users::create(&mut c, Actor::System, &mk("ghost", users::Account::Subsidiary(9999))).is_err());
    assert_eq!(ok(users::by_login(&mut c, "TOKAI".to_lowercase().as_str())), Some(sub.clone()));
    assert_eq!(ok(users::get(&mut c, admin.id)), admin);
    assert_eq!(ok(users::password_hash(&mut c, sub.id)), Some(users::PasswordHash("$argon2id$fake".into())));
    let upd =
        ok(users::update(&mut c, admin.actor(), sub.id, Some("東海 太郎"), Some(users::Account::Auditor), Some(true)));
    assert_eq!((upd.display_name.as_str(), upd.account, upd.disabled), ("東海 太郎", users::Account::Auditor, true));
    ok(users::set_password(&mut c, admin.actor(), sub.id, &users::PasswordHash("$argon2id$new".into())));
    assert_eq!(ok(users::list(&mut c)).len(), 2);
    // The CHECK constraint backs the type: an admin bound to a company is refused.
    let raw = c.batch_execute(&format!("UPDATE users SET company_id = {} WHERE id = {}", co.id, admin.id));
    assert!(raw.is_err(), "an admin bound to a company must be refused");
    assert!(format!("{:?}", users::PasswordHash("secret".into())).contains("***"));
}

fn a_sheet_is_stored_whole_and_revisions_keep_one_current(db: &TestDb) {
    let mut c = db.conn();
    let co = ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "東海精密")));
    let first = answers(&[(9, Evaluation::DONE, "情報セキュリティ規程を2020年に制定")]);
    let s1 = created(ok(hyoka_model::db::writes::store_submission(
        &mut c,
        Actor::System,
        &sheet(co.id, 2024, 'a', first.clone()),
    )));
    assert_eq!((s1.revision, s1.status, s1.is_current), (1, SubmissionStatus::Submitted, true));
    assert_eq!(ok(submissions::get(&mut c, s1.id)), s1);
    assert_eq!(ok(submissions::answers_of(&mut c, s1.id)), first);

    // The identical file again: nothing changes.
    let again =
        ok(hyoka_model::db::writes::store_submission(&mut c, Actor::System, &sheet(co.id, 2024, 'a', first.clone())));
    assert_eq!(again, submissions::Stored::Unchanged(s1.clone()));
    assert_eq!(ok(submissions::count(&mut c)), 1);

    // A changed file becomes revision 2; revision 1 is kept, superseded.
    let second = answers(&[(9, Evaluation::IN_PROGRESS, "規程は制定済。教育は2025年度に実施予定")]);
    let s2 =
        created(ok(hyoka_model::db::writes::store_submission(&mut c, Actor::System, &sheet(co.id, 2024, 'b', second))));
    assert_eq!((s2.revision, s2.is_current), (2, true));
    let old = ok(submissions::get(&mut c, s1.id));
    assert_eq!((old.status, old.is_current), (SubmissionStatus::Superseded, false));
    assert_eq!(ok(submissions::current(&mut c, co.id, fy(2024), None)).map(|s| s.id), Some(s2.id));
    assert_eq!(ok(submissions::revisions(&mut c, co.id, fy(2024), None)).len(), 2);
    let all = ok(submissions::list(&mut c, &submissions::SubmissionFilter::default(), 0, 10));
    assert_eq!(all.iter().map(|s| s.revision).collect::<Vec<_>>(), [2, 1]);
    let current =
        submissions::SubmissionFilter { current_only: true, fiscal_year: Some(fy(2024)), ..Default::default() };
    assert_eq!(ok(submissions::list(&mut c, &current, 0, 10)).len(), 1);

    // Departments have their own revisions.
    let dept = ok(companies::department(&mut c, Actor::System, co.id, "製造部"));
    let mut per_dept = sheet(co.id, 2024, 'c', answers(&[]));
    per_dept.department_id = Some(dept.id);
    assert_eq!(created(ok(hyoka_model::db::writes::store_submission(&mut c, Actor::System, &per_dept))).revision, 1);
    assert!(ok(integrity::check(&mut c)).is_empty());
}

fn a_bad_sheet_stores_nothing(db: &TestDb) {
    let mut c = db.conn();
    let co = ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "東海精密")));
    let before = ok(audit::list(&mut c, 0, 1000)).len();
    let mut short = answers(&[]);
    short.pop();
    let mut duplicated = answers(&[]);
    duplicated[5].item = item(5);
    let mut sha = sheet(co.id, 2024, 'a', answers(&[]));
    sha.source_sha256 = "xyz".into();
    for bad in
        [sheet(co.id, 2024, 'a', short), sheet(co.id, 2024, 'a', duplicated), sha, sheet(9999, 2024, 'a', answers(&[]))]
    {
        assert!(hyoka_model::db::writes::store_submission(&mut c, Actor::System, &bad).is_err());
    }
    let other = Actor::User { id: 1, role: Role::Subsidiary, company_id: Some(co.id + 1) };
    let err = hyoka_model::db::writes::store_submission(&mut c, other, &sheet(co.id, 2024, 'a', answers(&[])));
    assert!(matches!(err, Err(DbError::Forbidden(_))), "{err:?}");
    assert_eq!(ok(submissions::count(&mut c)), 0);
    assert_eq!(ok(audit::list(&mut c, 0, 1000)).len(), before);
}

fn answers_and_audit_events_cannot_be_changed(db: &TestDb) {
    let mut c = db.conn();
    let co = ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "東海精密")));
    let s = created(ok(hyoka_model::db::writes::store_submission(
        &mut c,
        Actor::System,
        &sheet(co.id, 2024, 'a', answers(&[])),
    )));
    for sql in [
        format!("UPDATE answers SET evaluation = '0' WHERE submission_id = {}", s.id),
        format!("DELETE FROM answers WHERE submission_id = {}", s.id),
        "UPDATE audit_events SET actor = 'mallory'".to_owned(),
        "DELETE FROM audit_events".to_owned(),
    ] {
        let r = c.batch_execute(&sql);
        assert!(r.is_err(), "{sql} must be refused");
    }
    assert_eq!(ok(submissions::answers_of(&mut c, s.id)).len(), 153);
    assert!(matches!(ok(audit::verify(&mut c)), Ok(n) if n >= 2));
}

fn a_tampered_audit_entry_is_reported(db: &TestDb) {
    let mut c = db.conn();
    for code in ["C001", "C002", "C003"] {
        ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company(code, code)));
    }
    let events = ok(audit::list(&mut c, 0, 100));
    assert_eq!(events.len(), 3);
    let target = events[1].id;
    // Someone with direct database access switches the trigger off and edits.
    let disable = match &c {
        DbConn::Sqlite(_) => "DROP TRIGGER audit_events_immutable_update",
        DbConn::Pg(_) => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable_update",
    };
    ok(c.batch_execute(disable));
    ok(c.batch_execute(&format!("UPDATE audit_events SET after_json = '{{}}' WHERE id = {target}")));
    let broken = ok(audit::verify(&mut c)).err();
    assert_eq!(broken.map(|b| b.id), Some(target));
    assert!(ok(integrity::check(&mut c)).iter().any(|p| p.contains("audit log broken")));
}

fn the_workflow_moves_and_refuses_by_the_table(db: &TestDb) {
    let mut c = db.conn();
    let co = ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "東海精密")));
    let other = ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C002", "北陸樹脂")));
    let reviewer = ok(users::create(
        &mut c,
        Actor::System,
        &users::NewUser {
            login: "rev".into(),
            display_name: "Reviewer".into(),
            account: users::Account::Reviewer,
            password_hash: None,
        },
    ));
    let sub_user = ok(users::create(
        &mut c,
        Actor::System,
        &users::NewUser {
            login: "sub".into(),
            display_name: "Sub".into(),
            account: users::Account::Subsidiary(co.id),
            password_hash: None,
        },
    ));
    let outsider = Actor::User { id: sub_user.id, role: Role::Subsidiary, company_id: Some(other.id) };
    let s1 = created(ok(hyoka_model::db::writes::store_submission(
        &mut c,
        sub_user.actor(),
        &sheet(co.id, 2024, 'a', answers(&[])),
    )));
    assert_eq!(s1.uploaded_by, Some(sub_user.id));

    let refused = hyoka_model::db::writes::transition(&mut c, sub_user.actor(), s1.id, Action::StartReview, None);
    assert!(matches!(refused, Err(DbError::Workflow(WorkflowError::Forbidden { .. }))), "{refused:?}");
    let s = ok(hyoka_model::db::writes::transition(&mut c, reviewer.actor(), s1.id, Action::StartReview, None));
    assert_eq!(s.status, SubmissionStatus::InReview);
    // A subsidiary cannot replace a sheet under review.
    let during =
        hyoka_model::db::writes::store_submission(&mut c, sub_user.actor(), &sheet(co.id, 2024, 'b', answers(&[])));
    assert!(matches!(during, Err(DbError::Workflow(WorkflowError::NotAllowed { .. }))), "{during:?}");
    let no_msg = hyoka_model::db::writes::transition(&mut c, reviewer.actor(), s1.id, Action::Return, Some(" "));
    assert!(matches!(no_msg, Err(DbError::Workflow(WorkflowError::MessageRequired))));
    let s = ok(hyoka_model::db::writes::transition(
        &mut c,
        reviewer.actor(),
        s1.id,
        Action::Return,
        Some("No.9 の教育実績を追記してください"),
    ));
    assert_eq!(s.status, SubmissionStatus::Returned);
    let from_outsider =
        hyoka_model::db::writes::store_submission(&mut c, outsider, &sheet(co.id, 2024, 'b', answers(&[])));
    assert!(from_outsider.is_err());
    let s2 = created(ok(hyoka_model::db::writes::store_submission(
        &mut c,
        sub_user.actor(),
        &sheet(co.id, 2024, 'b', answers(&[])),
    )));
    assert_eq!((s2.revision, s2.status), (2, SubmissionStatus::Submitted));
    assert_eq!(ok(submissions::get(&mut c, s1.id)).status, SubmissionStatus::Superseded);
    ok(hyoka_model::db::writes::transition(&mut c, reviewer.actor(), s2.id, Action::StartReview, None));
    let done = ok(hyoka_model::db::writes::transition(&mut c, reviewer.actor(), s2.id, Action::Accept, None));
    assert_eq!(done.status, SubmissionStatus::Accepted);
    let again = hyoka_model::db::writes::transition(&mut c, reviewer.actor(), s2.id, Action::Accept, None);
    assert!(matches!(again, Err(DbError::Workflow(WorkflowError::NotAllowed { .. }))));

    let moves: Vec<_> =
        ok(submissions::transitions_of(&mut c, s1.id)).into_iter().map(|t| (t.action, t.to_status)).collect();
    assert_eq!(
        moves,
        [
            ("start_review".to_owned(), "in_review".to_owned()),
            ("return".to_owned(), "returned".to_owned()),
            ("supersede".to_owned(), "superseded".to_owned()),
        ]
    );
    let returned = &ok(submissions::transitions_of(&mut c, s1.id))[1];
    assert_eq!(returned.message.as_deref(), Some("No.9 の教育実績を追記してください"));
    assert!(ok(integrity::check(&mut c)).is_empty());
}

fn flag(n: u16, rule: &str, claimed: Evaluation, suggested: Option<Points>) -> flags::NewFlag {
    flags::NewFlag {
        target: FlagTarget::Item(item(n)),
        rule: rule.into(),
        severity: Severity::Medium,
        claimed,
        suggested,
        reason_ja: format!("No.{n}: 根拠に予定表現"),
        reason_en: format!("No.{n}: evidence speaks of a plan"),
        detector_version: "test".into(),
        config_hash: "0".repeat(64),
    }
}

fn flags_reviews_and_replies_carry_over_unchanged_items(db: &TestDb) {
    let mut c = db.conn();
    let co = ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "東海精密")));
    let reviewer = ok(users::create(
        &mut c,
        Actor::System,
        &users::NewUser {
            login: "rev".into(),
            display_name: "Reviewer".into(),
            account: users::Account::Reviewer,
            password_hash: None,
        },
    ));
    let first = answers(&[
        (9, Evaluation::DONE, "規程を制定済。教育は来年度予定"),
        (17, Evaluation::DONE, "SOCを今年度中に設置予定"),
    ]);
    let s1 =
        created(ok(hyoka_model::db::writes::store_submission(&mut c, Actor::System, &sheet(co.id, 2024, 'a', first))));
    let mut sheet_flag = flag(1, "straight_lining", Evaluation::DONE, None);
    sheet_flag.target = FlagTarget::Sheet;
    sheet_flag.severity = Severity::Low;
    let f1 = ok(hyoka_model::db::writes::insert_flags(
        &mut c,
        s1.id,
        &[
            flag(9, "parts_missing", Evaluation::DONE, Some(Points::One)),
            flag(17, "plan_cue", Evaluation::DONE, Some(Points::One)),
            sheet_flag,
        ],
    ));
    assert_eq!(f1.len(), 3);
    assert_eq!(ok(flags::get(&mut c, f1[0].id)), f1[0]);
    assert_eq!(ok(flags::of_submission(&mut c, s1.id)).len(), 3);
    assert_eq!(f1[2].suggestion(), None, "sheet flags suggest no item score");

    let dismissed = ok(hyoka_model::db::writes::decide(
        &mut c,
        reviewer.actor(),
        f1[0].id,
        Decision::Dismissed,
        "教育記録を確認済",
    ));
    let confirmed = Decision::Confirmed { reviewed_score: Points::One };
    ok(hyoka_model::db::writes::decide(&mut c, reviewer.actor(), f1[0].id, confirmed, "やはり教育未実施"));
    ok(hyoka_model::db::writes::decide(
        &mut c,
        reviewer.actor(),
        f1[1].id,
        Decision::Confirmed { reviewed_score: Points::Zero },
        "SOC未設置",
    ));
    assert_eq!(ok(flags::reviews_of(&mut c, f1[0].id)).first(), Some(&dismissed));
    let latest = ok(flags::latest_reviews(&mut c, s1.id));
    assert_eq!(latest.get(&f1[0].id).map(|r| r.decision), Some(confirmed));
    let mut scores = ok(flags::confirmed_scores(&mut c, s1.id));
    scores.sort_by_key(|s| s.item);
    assert_eq!(
        scores,
        [ConfirmedScore { item: item(9), score: Points::One }, ConfirmedScore { item: item(17), score: Points::Zero }]
    );

    let sub_user = ok(users::create(
        &mut c,
        Actor::System,
        &users::NewUser {
            login: "sub".into(),
            display_name: "Sub".into(),
            account: users::Account::Subsidiary(co.id),
            password_hash: None,
        },
    ));
    let reply = ok(flags::reply(&mut c, sub_user.actor(), f1[0].id, "2025年5月に全社教育を実施しました"));
    assert_eq!(ok(flags::replies_of(&mut c, f1[0].id)), vec![reply]);
    assert!(flags::reply(&mut c, sub_user.actor(), f1[0].id, "  ").is_err());
    let outsider = Actor::User { id: sub_user.id, role: Role::Subsidiary, company_id: Some(co.id + 1) };
    assert!(matches!(flags::reply(&mut c, outsider, f1[0].id, "x"), Err(DbError::Forbidden(_))));

    // Revision 2 changes No.17 only: the decision on No.9 carries over, No.17's does not.
    let second = answers(&[
        (9, Evaluation::DONE, "規程を制定済。 教育は来年度予定"),
        (17, Evaluation::IN_PROGRESS, "SOCを今年度中に設置予定"),
    ]);
    let s2 =
        created(ok(hyoka_model::db::writes::store_submission(&mut c, Actor::System, &sheet(co.id, 2024, 'b', second))));
    let f2 = ok(hyoka_model::db::writes::insert_flags(
        &mut c,
        s2.id,
        &[
            flag(9, "parts_missing", Evaluation::DONE, Some(Points::One)),
            flag(17, "plan_cue", Evaluation::IN_PROGRESS, None),
        ],
    ));
    let n = ok(hyoka_model::db::write_tx(&mut c, |c| flags::carry_over_in_tx(c, Actor::System, s1.id, s2.id)));
    assert_eq!(n, 1);
    let carried = ok(flags::latest_reviews(&mut c, s2.id));
    assert_eq!(carried.len(), 1);
    let r = carried.get(&f2[0].id);
    assert_eq!(r.map(|r| (r.decision, r.carried_from.is_some())), Some((confirmed, true)));
    assert_eq!(
        ok(hyoka_model::db::write_tx(&mut c, |c| { flags::carry_over_in_tx(c, Actor::System, s1.id, s2.id) })),
        0,
        "idempotent"
    );

    // The three rates from what is stored.
    let items: Vec<_> = ok(submissions::answers_of(&mut c, s1.id)).iter().map(Answer::scored).collect();
    let suggestions: Vec<_> =
        ok(flags::of_submission(&mut c, s1.id)).iter().filter_map(flags::Flag::suggestion).collect();
    let rates = scoring::three_rates(&items, &suggestions, &ok(flags::confirmed_scores(&mut c, s1.id)), Level::Lv1);
    assert_eq!(rates.self_rated.overall.tally.points, 306);
    assert_eq!(rates.suggested.overall.tally.points, 304);
    assert_eq!(rates.reviewed.overall.tally.points, 303);
}

fn migrations_go_down_and_up_again(db: &TestDb) {
    let mut c = db.conn();
    ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "東海精密")));
    let reverted = ok(hyoka_model::db::conn::revert_all(&mut c));
    assert!(reverted >= 1);
    assert!(companies::list(&mut c).is_err(), "tables are gone after down");
    drop(c);
    ok(hyoka_model::db::migrate(&db.url));
    let mut c = db.conn();
    assert!(ok(companies::list(&mut c)).is_empty());
    let catalog = ok(hyoka_model::db::catalog::load(&mut c, FW));
    assert_eq!(catalog.items.len(), 153);
    assert_eq!(catalog.item(item(9)).map(|i| i.parts.len()), Some(2));
    ok(hyoka_model::db::migrate(&db.url));
    assert_eq!(ok(hyoka_model::db::catalog::framework_ids(&mut c)), [FW]);
}

fn concurrent_uploads_keep_every_revision_and_one_current(db: &TestDb) {
    let mut c = db.conn();
    let co = ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "東海精密")));
    let handles: Vec<_> = ['a', 'b', 'c', 'd']
        .into_iter()
        .map(|sha| {
            let url = db.url.clone();
            std::thread::spawn(move || {
                let mut c = ok(url.connect());
                ok(hyoka_model::db::writes::store_submission(
                    &mut c,
                    Actor::System,
                    &sheet(co.id, 2024, sha, answers(&[])),
                ))
            })
        })
        .collect();
    for h in handles {
        assert!(matches!(h.join(), Ok(submissions::Stored::Created { .. })));
    }
    let revs = ok(submissions::revisions(&mut c, co.id, fy(2024), None));
    assert_eq!(revs.iter().map(|s| s.revision).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(revs.iter().filter(|s| s.is_current).count(), 1);
    assert!(revs[3].is_current);
    assert!(ok(integrity::check(&mut c)).is_empty());
}

fn imported_example_answers_are_stored_and_kept_when_the_catalog_is_refreshed(db: &TestDb) {
    let mut c = db.conn();
    let wording = [hyoka_model::db::import::ItemWording {
        number: item(28),
        level: None,
        condition: Some("標的型攻撃メールに関する教育を行っている".into()),
        criteria: None,
        examples: Some("標的型攻撃メール訓練を年2回実施".into()),
        responsible_area: None,
    }];
    assert_eq!(ok(hyoka_model::db::import::import_catalog_wording(&mut c, Actor::System, FW, &wording)), 1);
    let stored = ok(hyoka_model::db::catalog::load(&mut c, FW));
    assert_eq!(stored.item(item(28)).and_then(|i| i.examples.as_deref()), Some("標的型攻撃メール訓練を年2回実施"));
    let mut refreshed = ok(hyoka_model::catalog::Catalog::builtin());
    refreshed.items[0].subject_en.push_str(" (revised)");
    ok(hyoka_model::db::catalog::seed(&mut c, &refreshed));
    let after = ok(hyoka_model::db::catalog::load(&mut c, FW));
    assert_eq!(after.item(item(28)).and_then(|i| i.examples.as_deref()), Some("標的型攻撃メール訓練を年2回実施"));
}

both_backends!(
    imported_example_answers_are_stored_and_kept_when_the_catalog_is_refreshed,
    companies_are_created_read_updated_and_listed,
    users_are_bound_to_their_company_by_role,
    a_sheet_is_stored_whole_and_revisions_keep_one_current,
    a_bad_sheet_stores_nothing,
    answers_and_audit_events_cannot_be_changed,
    a_tampered_audit_entry_is_reported,
    the_workflow_moves_and_refuses_by_the_table,
    flags_reviews_and_replies_carry_over_unchanged_items,
    migrations_go_down_and_up_again,
    concurrent_uploads_keep_every_revision_and_one_current,
);

/// An upgrade from before migration 000007 (logins and company codes unique
/// after NFKC and case folding) names the rows that would collide and
/// migrates nothing, instead of failing on the unique index; once they are
/// renamed, it goes through.
fn an_upgrade_names_logins_and_codes_that_fold_together(db: &TestDb) {
    use diesel::connection::SimpleConnection;
    db.migrate_before("20261201000007");
    let mut c = db.conn();
    ok(c.batch_execute(
        "INSERT INTO companies (id, code, name, name_key, target_level, created_at) VALUES \
           (1, 'DEMO-001', '株式会社デモ', 'デモ', 1, '2026-01-01 00:00:00'), \
           (2, 'ＤＥＭＯ－００１', '株式会社別名', '別名', 1, '2026-01-01 00:00:00'); \
         INSERT INTO users (id, login, display_name, role, created_at) VALUES \
           (1, 'demo-admin', 'A', 'admin', '2026-01-01 00:00:00'), \
           (2, 'DEMO-ADMIN', 'B', 'admin', '2026-01-01 00:00:00'), \
           (3, 'someone', 'C', 'auditor', '2026-01-01 00:00:00');",
    ));
    drop(c);
    let e = match hyoka_model::db::migrate(&db.url) {
        Err(e) => e.to_string(),
        Ok(applied) => panic!("migrated {applied:?} over colliding logins"),
    };
    assert!(e.contains("demo-admin, DEMO-ADMIN") && e.contains("ログイン名"), "{e}");
    assert!(e.contains("DEMO-001, ＤＥＭＯ－００１") && e.contains("会社コード"), "{e}");
    assert!(e.contains("nothing was migrated") && e.contains("何も移行していません"), "{e}");
    assert!(!e.contains("someone"), "{e}");
    let mut c = db.conn();
    ok(c.batch_execute(
        "UPDATE users SET login = 'demo-admin-2' WHERE id = 2; UPDATE companies SET code = 'DEMO-002' WHERE id = 2;",
    ));
    drop(c);
    let applied = ok(hyoka_model::db::migrate(&db.url));
    assert!(applied.iter().any(|m| m.contains("000007")), "{applied:?}");
    let mut c = db.conn();
    assert!(ok(hyoka_model::db::users::by_login(&mut c, "ＤＥＭＯ－ＡＤＭＩＮ－２")).is_some());
}

#[test]
fn sqlite_an_upgrade_names_logins_and_codes_that_fold_together() {
    an_upgrade_names_logins_and_codes_that_fold_together(&TestDb::sqlite_empty());
}

#[test]
fn postgres_an_upgrade_names_logins_and_codes_that_fold_together() {
    if let Some(db) = TestDb::postgres_empty() {
        an_upgrade_names_logins_and_codes_that_fold_together(&db);
    }
}

/// Issue 19: the pool does not ping a connection on every checkout; a
/// connection the server closed is found by the statement that meets it and
/// replaced when it goes back, so the next checkout works.
#[test]
fn postgres_a_connection_the_server_closed_is_replaced_without_a_ping_per_checkout() {
    use diesel::prelude::*;
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let Some(db) = TestDb::postgres() else { return };
    let pool = ok(hyoka_model::db::conn::pool(&db.url, 1));
    fn pid_of(c: &mut DbConn) -> i32 {
        ok(diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result::<Pid>(c)).pid
    }
    let checkout = || -> hyoka_model::db::conn::PooledConn { ok(pool.get()) };
    let first = pid_of(&mut checkout());
    assert_eq!(pid_of(&mut checkout()), first, "a sound connection is kept");

    let mut killer = db.conn();
    ok(killer.batch_execute(&format!("SELECT pg_terminate_backend({first})")));
    {
        let mut conn = checkout();
        let e = match diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result::<Pid>(&mut conn) {
            Ok(_) => panic!("a terminated connection answered"),
            Err(e) => DbError::from(e),
        };
        assert!(matches!(e, DbError::Query(_)), "{e}");
    }
    let next = pid_of(&mut checkout());
    assert_ne!(next, first, "the closed connection was dropped and a new one made");
    assert_eq!(pool.state().connections, 1);
}

/// Issue 19: the bundled SQLite is built with the query planner stability
/// guarantee on and without STAT4 (`.cargo/config.toml`). Before, a statement
/// whose plan might depend on a bound value (every `LIMIT ?` diesel binds,
/// a value met by STAT4 samples) was prepared again on each new binding, so
/// the statement cache saved nothing. `optimize` still writes the planner's
/// `sqlite_stat1`.
#[test]
fn sqlite_plans_a_statement_once_and_analyses_without_per_value_samples() {
    use diesel::prelude::*;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let db = TestDb::sqlite();
    let mut c = db.conn();
    ok(hyoka_model::db::writes::create_company(&mut c, Actor::System, &new_company("C001", "東海精密")));
    ok(hyoka_model::db::conn::optimize(&mut c));
    let names = |c: &mut DbConn, sql: &str| -> Vec<String> {
        ok(diesel::sql_query(sql).load::<Name>(c)).into_iter().map(|n| n.name).collect()
    };
    let stats = names(&mut c, "SELECT name FROM sqlite_schema WHERE name LIKE 'sqlite_stat%' ORDER BY name");
    assert_eq!(stats, ["sqlite_stat1"], "ANALYZE ran and wrote no per-value samples");
    let options = names(&mut c, "SELECT compile_options AS name FROM pragma_compile_options");
    assert!(options.iter().any(|o| o == "THREADSAFE=1"), "the bundled build's options are read: {options:?}");
    assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
    assert!(!options.iter().any(|o| o.contains("STAT4")), "{options:?}");
}
