//! The group pages in real Chromium over WebDriver: the reviewer filters the
//! overview from the keyboard, switches the heat map to the gap, opens a
//! company and its trend, and prints the overview to PDF; axe-core (vendored
//! under `tests/vendor/`, injected over WebDriver, never served by the app)
//! finds no serious or critical violation on the overview, the company page
//! and the items page. The console shows no CSP violation or script error.
//!
//! Without Chromium the test prints `SKIPPED (browser test)` and passes,
//! except under `CI=true`. Screenshots go to `target/ui-screenshots/`, and
//! to `docs/ui/` with `HYOKA_UPDATE_SCREENSHOTS=1`.

mod support;

#[path = "support/group.rs"]
mod fixture;

use std::path::Path;

use hyoka_model::db::testing::TestDb;
use hyoka_model::domain::{Evaluation, Level, Points};
use hyoka_model::workflow::Actor;
use serde_json::json;
use support::*;

const PASSWORD: &str = "browser-group-password";

/// More companies, so the heat map shows its range: each scores 2 except
/// every `k`-th item (0) and every `k+1`-th (1), some of them flagged.
fn more_companies(db: &TestDb) -> Step<()> {
    let pool = hyoka_model::db::pool(&db.url, 2).map_err(err("pool"))?;
    let mut conn = pool.get().map_err(err("conn"))?;
    for (n, (code, k)) in [("D01", 2u16), ("E01", 3), ("F01", 5), ("G01", 8), ("H01", 20)].into_iter().enumerate() {
        let level = [Level::Lv1, Level::Lv2, Level::Lv3][n % 3];
        let c = fixture::company(&mut conn, code, level, u8::try_from(n % 5 + 1).unwrap_or(1));
        let sha = char::from(b'1' + u8::try_from(n).unwrap_or(0));
        let id = fixture::sheet_with(&mut conn, &c, 2025, sha, |item| {
            if item % k == 0 {
                Evaluation::Rated(Points::Zero)
            } else if item % (k + 1) == 0 {
                Evaluation::Rated(Points::One)
            } else {
                Evaluation::DONE
            }
        });
        let flagged: Vec<_> =
            (1..=153u16).filter(|i| i % k != 0).take(usize::from(20 / k)).map(fixture::flag).collect();
        hyoka_model::db::writes::insert_flags(&mut conn, id, &flagged).map_err(err("flags"))?;
    }
    let _ = Actor::System;
    Ok(())
}

/// Shows the page as printed (`@media print`), or as on screen again.
fn print_media(b: &Browser, on: bool) -> Step<()> {
    let params = json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": if on { "print" } else { "" }}});
    b.cmd("POST", "/goog/cdp/execute", Some(params)).map(|_| ())
}

/// `\u{E007}` is WebDriver's Enter key.
const ENTER: &str = "\u{E007}";

