//! The SCS ★3 / ★4 section of the company page, its CSV and the overview's
//! readiness column, on SQLite and PostgreSQL: the counts worked out by hand
//! from the mapping for the group fixture (A all 2 with ten Lv1 items
//! suggested 0; B all 1; C without a sheet), compared with the JSON API;
//! the CSV the API's bytes; who sees which basis.

use std::collections::BTreeSet;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use hyoka_api::AppState;
use hyoka_model::catalog::Catalog;
use hyoka_model::db::testing::TestDb;
use hyoka_model::domain::{Decision, Points};
use hyoka_model::scs::{Mapping, Star};
use hyoka_model::workflow::Actor;
use serde_json::Value;

#[path = "support/group.rs"]
mod fixture;

use fixture::{Group, cookie, group, ok, settings};

struct Got {
    status: StatusCode,
    content_type: String,
    bytes: Vec<u8>,
    body: String,
}

async fn get<S, B>(app: &S, cookie: Option<&str>, path: &str) -> Got
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = TestRequest::get().uri(path).insert_header(("host", "localhost:8080"));
    if let Some(c) = cookie {
        req = req.insert_header(("cookie", c.to_owned()));
    }
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = test::read_body(res).await.to_vec();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    Got { status, content_type, bytes, body }
}

async fn api_bytes<S, B>(app: &S, g: &Group, path: &str) -> Vec<u8>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = TestRequest::get().uri(path).insert_header(("authorization", format!("Bearer {}", g.token)));
    test::call_and_read_body(app, req.to_request()).await.to_vec()
}

fn rt<F: std::future::Future<Output = ()>>(f: F) {
    actix_web::rt::System::new().block_on(f);
}

macro_rules! app {
    ($g:expr) => {
        test::init_service(
            hyoka_api::app(AppState::new($g.pool.clone(), hyoka_api::Settings::default()))
                .configure(hyoka_web::configure(settings())),
        )
        .await
    };
}

fn mapping() -> Mapping {
    ok(Mapping::builtin(&ok(Catalog::builtin())))
}

fn pct(r: f64) -> String {
    format!("{:.0}%", r * 100.0)
}

/// The five figures of one star, worked out by hand: `low` are the items
/// standing below 2 on the basis.
fn by_hand(m: &Mapping, stars: &[Star], low: &BTreeSet<u16>) -> Vec<String> {
    let (mut met, mut partly, mut not_met, mut not_covered) = (0u32, 0u32, 0u32, 0u32);
    for c in m.criteria.iter().filter(|c| stars.contains(&c.star)) {
        let short = c.jama.iter().filter(|j| low.contains(&j.item.get())).count();
        match (c.jama.len(), short) {
            (0, _) => not_covered += 1,
            (_, 0) => met += 1,
            (n, s) if s == n => not_met += 1,
            _ => partly += 1,
        }
    }
    let covered = met + partly + not_met;
    vec![
        met.to_string(),
        partly.to_string(),
        not_met.to_string(),
        not_covered.to_string(),
        if covered == 0 { "—".into() } else { pct(f64::from(met) / f64::from(covered)) },
    ]
}

/// The ten figures (★3, then ★3 + ★4) of the counts row of a basis, or
/// `None` when the page has no such row.
fn counts_row(body: &str, basis: &str) -> Option<Vec<String>> {
    let start = body.find(&format!("<tr id=\"scs-{basis}\">"))?;
    let row = &body[start..start + body[start..].find("</tr>").unwrap_or(0)];
    Some(row.split("<td class=\"num\">").skip(1).filter_map(|p| Some(p.split_once("</td>")?.0.to_owned())).collect())
}

/// The API's counts of a basis in the same order.
fn counts_json(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for star in ["star3", "star4"] {
        for k in ["met", "partly", "not_met", "not_covered"] {
            out.push(v[star][k].as_u64().map(|n| n.to_string()).unwrap_or_default());
        }
        out.push(v[star]["readiness"].as_f64().map_or_else(|| "—".to_owned(), pct));
    }
    out
}

/// The criterion ids listed under one star's gaps.
fn gap_ids(body: &str, star: u8) -> BTreeSet<String> {
    let Some(start) = body.find(&format!("id=\"scs-gaps-{star}\"")) else { return BTreeSet::new() };
    let block = &body[start..start + body[start..].find("</details>\n").unwrap_or(body.len() - start)];
    block.split("<tr id=\"scs-c-").skip(1).filter_map(|p| Some(p.split_once('"')?.0.to_owned())).collect()
}

fn heat_row(body: &str, company_id: i64) -> String {
    let start = body.find(&format!("<tr id=\"company-{company_id}\">")).unwrap_or_else(|| panic!("no row"));
    body[start..start + body[start..].find("</tr>").unwrap_or(0)].to_owned()
}

