//! Test data made through the model (fast) for what a test does not walk
//! through the API itself.

use std::collections::BTreeMap;
use std::fmt::Display;

use hyoka_api::auth;
use hyoka_model::catalog::Catalog;
use hyoka_model::db::companies::{Company, NewCompany};
use hyoka_model::db::flags::NewFlag;
use hyoka_model::db::submissions::{NewSubmission, Submission};
use hyoka_model::db::users::{self, Account, NewUser, User};
use hyoka_model::db::{DbConn, tokens};
use hyoka_model::domain::{Evaluation, FiscalYear, FlagTarget, ImpactTier, ItemNumber, Level, Points, Severity};
use hyoka_model::sheet::Answer;
use hyoka_model::workflow::Actor;
use serde_json::{Value, json};

#[track_caller]
pub fn ok<T, E: Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

pub fn company(conn: &mut DbConn, code: &str, name: &str, level: Level) -> Company {
    let new = NewCompany {
        code: code.into(),
        name: name.into(),
        industry: None,
        target_level: level,
        impact_tier: ok(ImpactTier::new(2)),
        is_demo: false,
    };
    ok(hyoka_model::db::writes::create_company(conn, Actor::System, &new))
}

/// Opens the collection of `year` (deadline 2099-07-31), asking these
/// companies at their registered target levels.
pub fn collection(conn: &mut DbConn, year: i32, companies: &[i64]) -> hyoka_model::db::collections::Collection {
    ok(hyoka_model::db::writes::open_collection(
        conn,
        Actor::System,
        &hyoka_model::db::collections::NewCollection {
            fiscal_year: ok(FiscalYear::new(year)),
            title: format!("{year}年度 自己評価の提出依頼"),
            deadline: ok(chrono::NaiveDate::parse_from_str("2099-07-31", "%Y-%m-%d")),
            message: None,
            members: companies.iter().map(|c| (*c, None)).collect(),
        },
    ))
}

/// A user without a password.
pub fn user(conn: &mut DbConn, login: &str, account: Account) -> User {
    let new = NewUser { login: login.into(), display_name: login.into(), account, password_hash: None };
    ok(users::create(conn, Actor::System, &new))
}

/// A user with a password (argon2: slow-ish, use sparingly).
pub fn user_with_password(conn: &mut DbConn, login: &str, account: Account, password: &str) -> User {
    let hash = ok(auth::hash_password(&auth::Secret::new(password)));
    let new = NewUser { login: login.into(), display_name: login.into(), account, password_hash: Some(hash) };
    ok(users::create(conn, Actor::System, &new))
}

/// A fresh API token for a user.
pub fn token(conn: &mut DbConn, user_id: i64) -> String {
    let secret = ok(auth::new_token());
    let new = tokens::NewToken {
        user_id,
        name: "test".into(),
        token_hash: secret.hash.clone(),
        prefix: secret.prefix.clone(),
        expires_at: hyoka_model::time::now() + chrono::Duration::hours(1),
    };
    ok(tokens::create(conn, Actor::System, &new));
    secret.token.expose().to_owned()
}

/// Each item's level: the catalog's, else 1.
pub fn levels() -> BTreeMap<u16, u8> {
    let catalog = ok(Catalog::builtin());
    catalog.items.iter().map(|i| (i.number.get(), i.level.map_or(1, Level::number))).collect()
}

pub const GOOD: &str = "「情報セキュリティ規則」を2021年4月に制定し、全従業員に年1回教育を実施済み";
pub const NOT_DONE: &str = "現状実施できていない。今年度中に導入予定";

/// A sheet in hyoka's JSON format: every item 2 with good evidence, then
/// `tweak` per answer.
pub fn sheet_json(code: &str, name: &str, year: i32, tweak: impl Fn(u16, &mut Value)) -> Vec<u8> {
    let answers: Vec<Value> = levels()
        .into_iter()
        .map(|(item, level)| {
            let mut a =
                json!({ "item": item, "level": level, "evaluation": 2, "evidence": format!("{GOOD}（No.{item}）") });
            tweak(item, &mut a);
            a
        })
        .collect();
    let sheet = json!({
        "format": "hyoka-submission/1",
        "company": { "code": code, "name": name },
        "fiscal_year": year,
        "employees": 40,
        "it_staff": 1,
        "answers": answers,
    });
    ok(serde_json::to_vec(&sheet))
}

/// A submission stored straight through the model, with one high flag on
/// item 1 (suggesting 0).
pub fn submission(conn: &mut DbConn, company_id: i64, year: i32) -> Submission {
    let answers: Vec<Answer> = levels()
        .into_iter()
        .map(|(item, level)| Answer {
            item: ok(ItemNumber::new(item)),
            level: ok(Level::try_from(level)),
            evaluation: Evaluation::DONE,
            evidence: format!("{GOOD} {year}"),
            responsible_area: None,
            source_cell: None,
        })
        .collect();
    let new = NewSubmission {
        company_id,
        fiscal_year: ok(FiscalYear::new(year)),
        department_id: None,
        framework_id: ok(Catalog::builtin()).framework.id,
        source_filename: format!("fixture-{year}.json"),
        source_sha256: format!(
            "{:064x}",
            u64::try_from(year).unwrap_or(0) * 7919 + u64::try_from(company_id).unwrap_or(0)
        ),
        answered_on: None,
        respondent: None,
        answers,
    };
    let stored = ok(hyoka_model::db::writes::store_submission(conn, Actor::System, &new));
    let s = stored.submission().clone();
    ok(hyoka_model::db::writes::insert_flags(conn, s.id, &[flag(1)]));
    s
}

pub fn flag(item: u16) -> NewFlag {
    NewFlag {
        target: FlagTarget::Item(ok(ItemNumber::new(item))),
        rule: "not_done".into(),
        severity: Severity::High,
        claimed: Evaluation::DONE,
        suggested: Some(Points::Zero),
        reason_ja: "根拠に未実施の記述".into(),
        reason_en: "the evidence says not done".into(),
        detector_version: "test".into(),
        config_hash: "test".into(),
    }
}

/// Ids of a JSON list page's items.
pub fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().map(|a| a.iter().filter_map(|i| i["id"].as_i64()).collect()).unwrap_or_default()
}
