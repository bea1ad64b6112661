//! Browser journeys of the flags explorer and the administration in real
//! Chromium over WebDriver (the harness in `support`): the auditor filters
//! the flags and downloads the CSV (fetched in the page; BOM present,
//! Japanese intact); the admin opens a collection and creates a subsidiary
//! user, who then signs in. Without Chromium the test prints `SKIPPED
//! (browser test)` and passes, except under `CI=true`. With
//! `HYOKA_UPDATE_SCREENSHOTS=1` the pages are written to `docs/ui/`.

mod support;

use hyoka_model::db::companies::NewCompany;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::{self, Account, NewUser};
use hyoka_model::domain::{ImpactTier, Level};
use hyoka_model::workflow::Actor;
use hyoka_service::Pipeline;
use hyoka_service::sheets::ImportOptions;
use serde_json::json;
use support::*;

const PASSWORD: &str = "browser-test-password";

/// Two companies, a sheet of the first with flags (stored as an upload
/// is), an auditor and an admin. Returns the second company's id.
fn setup(db: &TestDb) -> Step<i64> {
    let pool = hyoka_model::db::pool(&db.url, 2).map_err(err("pool"))?;
    let mut conn = pool.get().map_err(err("conn"))?;
    let mut ids = Vec::new();
    for (code, name) in [("K01", "株式会社協和電装"), ("M02", "丸の内ロジスティクス株式会社")] {
        let c = hyoka_model::db::writes::create_company(
            &mut conn,
            Actor::System,
            &NewCompany {
                code: code.into(),
                name: name.into(),
                industry: None,
                target_level: Level::Lv2,
                impact_tier: ImpactTier::new(2).map_err(err("tier"))?,
                is_demo: false,
            },
        )
        .map_err(err("company"))?;
        ids.push(c.id);
    }
    let pipeline = Pipeline::load(&mut conn, hyoka_api::Settings::default().limits).map_err(err("pipeline"))?;
    let options = ImportOptions { company: Some("K01".into()), ..ImportOptions::default() };
    hyoka_service::sheets::store_bytes(
        &mut conn,
        &pipeline,
        Actor::System,
        "sheet.json",
        &sheet("K01", 2025, &[5, 9, 14]),
        &options,
    )
    .map_err(err("store"))?;
    for (login, account) in [("aud", Account::Auditor), ("adm", Account::Admin)] {
        let hash = hyoka_model::credentials::hash_password(&hyoka_model::credentials::Secret::new(PASSWORD))
            .map_err(err("hash"))?;
        let new =
            NewUser {
                login: login.into(), display_name: format!("担当 {login}"), account, password_hash: Some(hash)
            };
        users::create(&mut conn, Actor::System, &new).map_err(err("user"))?;
    }
    Ok(ids[1])
}

fn step(b: &Browser, name: &str, r: Step<()>) -> Step<()> {
    r.map_err(|e| {
        let _ = b.screenshot(&target_dir().join(format!("failed-{name}.png")));
        let _ = std::fs::write(target_dir().join(format!("failed-{name}.html")), b.source().unwrap_or_default());
        format!("step {name}: {e}")
    })
}

/// Fetches the download link in the page and returns its first bytes and
/// its text (decoded as UTF-8).
fn download(b: &Browser, css: &str) -> Step<(Vec<u64>, String)> {
    let script = "var done = arguments[arguments.length - 1];\
                  fetch(document.querySelector(arguments[0]).href, {credentials: 'same-origin'})\
                  .then(function (r) { return r.arrayBuffer(); })\
                  .then(function (buf) { var u = new Uint8Array(buf);\
                    done({head: Array.from(u.slice(0, 3)), text: new TextDecoder('utf-8').decode(u)}); })\
                  .catch(function (e) { done({error: String(e)}); });";
    let v = b.cmd("POST", "/execute/async", Some(json!({"script": script, "args": [css]})))?;
    if let Some(e) = v.get("error") {
        return Err(format!("fetch: {e}"));
    }
    let head = v["head"].as_array().into_iter().flatten().filter_map(|x| x.as_u64()).collect();
    Ok((head, v["text"].as_str().unwrap_or("").to_owned()))
}

