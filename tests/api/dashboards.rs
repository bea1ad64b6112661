//! The dashboards through the real server, on SQLite and PostgreSQL: each
//! figure checked against values worked out by hand for a small fixed group
//! (three companies, two years), before and after review steps, with every
//! filter and pagination.

use hyoka_model::both_backends;
use hyoka_model::catalog::Catalog;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::Account;
use hyoka_model::db::{DbConn, companies, detection, submissions, summaries, write_tx};
use hyoka_model::domain::{Decision, Evaluation, FiscalYear, ImpactTier, ItemNumber, Level, Points};
use hyoka_model::sheet::Answer;
use hyoka_model::workflow::{Action, Actor};
use serde_json::Value;

use crate::client::{self, Api};
use crate::common::workdir;
use crate::fixtures::{GOOD, company, levels, ok, submission, token, user};

#[track_caller]
fn close(v: &Value, want: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - want).abs() < 1e-4, "got {got}, want {want}");
}

/// Items per level in the sheets the fixtures make (catalog level, else 1).
fn per_level() -> [f64; 3] {
    let mut n = [0.0; 3];
    for l in levels().values() {
        n[usize::from(*l) - 1] += 1.0;
    }
    n
}

fn set_risk(conn: &mut DbConn, submission_id: i64, risk: u8) {
    ok(write_tx(conn, |c| {
        detection::set_risk_in_tx(c, submission_id, risk, &[], hyoka_model::db::testing::computed_by_test())?;
        summaries::refresh_submission_in_tx(c, submission_id)
    }));
}

fn tier(conn: &mut DbConn, id: i64, t: u8) {
    let changes = companies::CompanyChanges { impact_tier: Some(ok(ImpactTier::new(t))), ..Default::default() };
    ok(hyoka_model::db::writes::update_company(conn, Actor::System, id, &changes));
}

/// B's sheet: every item 2 with the fixture's evidence, No.2 (Lv1) as given, no flag.
fn sheet_b(conn: &mut DbConn, company_id: i64, year: i32, item2: Evaluation, sha: char) -> i64 {
    let answers = levels()
        .into_iter()
        .map(|(item, level)| Answer {
            item: ok(ItemNumber::new(item)),
            level: ok(Level::try_from(level)),
            evaluation: if item == 2 { item2 } else { Evaluation::DONE },
            evidence: format!("{GOOD} {year}"),
            responsible_area: None,
            source_cell: None,
        })
        .collect();
    let new = submissions::NewSubmission {
        company_id,
        fiscal_year: ok(FiscalYear::new(year)),
        department_id: None,
        framework_id: ok(Catalog::builtin()).framework.id,
        source_filename: "b.json".into(),
        source_sha256: sha.to_string().repeat(64),
        answered_on: None,
        respondent: None,
        answers,
    };
    ok(hyoka_model::db::writes::store_submission(conn, Actor::System, &new)).submission().id
}

