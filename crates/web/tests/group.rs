//! The group pages over HTTP, on SQLite and PostgreSQL: a tiny fixed group
//! (three companies, known answers) whose figures are worked out by hand
//! here, asserted in the HTML cells and compared with the JSON dashboards;
//! every route × every role with the headers; unknown filter values refused.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use hyoka_api::AppState;
use hyoka_model::db::testing::TestDb;
use hyoka_model::domain::Level;
use hyoka_web::security;
use serde_json::Value;

#[path = "support/group.rs"]
mod fixture;

use fixture::{Group, cookie, group, levels, ok, settings};

struct Got {
    status: StatusCode,
    headers: actix_web::http::header::HeaderMap,
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
    let headers = res.headers().clone();
    let body = String::from_utf8_lossy(&test::read_body(res).await).into_owned();
    Got { status, headers, body }
}

async fn api<S, B>(app: &S, g: &Group, path: &str) -> Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = TestRequest::get().uri(path).insert_header(("authorization", format!("Bearer {}", g.token)));
    let body = test::call_and_read_body(app, req.to_request()).await;
    ok(serde_json::from_slice(&body))
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

/// A rate as the pages show it.
fn pct(r: f64) -> String {
    format!("{:.0}%", r * 100.0)
}

/// The JSON API's rate as the pages show it.
fn pct_json(v: &Value) -> String {
    v.as_f64().map_or_else(|| "—".to_owned(), pct)
}

/// The heat-map cells of one company's row.
fn row_cells(body: &str, company_id: i64) -> Vec<String> {
    let start =
        body.find(&format!("<tr id=\"company-{company_id}\">")).unwrap_or_else(|| panic!("no row {company_id}"));
    let row = &body[start..start + body[start..].find("</tr>").unwrap_or(0)];
    row.split("cell-rate ")
        .skip(1)
        .filter_map(|p| Some(p.split_once('>')?.1.split_once("</td>")?.0.to_owned()))
        .collect()
}

/// The text of the element with this id.
fn by_id(body: &str, id: &str) -> String {
    let at = body.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let rest = &body[at..];
    let open = rest.find('>').unwrap_or(0) + 1;
    rest[open..open + rest[open..].find('<').unwrap_or(0)].to_owned()
}

const ROLES: [&str; 6] = ["admin", "reviewer", "auditor", "subsidiary", "other", "anonymous"];

