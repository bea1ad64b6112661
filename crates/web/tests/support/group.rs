//! The tiny fixed group of the group pages' tests (HTTP and browser):
//! three companies with known answers, a collection whose deadline has
//! passed, flags, size facts and one user per role. Included by
//! `tests/group.rs` and `tests/browser_group.rs` with `#[path]`.
#![allow(dead_code)] // each test binary uses a part of it

use std::collections::BTreeMap;
use std::fmt::Display;

use hyoka_model::catalog::Catalog;
use hyoka_model::db::companies::{Company, CompanyYear, NewCompany};
use hyoka_model::db::flags::NewFlag;
use hyoka_model::db::submissions::NewSubmission;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::{self, Account, NewUser, User};
use hyoka_model::db::{DbConn, Pool};
use hyoka_model::domain::{Evaluation, FiscalYear, FlagTarget, ImpactTier, ItemNumber, Level, Points, Severity};
use hyoka_model::sheet::Answer;
use hyoka_model::workflow::Actor;

/// The web settings of the HTTP tests (no `Secure` cookie over plain HTTP).
pub fn settings() -> hyoka_web::Settings {
    hyoka_web::Settings { cookie_secure: false, ..Default::default() }
}

/// A session cookie for the fixture's user of `role` (none: anonymous).
pub fn cookie(g: &Group, role: &str) -> Option<String> {
    let u = g.users.get(role)?;
    let mut conn = ok(g.pool.get());
    let secret = ok(hyoka_web::session::create(&mut conn, u, None, settings().lifetimes));
    Some(format!("hyoka_session={secret}"))
}

#[track_caller]
pub fn ok<T, E: Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// The catalog's items with their levels.
pub fn levels() -> Vec<(u16, Level)> {
    ok(Catalog::builtin()).items.iter().map(|i| (i.number.get(), i.level.unwrap_or(Level::Lv1))).collect()
}

/// Items 1–10 are 情報セキュリティ, 11–20 人事, the rest give no area.
pub fn area_of(item: u16) -> Option<String> {
    match item {
        1..=10 => Some("情報セキュリティ".into()),
        11..=20 => Some("人事".into()),
        _ => None,
    }
}

pub struct Group {
    pub pool: Pool,
    pub a: Company,
    pub b: Company,
    pub c: Company,
    /// The first ten Lv1 items: flagged on A's 2025 sheet (medium, suggesting 0).
    pub flagged: Vec<u16>,
    pub users: BTreeMap<&'static str, User>,
    pub token: String,
}

pub fn company(conn: &mut DbConn, code: &str, level: Level, tier: u8) -> Company {
    let new = NewCompany {
        code: code.into(),
        name: format!("株式会社{code}"),
        industry: Some("製造".into()),
        target_level: level,
        impact_tier: ok(ImpactTier::new(tier)),
        is_demo: false,
    };
    ok(hyoka_model::db::writes::create_company(conn, Actor::System, &new))
}

pub fn sheet(conn: &mut DbConn, company: &Company, year: i32, score: Evaluation, sha: char) -> i64 {
    sheet_with(conn, company, year, sha, |_| score)
}

/// A sheet of the catalog's items scored by `score`; returns its id.
pub fn sheet_with(
    conn: &mut DbConn,
    company: &Company,
    year: i32,
    sha: char,
    score: impl Fn(u16) -> Evaluation,
) -> i64 {
    let answers = levels()
        .into_iter()
        .map(|(item, level)| Answer {
            item: ok(ItemNumber::new(item)),
            level,
            evaluation: score(item),
            evidence: format!("No.{item} 規程を制定し運用している"),
            responsible_area: area_of(item),
            source_cell: None,
        })
        .collect();
    let new = NewSubmission {
        company_id: company.id,
        fiscal_year: ok(FiscalYear::new(year)),
        department_id: None,
        framework_id: ok(Catalog::builtin()).framework.id,
        source_filename: format!("{}-{year}.xlsx", company.code),
        source_sha256: sha.to_string().repeat(64),
        answered_on: None,
        respondent: None,
        answers,
    };
    ok(hyoka_model::db::writes::store_submission(conn, Actor::System, &new)).submission().id
}