fn dashboards_show_hand_computed_figures(db: &TestDb) {
    let dir = workdir();
    let mut conn = db.conn();
    let [n1, n2, _] = per_level();
    // A: target Lv2, tier 1; B: target Lv1, tier 3; C: target Lv1, no sheet in 2024.
    let a = company(&mut conn, "A", "株式会社エー", Level::Lv2);
    let b = company(&mut conn, "B", "株式会社ビー", Level::Lv1);
    let c = company(&mut conn, "C", "株式会社シー", Level::Lv1);
    tier(&mut conn, a.id, 1);
    tier(&mut conn, b.id, 3);
    // A 2023 and 2024: every item 2, a high flag on No.1 (Lv1) suggesting 0.
    let a23 = submission(&mut conn, a.id, 2023);
    let a24 = submission(&mut conn, a.id, 2024);
    set_risk(&mut conn, a24.id, 60);
    // B 2024: No.2 (Lv1) 0; risk 80.
    let b24 = sheet_b(&mut conn, b.id, 2024, Evaluation::NOT_DONE, 'b');
    set_risk(&mut conn, b24, 80);
    let reviewer = user(&mut conn, "reviewer", Account::Reviewer);
    let auditor = user(&mut conn, "auditor", Account::Auditor);
    let sub_a = user(&mut conn, "sub-a", Account::Subsidiary(a.id));
    let (rt, at, st) = (token(&mut conn, reviewer.id), token(&mut conn, auditor.id), token(&mut conn, sub_a.id));

    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api: Api = server.api;
    let get = |path: &str, tok: &str| api.get(path, Some(tok)).expect(200).json();

    // --- Overview 2024 ---
    let o = get("/api/v1/dashboards/overview?fiscal_year=2024", &at);
    let g = &o["group"];
    assert_eq!(
        (g["companies"].as_i64(), g["submitted"].as_i64(), g["not_submitted"].as_i64()),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(g["statuses"]["submitted"], 2);
    // Self Lv1: A 1.0; B (n1 − 1) × 2 / (2 n1).
    let b_lv1 = (n1 - 1.0) / n1;
    close(&g["mean_rates"]["self"]["lv1"], f64::midpoint(1.0, b_lv1));
    // Suggested Lv1: A's No.1 suggested 0 → (n1 − 1)/n1 as well.
    close(&g["mean_rates"]["suggested"]["lv1"], b_lv1);
    close(&g["mean_rates"]["reviewed"]["lv1"], f64::midpoint(1.0, b_lv1));
    assert!(g["mean_rates"]["self"]["lv3"].is_number(), "both companies rate Lv3 items");
    close(&g["mean_risk"], 70.0);
    assert_eq!((g["flags"]["total"].as_i64(), g["flags"]["open"].as_i64()), (Some(1), Some(1)));
    let lines = o["companies"]["items"].as_array().cloned().unwrap_or_default();
    let codes: Vec<&str> = lines.iter().filter_map(|l| l["company"]["code"].as_str()).collect();
    assert_eq!(codes, ["A", "B", "C"]);
    let la = &lines[0];
    assert_eq!(
        (la["submitted"].as_bool(), la["year"]["status"].as_str(), la["year"]["risk"].as_i64()),
        (Some(true), Some("submitted"), Some(60))
    );
    assert_eq!(la["year"]["submission_id"], a24.id);
    assert_eq!(la["priority"], 300, "risk 60 × weight 5 (tier 1)");
    // A's target (Lv1+Lv2): self 1.0, suggested one item at 0.
    close(&la["year"]["rates"]["self"]["target"], 1.0);
    close(&la["year"]["rates"]["suggested"]["target"], (n1 + n2 - 1.0) / (n1 + n2));
    assert_eq!(la["year"]["target_level"], 2);
    assert_eq!(la["year"]["flags"]["open"], 1);
    assert!(la["year"]["uploaded_at"].as_str().is_some_and(|t| t.ends_with("+09:00")));
    close(&lines[1]["year"]["rates"]["self"]["target"], b_lv1);
    assert_eq!(lines[1]["priority"], 240, "risk 80 × weight 3 (tier 3)");
    assert_eq!((lines[2]["submitted"].as_bool(), lines[2]["year"].is_null()), (Some(false), true));

    // Filters and pages.
    let o = get("/api/v1/dashboards/overview?fiscal_year=2024&level=1", &rt);
    assert_eq!((o["group"]["companies"].as_i64(), o["group"]["submitted"].as_i64()), (Some(2), Some(1)));
    close(&o["group"]["mean_rates"]["self"]["lv1"], b_lv1);
    let o = get(&format!("/api/v1/dashboards/overview?fiscal_year=2024&company_id={}", c.id), &rt);
    assert_eq!((o["companies"]["total"].as_i64(), o["group"]["submitted"].as_i64()), (Some(1), Some(0)));
    assert!(o["group"]["mean_rates"]["self"]["lv1"].is_null());
    let o = get("/api/v1/dashboards/overview?fiscal_year=2024&submitted=false", &rt);
    assert_eq!(o["companies"]["items"][0]["company"]["code"], "C");
    let o = get("/api/v1/dashboards/overview?fiscal_year=2024&min_risk=70", &rt);
    assert_eq!(
        (o["companies"]["total"].as_i64(), o["companies"]["items"][0]["company"]["code"].as_str()),
        (Some(1), Some("B"))
    );
    let o = get("/api/v1/dashboards/overview?fiscal_year=2024&sort=risk", &rt);
    let codes: Vec<&str> = o["companies"]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["company"]["code"].as_str())
        .collect();
    assert_eq!(codes, ["B", "A", "C"]);
    let o = get("/api/v1/dashboards/overview?fiscal_year=2024&per_page=1&page=2", &rt);
    assert_eq!(
        (o["companies"]["total"].as_i64(), o["companies"]["items"][0]["company"]["code"].as_str()),
        (Some(3), Some("B"))
    );
    assert_eq!(o["group"]["submitted"], 2, "group figures cover every page");
    assert_eq!(
        api.get("/api/v1/dashboards/overview?fiscal_year=2024&rule=not_done", Some(&rt)).status,
        400,
        "not a filter of this view"
    );
    let bad = api.get("/api/v1/dashboards/overview?fiscal_year=2024&sort=name", Some(&rt)).expect(400).json();
    let message = bad["message"].as_str().unwrap_or_default();
    assert!(message.contains("use code, risk or priority") && message.contains("クエリパラメータ"), "{message}");
    let bad = api.get("/api/v1/dashboards/items?fiscal_year=2024&severity=huge", Some(&rt)).expect(400).json();
    assert!(bad["message"].as_str().is_some_and(|m| m.contains("severity") && m.contains("クエリパラメータ")), "{bad}");
    assert_eq!(api.get("/api/v1/dashboards/overview?fiscal_year=2024", Some(&st)).status, 403);

    // --- Review queue: risk × impact, A (300) before B (240) ---
    let q = get("/api/v1/dashboards/review-queue?fiscal_year=2024", &rt);
    let codes: Vec<&str> =
        q["items"].as_array().into_iter().flatten().filter_map(|l| l["company"]["code"].as_str()).collect();
    assert_eq!(codes, ["A", "B"]);

    // --- Items: No.1 most often flagged; weakest per item ---
    let items = get("/api/v1/dashboards/items?fiscal_year=2024", &rt);
    assert_eq!(items["total"].as_i64(), Some(i64::try_from(levels().len()).unwrap_or(0)));
    let first = &items["items"][0];
    assert_eq!(
        (first["item"].as_i64(), first["flags"]["total"].as_i64(), first["flags"]["open"].as_i64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!((first["claimed"]["done"].as_i64(), first["estimated"]["not_done"].as_i64()), (Some(2), Some(1)));
    assert_eq!(
        (
            first["weakest"]["code"].as_str(),
            first["weakest"]["score"].as_i64(),
            first["weakest"]["companies_at_lowest"].as_i64()
        ),
        (Some("A"), Some(0), Some(1))
    );
    let item2 = get("/api/v1/dashboards/items?fiscal_year=2024&item=2", &rt);
    assert_eq!(item2["total"], 1);
    assert_eq!(
        (item2["items"][0]["weakest"]["code"].as_str(), item2["items"][0]["flags"]["total"].as_i64()),
        (Some("B"), Some(0))
    );
    let item3 = get("/api/v1/dashboards/items?fiscal_year=2024&item=3", &rt);
    assert_eq!(
        (item3["items"][0]["weakest"]["code"].as_str(), item3["items"][0]["weakest"]["companies_at_lowest"].as_i64()),
        (Some("B"), Some(2)),
        "a tie goes to the higher risk"
    );
    let lv3 = get("/api/v1/dashboards/items?fiscal_year=2024&level=3", &rt);
    assert_eq!(lv3["total"].as_i64(), Some(5));
    for (filter, want) in [
        ("rule=not_done", 1),
        ("rule=future_tense", 0),
        ("severity=high", 1),
        ("severity=low", 0),
        ("decision=undecided", 1),
        ("decision=confirmed", 0),
    ] {
        let r = get(&format!("/api/v1/dashboards/items?fiscal_year=2024&item=1&{filter}"), &rt);
        assert_eq!(r["items"][0]["flags"]["total"], want, "{filter}");
    }
    let only_b = get(&format!("/api/v1/dashboards/items?fiscal_year=2024&item=1&company_id={}", b.id), &rt);
    assert_eq!(
        (only_b["items"][0]["flags"]["total"].as_i64(), only_b["items"][0]["weakest"]["code"].as_str()),
        (Some(0), Some("B"))
    );

    // The flag list takes the same filters (level: the answer's).
    for (filter, want) in [("level=1", 1), ("level=2", 0), ("item=1", 1), ("rule=not_done&severity=high", 1)] {
        let r = get(&format!("/api/v1/flags?fiscal_year=2024&{filter}"), &rt);
        assert_eq!(r["total"], want, "{filter}");
    }
    assert_eq!(api.get("/api/v1/flags?fiscal_year=2024&levle=1", Some(&rt)).status, 400, "a misspelt filter");

    // --- A review step moves the figures ---
    ok(hyoka_model::db::writes::transition(&mut conn, Actor::System, a24.id, Action::StartReview, None));
    let flag = ok(hyoka_model::db::flags::of_submission(&mut conn, a24.id))[0].id;
    ok(hyoka_model::db::writes::decide(
        &mut conn,
        Actor::System,
        flag,
        Decision::Confirmed { reviewed_score: Points::One },
        "一部のみ",
    ));
    let o = get("/api/v1/dashboards/overview?fiscal_year=2024", &rt);
    let g = &o["group"];
    assert_eq!((g["statuses"]["in_review"].as_i64(), g["statuses"]["submitted"].as_i64()), (Some(1), Some(1)));
    assert_eq!((g["flags"]["open"].as_i64(), g["flags"]["confirmed"].as_i64()), (Some(0), Some(1)));
    // Reviewed Lv1: A (2 n1 − 1)/(2 n1), B (n1 − 1)/n1.
    close(&g["mean_rates"]["reviewed"]["lv1"], f64::midpoint((2.0 * n1 - 1.0) / (2.0 * n1), b_lv1));
    let first = &get("/api/v1/dashboards/items?fiscal_year=2024&item=1&decision=confirmed", &rt)["items"][0];
    assert_eq!((first["flags"]["confirmed"].as_i64(), first["weakest"]["score"].as_i64()), (Some(1), Some(1)));
    let q = get("/api/v1/dashboards/review-queue?fiscal_year=2024&status=in_review", &rt);
    assert_eq!(q["total"], 1);

    // --- Trend: the group per year, and one company ---
    let t = get(&format!("/api/v1/dashboards/trend?company_id={}", a.id), &at);
    let years: Vec<i64> =
        t["group"].as_array().into_iter().flatten().filter_map(|g| g["fiscal_year"].as_i64()).collect();
    assert_eq!(years, [2023, 2024]);
    assert_eq!(t["group"][0]["submitted"], 1);
    assert_eq!(t["group"][1]["submitted"], 2);
    let ay: Vec<i64> =
        t["company"]["years"].as_array().into_iter().flatten().filter_map(|y| y["fiscal_year"].as_i64()).collect();
    assert_eq!(ay, [2023, 2024]);
    let t = get("/api/v1/dashboards/trend?from=2024&to=2024&level=1", &at);
    assert_eq!((t["group"].as_array().map(Vec::len), t["group"][0]["submitted"].as_i64()), (Some(1), Some(1)));

    // --- Compare: this year against last year, and revision against revision ---
    let cmp = get(&format!("/api/v1/submissions/{}/compare?against=previous_year", a24.id), &rt);
    assert_eq!(cmp["other"]["id"], a23.id);
    assert_eq!(
        (cmp["scores_changed"].as_i64(), cmp["evidence_changed"].as_i64()),
        (Some(0), Some(i64::try_from(levels().len()).unwrap_or(0))),
        "the fixture writes the year into the evidence"
    );
    assert_eq!(cmp["items"][0]["base"]["flags"][0]["decision"]["decision"], "confirmed");
    let none = get(&format!("/api/v1/submissions/{}/compare", a24.id), &rt);
    assert!(none["other"].is_null());
    let b2 = sheet_b(&mut conn, b.id, 2024, Evaluation::Rated(Points::One), 'c');
    let cmp = get(&format!("/api/v1/submissions/{b2}/compare?changed_only=true"), &rt);
    assert_eq!(cmp["other"]["id"], b24);
    assert_eq!(
        (cmp["scores_changed"].as_i64(), cmp["raised"].as_i64(), cmp["lowered"].as_i64()),
        (Some(1), Some(1), Some(0))
    );
    let changed: Vec<i64> = cmp["items"].as_array().into_iter().flatten().filter_map(|i| i["item"].as_i64()).collect();
    assert_eq!(changed, [2]);
    assert_eq!(cmp["items"][0]["direction"], "raised");
    let cmp = get(&format!("/api/v1/submissions/{}/compare?against=previous_year&rule=not_done", a24.id), &rt);
    assert_eq!(cmp["items"].as_array().map(Vec::len), Some(1), "only No.1 has a not_done flag");
    // The new revision of B moved the overview: B's Lv1 is now (2 n1 − 1)/(2 n1).
    let o = get(&format!("/api/v1/dashboards/overview?fiscal_year=2024&company_id={}", b.id), &rt);
    close(&o["companies"]["items"][0]["year"]["rates"]["self"]["lv1"], (2.0 * n1 - 1.0) / (2.0 * n1));
    assert_eq!(o["companies"]["items"][0]["year"]["revision"], 2);
    // A subsidiary compares its own sheets; flags stay hidden until released.
    let own = get(&format!("/api/v1/submissions/{}/compare?against=previous_year", a24.id), &st);
    assert!(own["items"][0]["base"]["flags"].is_null());
    assert_eq!(api.get(&format!("/api/v1/submissions/{b2}/compare"), Some(&st)).status, 404);
    assert_eq!(
        api.get(&format!("/api/v1/submissions/{}/compare?against={b2}", a24.id), Some(&rt)).status,
        404,
        "another company's sheet"
    );

    // Summaries still equal a rebuild from scratch.
    let problems = ok(summaries::verify(&mut conn));
    assert!(problems.is_empty(), "{problems:?}");
}

both_backends!(dashboards_show_hand_computed_figures);