fn every_group_route_by_every_role(db: &TestDb) {
    let g = group(db, None);
    rt(async {
        let app = app!(g);
        let a = g.a.id;
        let cases: Vec<(String, [u16; 6])> = vec![
            ("/ui/overview".into(), [200, 200, 200, 403, 403, 303]),
            (
                "/ui/overview?fiscal_year=2025&status=not_submitted&sort=risk&view=gap".into(),
                [200, 200, 200, 403, 403, 303],
            ),
            ("/ui/items".into(), [200, 200, 200, 403, 403, 303]),
            ("/ui/items?fiscal_year=2025&level=1&page=2".into(), [200, 200, 200, 403, 403, 303]),
            (format!("/ui/companies/{a}"), [200, 200, 200, 200, 404, 303]),
            (format!("/ui/companies/{}", g.b.id), [200, 200, 200, 404, 200, 303]),
            (format!("/ui/companies/{}", g.c.id), [200, 200, 200, 404, 404, 303]),
            ("/ui/companies/999999".into(), [404, 404, 404, 404, 404, 303]),
        ];
        for (path, want) in &cases {
            for (role, want) in ROLES.iter().zip(want) {
                let got = get(&app, cookie(&g, role).as_deref(), path).await;
                assert_eq!(got.status.as_u16(), *want, "GET {path} as {role}: {}", got.body);
                for (k, v) in security::HEADERS {
                    assert_eq!(got.headers.get(*k).and_then(|x| x.to_str().ok()), Some(*v), "{path} as {role}: {k}");
                }
                if got.status == StatusCode::SEE_OTHER {
                    assert_eq!(got.headers.get("location").and_then(|v| v.to_str().ok()), Some("/ui/login"));
                } else {
                    let ct = got.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
                    assert!(ct.starts_with("text/html"), "{path} as {role}: {ct}");
                }
            }
        }
        // Unknown filters and values are refused with a page, not ignored.
        let reviewer = cookie(&g, "reviewer");
        for path in [
            "/ui/overview?view=heat".to_owned(),
            "/ui/overview?sort=name".into(),
            "/ui/overview?status=lost".into(),
            "/ui/overview?level=4".into(),
            "/ui/overview?min_risk=101".into(),
            "/ui/overview?min_risk=x".into(),
            "/ui/overview?page=0".into(),
            "/ui/overview?fiscal_year=abc".into(),
            "/ui/overview?company_id=1".into(),
            "/ui/items?level=0".into(),
            "/ui/items?rule=x".into(),
            format!("/ui/companies/{a}?fiscal_year=1800"),
            format!("/ui/companies/{a}?x=1"),
        ] {
            let got = get(&app, reviewer.as_deref(), &path).await;
            assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", got.body);
            assert!(got.body.contains("<html"), "{path}: an HTML page");
        }
        // Names are shown as text on every group page.
        let evil = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
        let x = {
            let mut conn = ok(g.pool.get());
            let new = hyoka_model::db::companies::NewCompany {
                code: "X01".into(),
                name: evil.into(),
                industry: Some(evil.into()),
                target_level: Level::Lv1,
                impact_tier: ok(hyoka_model::domain::ImpactTier::new(1)),
                is_demo: false,
            };
            let x = ok(hyoka_model::db::writes::create_company(&mut conn, hyoka_model::workflow::Actor::System, &new));
            fixture::sheet(&mut conn, &x, 2025, hyoka_model::domain::Evaluation::NOT_DONE, 'e');
            x
        };
        for path in [
            "/ui/overview?fiscal_year=2025".to_owned(),
            "/ui/items?fiscal_year=2025".into(),
            format!("/ui/companies/{}", x.id),
        ] {
            let got = get(&app, reviewer.as_deref(), &path).await;
            assert_eq!(got.status, StatusCode::OK, "{path}");
            assert!(!got.body.contains("<script>alert") && !got.body.contains("<img src=x"), "{path}: raw HTML");
            assert!(
                got.body.contains("&#60;script&#62;alert(1)") || got.body.contains("&lt;script&gt;alert(1)"),
                "{path}"
            );
        }
        // Empty values in a GET form count as absent.
        let got =
            get(&app, reviewer.as_deref(), "/ui/overview?fiscal_year=2025&status=&level=&min_risk=&sort=code").await;
        assert_eq!(got.status, StatusCode::OK);
    });
}