pub fn flag(item: u16) -> NewFlag {
    NewFlag {
        target: FlagTarget::Item(ok(ItemNumber::new(item))),
        rule: "future_tense".into(),
        severity: Severity::Medium,
        claimed: Evaluation::DONE,
        suggested: Some(Points::Zero),
        reason_ja: "予定の記述".into(),
        reason_en: "a plan".into(),
        detector_version: "test".into(),
        config_hash: "0".repeat(64),
    }
}

pub fn group(db: &TestDb, password: Option<&str>) -> Group {
    let pool = ok(hyoka_model::db::pool(&db.url, 4));
    let mut conn = ok(pool.get());
    let a = company(&mut conn, "A01", Level::Lv2, 1);
    let b = company(&mut conn, "B01", Level::Lv1, 3);
    let c = company(&mut conn, "C01", Level::Lv2, 2);
    ok(hyoka_model::db::writes::open_collection(
        &mut conn,
        Actor::System,
        &hyoka_model::db::collections::NewCollection {
            fiscal_year: ok(FiscalYear::new(2025)),
            title: "2025年度 提出依頼".into(),
            deadline: hyoka_web::i18n::today_jst() - chrono::Duration::days(5),
            message: None,
            members: vec![(a.id, None), (b.id, None), (c.id, None)],
        },
    ));
    // A: 2024 all 1, 2025 all 2 with ten Lv1 items flagged; B: 2025 all 1; C: nothing.
    sheet(&mut conn, &a, 2024, Evaluation::Rated(Points::One), 'a');
    let a25 = sheet(&mut conn, &a, 2025, Evaluation::DONE, 'b');
    let b25 = sheet(&mut conn, &b, 2025, Evaluation::Rated(Points::One), 'c');
    let flagged: Vec<u16> = levels().into_iter().filter(|(_, l)| *l == Level::Lv1).map(|(n, _)| n).take(10).collect();
    ok(hyoka_model::db::writes::insert_flags(&mut conn, a25, &flagged.iter().map(|n| flag(*n)).collect::<Vec<_>>()));
    // B is flagged on the first of them too: both then stand at 0 there.
    ok(hyoka_model::db::writes::insert_flags(&mut conn, b25, &[flag(flagged[0])]));
    for (y, e) in [(2024, 40), (2025, 42)] {
        let year = CompanyYear {
            company_id: a.id,
            fiscal_year: ok(FiscalYear::new(y)),
            employees: Some(e),
            it_staff: Some(2),
        };
        ok(hyoka_model::db::companies::set_year(&mut conn, Actor::System, &year));
    }
    let mut users = BTreeMap::new();
    for (role, login, account) in [
        ("admin", "g-admin", Account::Admin),
        ("reviewer", "g-reviewer", Account::Reviewer),
        ("subsidiary", "g-sub-a", Account::Subsidiary(a.id)),
        ("other", "g-sub-b", Account::Subsidiary(b.id)),
        ("auditor", "g-auditor", Account::Auditor),
    ] {
        let hash =
            password.map(|p| ok(hyoka_model::credentials::hash_password(&hyoka_model::credentials::Secret::new(p))));
        let new = NewUser { login: login.into(), display_name: login.into(), account, password_hash: hash };
        users.insert(role, ok(users::create(&mut conn, Actor::System, &new)));
    }
    let secret = ok(hyoka_model::credentials::new_token());
    let new = hyoka_model::db::tokens::NewToken {
        user_id: users.get("reviewer").map_or(0, |u| u.id),
        name: "test".into(),
        token_hash: secret.hash.clone(),
        prefix: secret.prefix.clone(),
        expires_at: hyoka_model::time::now() + chrono::Duration::hours(1),
    };
    ok(hyoka_model::db::tokens::create(&mut conn, Actor::System, &new));
    drop(conn);
    Group { pool, a, b, c, flagged, users, token: secret.token.expose().to_owned() }
}