fn journey(driver: &Driver, base: &str, g: &fixture::Group, profiles: &Path) -> Step<()> {
    let axe_js = axe_source()?;
    let b = driver.session(&profiles.join("reviewer"))?;
    let step = |name: &str, r: Step<()>| -> Step<()> {
        r.map_err(|e| {
            let _ = b.screenshot(&target_dir().join(format!("failed-{name}.png")));
            let _ = std::fs::write(target_dir().join(format!("failed-{name}.html")), b.source().unwrap_or_default());
            format!("step {name}: {e}")
        })
    };
    step("sign-in", sign_in(&b, base, "g-reviewer", PASSWORD))?;
    step(
        "overview",
        (|| {
            b.click("header.top nav a[href='/ui/overview']")?;
            b.wait_for_text("h1", "グループ概況")?;
            b.wait_for_text("#fig-companies", "8")?;
            keep(&b, "group-overview")?;
            axe(&b, "overview", &axe_js)
        })(),
    )?;
    step(
        "filter-by-keyboard",
        (|| {
            // Choose Lv2 and the priority order from the keyboard, then Enter on the button.
            b.type_in("#f-level", "Lv2")?;
            b.type_in("#f-sort", "優")?;
            b.type_in("#f-apply", ENTER)?;
            let t = std::time::Instant::now();
            loop {
                let q = b.js("return location.search;")?.as_str().unwrap_or("").to_owned();
                if q.contains("level=2") && q.contains("sort=priority") {
                    break;
                }
                if t.elapsed() > std::time::Duration::from_secs(10) {
                    return Err(format!("the filters did not apply: {q}"));
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            b.wait_for_text("#fig-companies", "4")?; // A01, C01, E01, H01
            // The GET form keeps its URL: the choices are still selected.
            let level = b.js("return document.querySelector('#f-level').value;")?;
            if level != "2" {
                return Err(format!("level shows {level}"));
            }
            Ok(())
        })(),
    )?;
    step(
        "gap",
        (|| {
            b.go(&format!("{base}/ui/overview?fiscal_year=2025"))?;
            b.click("nav.views a:nth-of-type(4)")?;
            b.find("#heatmap[data-view=gap]")?;
            b.wait_for_text(&format!("#company-{}", g.a.id), "▲")?;
            b.wait_for_text("#legend", "▲")?;
            keep(&b, "group-overview-gap")
        })(),
    )?;
    step(
        "print",
        (|| {
            let pdf = b.cmd("POST", "/print", Some(json!({"orientation": "landscape", "background": true})))?;
            let bytes = unbase64(pdf.as_str().unwrap_or(""));
            if !bytes.starts_with(b"%PDF") {
                return Err("the print is not a PDF".into());
            }
            let text = String::from_utf8_lossy(&bytes);
            let pages = text.matches("/Type /Page\n").count()
                + text.matches("/Type /Page\r").count()
                + text.matches("/Type /Page>").count()
                + text.matches("/Type /Page/").count()
                + text.matches("/Type/Page").count().saturating_sub(text.matches("/Type/Pages").count());
            let count = text.matches("/Count ").count();
            if pages == 0 && count == 0 {
                return Err(format!("the PDF has no page ({} bytes)", bytes.len()));
            }
            std::fs::write(target_dir().join("group-overview.pdf"), &bytes).map_err(err("write pdf"))?;
            // The print stylesheet: navigation and forms hidden, the footer with the time and filters shown.
            print_media(&b, true)?;
            let shown = b.js(
                "var d = function (s) { var e = document.querySelector(s); return e ? getComputedStyle(e).display : 'absent'; };\
                 return [d('header.top'), d('#filters'), d('nav.views'), d('#print-footer'), d('thead')].join(' ');",
            )?;
            if shown.as_str() != Some("none none none block table-header-group") {
                return Err(format!("in print: {shown}"));
            }
            b.wait_for_text("#print-footer", "JST")?;
            b.wait_for_text("#print-footer", "差（自己評価 − 推定）")?;
            b.screenshot(&target_dir().join("group-overview-print.png"))?;
            print_media(&b, false)
        })(),
    )?;
    step(
        "company",
        (|| {
            b.click(&format!("#company-{} a[href='/ui/companies/{}']", g.a.id, g.a.id))?;
            b.find("svg#trend")?;
            b.wait_for_text("#trend-table", "2024年度")?;
            b.wait_for_text("#areas", "情報セキュリティ")?;
            keep(&b, "company-trend")?;
            axe(&b, "company", &axe_js)
        })(),
    )?;
    step(
        "scs",
        (|| {
            // A's sheet is all 2 as claimed; ten Lv1 items are suggested 0.
            b.wait_for_text("#scs-self", "100%")?;
            b.find("#scs-estimated")?;
            b.find("#scs-gaps-3[open] tr[id^='scs-c-']")?;
            b.click("#scs-gaps-4 summary")?;
            b.find("#scs-gaps-4[open] tr[id^='scs-c-']")?;
            b.js("document.querySelector('#scs').scrollIntoView(); return true;")?;
            keep(&b, "company-scs")?;
            axe(&b, "company-scs", &axe_js)
        })(),
    )?;
    step(
        "items",
        (|| {
            b.click("header.top nav a[href='/ui/items']")?;
            b.wait_for_text("#items", "A01")?;
            keep(&b, "group-items")?;
            axe(&b, "items", &axe_js)?;
            // Printed, the folded parts are open.
            let folded = "return document.querySelector('#areas details .verbatim').checkVisibility();";
            if b.js(folded)? != false {
                return Err("a folded part shows before printing".into());
            }
            print_media(&b, true)?;
            let open = b.js(folded)?;
            print_media(&b, false)?;
            if open == true { Ok(()) } else { Err("a folded part stays closed in print".into()) }
        })(),
    )?;
    let errors = b.console_errors()?;
    if !errors.is_empty() {
        return Err(format!("console: {errors:?}"));
    }
    Ok(())
}

#[test]
fn group_pages_in_the_browser() {
    if !browser_available() {
        return;
    }
    let db = TestDb::sqlite();
    let g = fixture::group(&db, Some(PASSWORD));
    more_companies(&db).unwrap_or_else(|e| panic!("{e}"));
    let port = serve(&db).unwrap_or_else(|e| panic!("{e}"));
    let base = format!("http://127.0.0.1:{port}");
    let profiles = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let driver = Driver::start().unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = journey(&driver, &base, &g, profiles.path()) {
        panic!("{e}");
    }
}