fn pages_show_the_figures_of_the_json_dashboards(db: &TestDb) {
    let g = group(db, None);
    let lv = levels();
    let count = |l: Level| lv.iter().filter(|(_, x)| *x == l).count() as f64;
    let (n1, n2, n3) = (count(Level::Lv1), count(Level::Lv2), count(Level::Lv3));
    let all = n1 + n2 + n3;
    // By hand. A (target Lv2): self 2 everywhere; ten Lv1 items suggested 0.
    let a_self = ["100%"; 5].map(str::to_owned);
    let a_sug = [pct((n1 - 10.0) / n1), pct(1.0), pct(1.0), pct((n1 + n2 - 10.0) / (n1 + n2)), pct((all - 10.0) / all)];
    let a_gap = [
        format!("▲{}", (1000.0 / n1).round()),
        "±0".to_owned(),
        "±0".to_owned(),
        format!("▲{}", (1000.0 / (n1 + n2)).round()),
        format!("▲{}", (1000.0 / all).round()),
    ];
    // B (target Lv1): 1 everywhere, one Lv1 item suggested 0.
    let b_sug_lv1 = (n1 - 1.0) / (2.0 * n1);
    // The group's means over A and B (C has not submitted).
    let mean_self_target = pct((1.0 + 0.5) / 2.0);
    let mean_sug_target = pct(((n1 + n2 - 10.0) / (n1 + n2) + b_sug_lv1) / 2.0);
    rt(async {
        let app = app!(g);
        let reviewer = cookie(&g, "reviewer");
        let json = api(&app, &g, "/api/v1/dashboards/overview?fiscal_year=2025").await;
        let line = |id: i64| {
            json["companies"]["items"].as_array().and_then(|v| v.iter().find(|l| l["company"]["id"] == id)).cloned()
        };
        let scopes = ["lv1", "lv2", "lv3", "target", "overall"];
        let json_cells = |id: i64, view: &str| -> Vec<String> {
            let l = line(id).unwrap_or_default();
            scopes.iter().map(|s| pct_json(&l["year"]["rates"][view][s])).collect()
        };

        let page = get(&app, reviewer.as_deref(), "/ui/overview?fiscal_year=2025").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(row_cells(&page.body, g.a.id), a_self.to_vec());
        assert_eq!(row_cells(&page.body, g.a.id), json_cells(g.a.id, "self"));
        assert_eq!(row_cells(&page.body, g.b.id), ["50%"; 5].map(str::to_owned).to_vec());
        assert_eq!(row_cells(&page.body, g.b.id), json_cells(g.b.id, "self"));
        // C has not submitted: said so, not a row of dashes.
        let c_row = &page.body[page.body.find(&format!("<tr id=\"company-{}\">", g.c.id)).unwrap_or(0)..];
        assert!(c_row[..c_row.find("</tr>").unwrap_or(0)].contains("未提出"));
        assert!(row_cells(&page.body, g.c.id).is_empty());
        assert!(page.body.contains(&format!("href=\"/ui/companies/{}\"", g.a.id)));
        // The figures of the year.
        assert_eq!(by_id(&page.body, "fig-companies"), "3");
        assert_eq!(by_id(&page.body, "fig-companies"), json["group"]["companies"].to_string());
        assert_eq!(by_id(&page.body, "fig-submitted"), "2");
        assert_eq!(by_id(&page.body, "fig-not-submitted"), "1");
        assert_eq!(by_id(&page.body, "fig-overdue"), "1", "the deadline passed five days ago");
        assert_eq!(by_id(&page.body, "fig-mean-self"), mean_self_target);
        assert_eq!(by_id(&page.body, "fig-mean-self"), pct_json(&json["group"]["mean_rates"]["self"]["target"]));
        assert_eq!(by_id(&page.body, "fig-mean-suggested"), mean_sug_target);
        assert_eq!(
            by_id(&page.body, "fig-mean-suggested"),
            pct_json(&json["group"]["mean_rates"]["suggested"]["target"])
        );
        assert_eq!(by_id(&page.body, "fig-open-flags"), "11");
        assert_eq!(by_id(&page.body, "fig-open-flags"), json["group"]["flags"]["open"].to_string());

        // Suggested, and the gap with ▲ and the number.
        let page = get(&app, reviewer.as_deref(), "/ui/overview?fiscal_year=2025&view=suggested").await;
        assert_eq!(row_cells(&page.body, g.a.id), a_sug.to_vec());
        assert_eq!(row_cells(&page.body, g.a.id), json_cells(g.a.id, "suggested"));
        assert_eq!(row_cells(&page.body, g.b.id)[0], pct(b_sug_lv1));
        let page = get(&app, reviewer.as_deref(), "/ui/overview?fiscal_year=2025&view=gap").await;
        assert_eq!(row_cells(&page.body, g.a.id), a_gap.to_vec());
        assert!(page.body.contains("class=\"num cell-rate gap-"), "gap cells have their own colour classes");

        // Filters: not submitted only; level; the same group figures as the API with the same filter.
        let page = get(&app, reviewer.as_deref(), "/ui/overview?fiscal_year=2025&status=not_submitted").await;
        assert!(row_cells(&page.body, g.c.id).is_empty() && !page.body.contains(&format!("company-{}\"", g.a.id)));
        let page = get(&app, reviewer.as_deref(), "/ui/overview?fiscal_year=2025&level=1").await;
        let j1 = api(&app, &g, "/api/v1/dashboards/overview?fiscal_year=2025&level=1").await;
        assert_eq!(by_id(&page.body, "fig-companies"), "1");
        assert_eq!(by_id(&page.body, "fig-mean-self"), pct_json(&j1["group"]["mean_rates"]["self"]["target"]));
        assert_eq!(by_id(&page.body, "fig-mean-self"), "50%");
        // The filters stay in the paging and view links.
        assert!(page.body.contains("/ui/overview?fiscal_year=2025&#38;level=1&#38;sort=code&#38;view=gap"));

        // Items: the flagged items first, with the weakest companies, all of them when they tie.
        let page = get(&app, reviewer.as_deref(), "/ui/items?fiscal_year=2025").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = api(&app, &g, "/api/v1/dashboards/items?fiscal_year=2025&per_page=200").await;
        let first = &items["items"][0];
        assert_eq!(first["item"], g.flagged[0]);
        assert_eq!(first["flags"]["total"], 2);
        let at = page.body.find("<tbody>\n<tr id=\"item-").unwrap_or(0);
        let first_row = &page.body[at..at + page.body[at..].find("</tr>").unwrap_or(0)];
        assert!(first_row.contains(&format!("id=\"item-{}\"", g.flagged[0])), "{first_row}");
        assert!(first_row.contains(">2</td><td class=\"num\">2</td>"), "2 flags, 2 open: {first_row}");
        assert!(first_row.contains("A01 株式会社A01") && first_row.contains("B01 株式会社B01"), "{first_row}");
        assert!(first_row.contains(&format!("/ui/flags?fiscal_year=2025&amp;item={}", g.flagged[0])));
        // Another flagged item: A alone at 0.
        let at = page.body.find(&format!("<tr id=\"item-{}\">", g.flagged[1])).unwrap_or(0);
        let row = &page.body[at..at + page.body[at..].find("</tr>").unwrap_or(0)];
        assert!(row.contains("A01 株式会社A01") && !row.contains("B01"), "{row}");
        // The claimed spread: A at 2, B at 1.
        assert!(row.contains("<td class=\"spread\">1/1/0/0/0</td>"), "{row}");

        // A level: the same items in the same order as the API's.
        let page1 = get(&app, reviewer.as_deref(), "/ui/items?fiscal_year=2025&level=1").await;
        let api1 = api(&app, &g, "/api/v1/dashboards/items?fiscal_year=2025&level=1&per_page=50").await;
        let shown: Vec<String> = page1
            .body
            .split("<tr id=\"item-")
            .skip(1)
            .filter_map(|p| p.split_once('"').map(|x| x.0.to_owned()))
            .collect();
        let wanted: Vec<String> =
            api1["items"].as_array().cloned().unwrap_or_default().iter().map(|l| l["item"].to_string()).collect();
        assert!(!shown.is_empty());
        assert_eq!(shown, wanted);
        // Areas on the items page: self means of A (100%) and B (50%).
        let at = page.body.find("<th scope=\"row\">情報セキュリティ</th>").unwrap_or_else(|| panic!("no area row"));
        let row = &page.body[at..at + page.body[at..].find("</tr>").unwrap_or(0)];
        assert!(row.contains(">75%</td>"), "{row}");
        let open_here =
            g.flagged.iter().filter(|n| (1..=10).contains(*n)).count() + usize::from((1..=10).contains(&g.flagged[0]));
        assert!(row.contains(&format!("<td class=\"num\">{open_here}</td>")), "{open_here}: {row}");
        assert!(page.body.contains("（未設定）"));

        // The company page: trend, the same numbers as the JSON trend, sheets, sizes, compare.
        let page = get(&app, reviewer.as_deref(), &format!("/ui/companies/{}", g.a.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let trend = api(&app, &g, &format!("/api/v1/dashboards/trend?company_id={}", g.a.id)).await;
        assert!(page.body.contains("<svg class=\"trend\" id=\"trend\" role=\"img\""));
        assert!(page.body.contains("<title id=\"trend-title\">"));
        assert!(page.body.contains("<polyline class=\"line\""));
        let years = trend["company"]["years"].as_array().cloned().unwrap_or_default();
        assert_eq!(years.len(), 2);
        assert_eq!(pct_json(&years[0]["rates"]["self"]["target"]), "50%");
        let table = &page.body[page.body.find("id=\"trend-table\"").unwrap_or(0)..];
        assert!(table.contains("<th scope=\"row\">2024年度（令和6年度）</th><td class=\"num\">50%</td>"), "{table}");
        let row25 = format!(
            "<th scope=\"row\">2025年度（令和7年度）</th><td class=\"num\">100%</td><td class=\"num\">{}</td><td class=\"num\">100%</td><td class=\"num\">{}</td>",
            pct_json(&years[1]["rates"]["suggested"]["target"]),
            pct_json(&trend["group"][1]["mean_rates"]["self"]["target"]),
        );
        assert!(table.contains(&row25), "{row25}");
        assert!(
            page.body.contains(&format!("/ui/submissions/{}/compare?against=previous_year", years[1]["submission_id"]))
        );
        assert!(page.body.contains("A01-2024.xlsx") && page.body.contains("A01-2025.xlsx"));
        assert!(page.body.contains("<td class=\"num\">42</td><td class=\"num\">2</td>"));
        assert!(page.body.contains("<th scope=\"row\">人事</th>"));

        // Its subsidiary sees its own trend without the group mean, and no findings before release.
        let sub = cookie(&g, "subsidiary");
        let page = get(&app, sub.as_deref(), &format!("/ui/companies/{}", g.a.id)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("グループ平均"), "the group is not the subsidiary's to see");
        assert!(page.body.contains(&format!("<a href=\"/ui/companies/{}\">自社の推移</a>", g.a.id)));
        assert!(!page.body.contains("href=\"/ui/overview\""), "no link to what it may not see");
        let table = &page.body[page.body.find("id=\"trend-table\"").unwrap_or(0)..];
        assert!(table.contains(
            "<th scope=\"row\">2025年度（令和7年度）</th><td class=\"num\">100%</td><td class=\"num\">—</td>"
        ));
        // Japanese by default, English on request, with the same numbers.
        let page = get(&app, reviewer.as_deref(), "/ui/overview?fiscal_year=2025").await;
        assert!(page.body.contains("lang=\"ja\"") && page.body.contains("グループ概況"));
        for path in [
            "/ui/overview?fiscal_year=2025&view=gap".to_owned(),
            "/ui/items".into(),
            format!("/ui/companies/{}", g.a.id),
        ] {
            let req = TestRequest::get()
                .uri(&path)
                .insert_header(("host", "localhost:8080"))
                .insert_header(("accept-language", "en-US,en;q=0.9"))
                .insert_header(("cookie", reviewer.clone().unwrap_or_default()));
            let body = String::from_utf8_lossy(&test::call_and_read_body(&app, req.to_request()).await).into_owned();
            assert!(body.contains("lang=\"en\""), "{path}");
            if path.contains("gap") {
                assert!(body.contains("Gap (self − suggested)"));
                assert_eq!(row_cells(&body, g.a.id), a_gap.to_vec());
            }
            if path.contains("companies") {
                assert!(body.contains("Achievement over the years") && body.contains("FY2025"));
            }
            if path.contains("items") {
                assert!(body.contains("Weakest companies") && body.contains("(not given)"));
            }
        }
    });
}

hyoka_model::both_backends!(every_group_route_by_every_role, pages_show_the_figures_of_the_json_dashboards);