fn company_page_shows_the_readiness_of_the_api(db: &TestDb) {
    let g = group(db, None);
    let m = mapping();
    let none = BTreeSet::new();
    let flagged: BTreeSet<u16> = g.flagged.iter().copied().collect();
    rt(async {
        let app = app!(g);
        let reviewer = cookie(&g, "reviewer");
        let a = g.a.id;
        let page = get(&app, reviewer.as_deref(), &format!("/ui/companies/{a}?fiscal_year=2025")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("id=\"scs-title\""));
        // As claimed: every item at 2, so every covered criterion is met.
        let self_hand = [by_hand(&m, &[Star::Three], &none), by_hand(&m, &[Star::Three, Star::Four], &none)].concat();
        assert_eq!(self_hand[4], "100%");
        assert_eq!(counts_row(&page.body, "self"), Some(self_hand.clone()));
        // Estimated: the ten flagged items stand at 0.
        let est_hand =
            [by_hand(&m, &[Star::Three], &flagged), by_hand(&m, &[Star::Three, Star::Four], &flagged)].concat();
        assert_ne!(est_hand, self_hand, "the fixture's flags touch cited items");
        assert_eq!(counts_row(&page.body, "estimated"), Some(est_hand));
        // Reviewed: nothing confirmed yet, so as claimed.
        assert_eq!(counts_row(&page.body, "reviewed"), Some(self_hand.clone()));
        // The same figures as the JSON API on every basis.
        for basis in ["self", "estimated", "reviewed"] {
            let json: Value = ok(serde_json::from_slice(
                &api_bytes(&app, &g, &format!("/api/v1/scs/readiness?fiscal_year=2025&company_id={a}&basis={basis}"))
                    .await,
            ));
            assert_eq!(counts_row(&page.body, basis), Some(counts_json(&json)), "{basis}");
        }
        // Exactly the criteria citing a flagged item are listed, by star.
        for (star, n) in [(Star::Three, 3), (Star::Four, 4)] {
            let want: BTreeSet<String> = m
                .criteria
                .iter()
                .filter(|c| c.star == star && c.jama.iter().any(|j| flagged.contains(&j.item.get())))
                .map(|c| c.id.clone())
                .collect();
            assert_eq!(gap_ids(&page.body, n), want, "★{n}");
        }
        // Each listed flagged item links to its flag on A's sheet.
        let json: Value = ok(serde_json::from_slice(
            &api_bytes(&app, &g, &format!("/api/v1/scs/readiness?fiscal_year=2025&company_id={a}&basis=estimated"))
                .await,
        ));
        let links: BTreeSet<String> = json["criteria"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["status"] != "met" && c["status"] != "not_covered")
            .flat_map(|c| c["items"].as_array().cloned().unwrap_or_default())
            .flat_map(|i| i["flags"].as_array().cloned().unwrap_or_default())
            .map(|f| format!("/ui/submissions/{}#flag-{}", f["submission_id"], f["id"]))
            .collect();
        assert!(!links.is_empty());
        for l in &links {
            assert!(page.body.contains(&format!("href=\"{l}\"")), "{l}");
        }

        // The CSV is the API's, byte for byte, on each basis.
        for basis in ["self", "estimated", "reviewed"] {
            let q = format!("fiscal_year=2025&company_id={a}&basis={basis}");
            let ui =
                get(&app, reviewer.as_deref(), &format!("/ui/companies/{a}/scs.csv?fiscal_year=2025&basis={basis}"))
                    .await;
            assert_eq!(ui.status, StatusCode::OK, "{}", ui.body);
            assert!(ui.content_type.starts_with("text/csv"), "{}", ui.content_type);
            assert!(ui.bytes.starts_with(b"\xef\xbb\xbf"), "a BOM for Excel");
            assert_eq!(ui.bytes, api_bytes(&app, &g, &format!("/api/v1/scs/readiness.csv?{q}")).await, "{basis}");
        }

        // The overview's column: ★3 estimated; a dash for C, which has no sheet.
        let over = get(&app, reviewer.as_deref(), "/ui/overview?fiscal_year=2025").await;
        assert_eq!(over.status, StatusCode::OK);
        let est3 = by_hand(&m, &[Star::Three], &flagged)[4].clone();
        assert!(heat_row(&over.body, a).contains(&format!("<td class=\"num scs-ready\">{est3}</td>")), "{est3}");
        assert!(heat_row(&over.body, g.c.id).contains("<td class=\"num scs-ready\">—</td>"));

        // A confirmed review lowering an item moves the reviewed basis (and
        // the estimated, where it stood at 2); claimed stays.
        let kept = *g.flagged.first().unwrap_or(&1);
        {
            let mut conn = ok(g.pool.get());
            let sheet =
                ok(hyoka_model::db::summaries::stored(&mut conn, a, ok(hyoka_model::domain::FiscalYear::new(2025))))
                    .map_or(0, |s| s.submission_id);
            let flag = ok(hyoka_model::db::flags::of_submission(&mut conn, sheet))
                .into_iter()
                .find(|f| {
                    f.flag.target
                        == hyoka_model::domain::FlagTarget::Item(ok(hyoka_model::domain::ItemNumber::new(kept)))
                })
                .unwrap_or_else(|| panic!("no flag on {kept}"));
            ok(hyoka_model::db::writes::decide(
                &mut conn,
                Actor::System,
                flag.id,
                Decision::Confirmed { reviewed_score: Points::Zero },
                "確認",
            ));
        }
        let page = get(&app, reviewer.as_deref(), &format!("/ui/companies/{a}?fiscal_year=2025")).await;
        let one: BTreeSet<u16> = [kept].into();
        assert_eq!(counts_row(&page.body, "self"), Some(self_hand));
        assert_eq!(
            counts_row(&page.body, "reviewed"),
            Some([by_hand(&m, &[Star::Three], &one), by_hand(&m, &[Star::Three, Star::Four], &one)].concat())
        );

        // C has no sheet: said so.
        let page = get(&app, reviewer.as_deref(), &format!("/ui/companies/{}", g.c.id)).await;
        assert!(page.body.contains("id=\"scs-none\""), "{}", page.body);
        assert!(!page.body.contains("id=\"scs-self\""));
        // English on request.
        let req = TestRequest::get()
            .uri(&format!("/ui/companies/{a}?fiscal_year=2025"))
            .insert_header(("accept-language", "en"))
            .insert_header(("cookie", reviewer.clone().unwrap_or_default()));
        let body = String::from_utf8_lossy(&test::call_and_read_body(&app, req.to_request()).await).into_owned();
        assert!(body.contains("SCS ★3 / ★4 readiness") && body.contains("★3 criteria not fully met"));
    });
}