fn journeys(driver: &Driver, base: &str, profiles: &std::path::Path, other_company: i64) -> Step<()> {
    let mut console = Vec::new();
    let axe_js = axe_source()?;
    // The auditor filters the flags and downloads the CSV of the filter.
    let aud = driver.session(&profiles.join("aud"))?;
    step(&aud, "aud-sign-in", sign_in(&aud, base, "aud", PASSWORD))?;
    step(
        &aud,
        "aud-flags",
        (|| {
            aud.click("header nav a[href='/ui/flags']")?;
            aud.find("#flag-table")?;
            aud.js("document.getElementById('f-severity').value = 'high';")?;
            aud.type_in("#f-fiscal-year", "2025")?;
            aud.click("#filter-button")?;
            aud.wait_for_text("#flag-total", ":")?;
            let url = aud.js("return location.search;")?;
            if !url.as_str().unwrap_or("").contains("severity=high") {
                return Err(format!("the filter is not in the URL: {url}"));
            }
            let href = aud.js("return document.getElementById('flags-csv').getAttribute('href');")?;
            if href.as_str() != Some("/ui/flags.csv?fiscal_year=2025&severity=high") {
                return Err(format!("the CSV link does not carry the filters: {href}"));
            }
            let (head, text) = download(&aud, "#flags-csv")?;
            if head != [0xEF, 0xBB, 0xBF] {
                return Err(format!("no BOM: {head:?}"));
            }
            if !text.contains("株式会社協和電装") || !text.contains("high") {
                return Err(format!("the CSV lacks the company or the filter: {text}"));
            }
            if text.lines().skip(1).any(|l| l.contains(",medium,") || l.contains(",low,")) {
                return Err(format!("the CSV ignores the severity filter: {text}"));
            }
            keep(&aud, "flags-explorer")?;
            axe(&aud, "flags-explorer", &axe_js)?;
            aud.go(&format!("{base}/ui/audit"))?;
            axe(&aud, "audit", &axe_js)
        })(),
    )?;
    console.extend(aud.console_errors()?);

    // The admin opens a collection and creates a subsidiary user.
    let adm = driver.session(&profiles.join("adm"))?;
    step(&adm, "adm-sign-in", sign_in(&adm, base, "adm", PASSWORD))?;
    step(
        &adm,
        "adm-collection",
        (|| {
            adm.click("header nav a[href='/ui/collections']")?;
            adm.find("#open-collection")?;
            adm.js("var y = document.getElementById('c-fiscal-year'); y.value = ''; ")?;
            adm.type_in("#c-fiscal-year", "2026")?;
            adm.type_in("#c-title", "2026年度 自己評価の提出依頼")?;
            adm.js("document.getElementById('c-deadline').value = '2027-07-30';")?;
            adm.type_in("#c-message", "期限までに提出してください。")?;
            adm.click("#open-button")?;
            adm.wait_for_text("#collection-title", "2026年度 自己評価の提出依頼")?;
            adm.wait_for_text("#deadline", "2027年7月30日")?;
            adm.wait_for_text("#progress", "丸の内ロジスティクス株式会社")?;
            keep(&adm, "collection")?;
            axe(&adm, "collection", &axe_js)?;
            adm.go(&format!("{base}/ui/collections"))?;
            axe(&adm, "collections-form", &axe_js)
        })(),
    )?;
    step(
        &adm,
        "adm-user",
        (|| {
            adm.click("header nav a[href='/ui/admin/users']")?;
            adm.find("#create-user")?;
            adm.type_in("#u-login", "maru-user")?;
            adm.type_in("#u-display-name", "丸の内 花子")?;
            adm.js(&format!("document.getElementById('u-company').value = '{other_company}';"))?;
            adm.type_in("#u-password", "maru-first-password")?;
            adm.click("#create-user-button")?;
            adm.wait_for_text("#flash", "保存しました")?;
            adm.wait_for_text("#users", "maru-user")?;
            adm.wait_for_text("#users", "丸の内ロジスティクス株式会社")?;
            keep(&adm, "admin-users")?;
            axe(&adm, "admin-users-form", &axe_js)?;
            adm.go(&format!("{base}/ui/admin/companies"))?;
            axe(&adm, "admin-companies-form", &axe_js)?;
            adm.go(&format!("{base}/ui/account/tokens"))?;
            axe(&adm, "tokens-form", &axe_js)?;
            adm.go(&format!("{base}/ui/account/password"))?;
            axe(&adm, "password-form", &axe_js)
        })(),
    )?;
    console.extend(adm.console_errors()?);

    // The new user signs in and sees its company's collection.
    let maru = driver.session(&profiles.join("maru"))?;
    step(
        &maru,
        "new-user",
        (|| {
            sign_in(&maru, base, "maru-user", "maru-first-password")?;
            maru.wait_for_text(".company", "丸の内ロジスティクス株式会社")?;
            maru.wait_for_text("#status", "未提出")?;
            maru.wait_for_text("#deadline", "2027年7月30日")
        })(),
    )?;
    console.extend(maru.console_errors()?);
    if !console.is_empty() {
        return Err(format!("console errors (CSP?): {console:?}"));
    }
    Ok(())
}

#[test]
fn admin_browser_journeys() {
    if !browser_available() {
        return;
    }
    let db = TestDb::sqlite();
    let run = || -> Step<()> {
        let other = setup(&db)?;
        let port = serve(&db)?;
        let dir = tempfile::tempdir().map_err(err("tempdir"))?;
        let driver = Driver::start()?;
        journeys(&driver, &format!("http://127.0.0.1:{port}"), dir.path(), other)
    };
    if let Err(e) = run() {
        panic!("{e} (screenshots and page sources in {})", target_dir().display());
    }
}