fn each_role_sees_its_bases_only(db: &TestDb) {
    let g = group(db, None);
    rt(async {
        let app = app!(g);
        let a = g.a.id;
        // Before release, A's own user sees the claimed basis only.
        let sub = cookie(&g, "subsidiary");
        let page = get(&app, sub.as_deref(), &format!("/ui/companies/{a}?fiscal_year=2025")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(counts_row(&page.body, "self").is_some());
        assert_eq!(counts_row(&page.body, "estimated"), None);
        assert_eq!(counts_row(&page.body, "reviewed"), None);
        assert!(page.body.contains("id=\"scs-hidden\""));
        assert!(!page.body.contains("#flag-"), "no unreleased flag is linked");
        let csv = |role: &'static str, company: i64, query: &'static str| {
            let c = cookie(&g, role);
            let app = &app;
            async move { get(app, c.as_deref(), &format!("/ui/companies/{company}/scs.csv?{query}")).await.status.as_u16() }
        };
        let cases: [(&str, i64, &str, u16); 13] = [
            ("subsidiary", a, "fiscal_year=2025&basis=self", 200),
            ("subsidiary", a, "fiscal_year=2025&basis=estimated", 403),
            ("subsidiary", a, "fiscal_year=2025&basis=reviewed", 403),
            ("other", a, "fiscal_year=2025&basis=self", 404),
            ("auditor", a, "fiscal_year=2025&basis=estimated", 200),
            ("admin", a, "fiscal_year=2025&basis=reviewed", 200),
            ("anonymous", a, "fiscal_year=2025&basis=self", 303),
            ("reviewer", g.c.id, "fiscal_year=2025&basis=self", 404),
            ("reviewer", 999_999, "fiscal_year=2025", 404),
            ("reviewer", a, "basis=self", 422),
            ("reviewer", a, "fiscal_year=2025&basis=best", 422),
            ("reviewer", a, "fiscal_year=2025&x=1", 422),
            ("reviewer", a, "fiscal_year=20x5", 422),
        ];
        for (role, company, query, want) in cases {
            assert_eq!(csv(role, company, query).await, want, "{role} {company} {query}");
        }
        // Once released, the estimated basis is the subsidiary's too.
        {
            let mut conn = ok(g.pool.get());
            let sheet =
                ok(hyoka_model::db::summaries::stored(&mut conn, a, ok(hyoka_model::domain::FiscalYear::new(2025))))
                    .map_or(0, |s| s.submission_id);
            ok(hyoka_model::db::review::release_flags(&mut conn, Actor::System, sheet));
        }
        assert_eq!(csv("subsidiary", a, "fiscal_year=2025&basis=estimated").await, 200);
        let page = get(&app, sub.as_deref(), &format!("/ui/companies/{a}?fiscal_year=2025")).await;
        assert!(counts_row(&page.body, "estimated").is_some());
        assert!(!page.body.contains("id=\"scs-hidden\""));
        // The overview (and its column) stays the parent's.
        assert_eq!(get(&app, sub.as_deref(), "/ui/overview").await.status, StatusCode::FORBIDDEN);
    });
}

hyoka_model::both_backends!(company_page_shows_the_readiness_of_the_api, each_role_sees_its_bases_only);
