//! Browser journeys in real Chromium, driven over WebDriver (chromedriver)
//! from `cargo test`. The server runs in this process on a free loopback
//! port, on SQLite.
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` the test prints
//! `SKIPPED (browser test)` and passes, except under `CI=true`, where it
//! fails. A failed step saves a screenshot and the page source under
//! `target/ui-screenshots/`. With `HYOKA_UPDATE_SCREENSHOTS=1` the main pages
//! are also written to `docs/ui/` (in Japanese).
//!
//! The WebDriver client is the few JSON-over-HTTP calls the journeys need,
//! on `std::net` (no WebDriver crate to build).

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use hyoka_model::db::companies::NewCompany;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::users::{self, Account, NewUser};
use hyoka_model::domain::{FiscalYear, ImpactTier, Level};
use hyoka_model::workflow::Actor;
use serde_json::{Value, json};
use support::*;

fn setup(db: &TestDb) -> Step<()> {
    let pool = hyoka_model::db::pool(&db.url, 2).map_err(err("pool"))?;
    let mut conn = pool.get().map_err(err("conn"))?;
    let company = hyoka_model::db::writes::create_company(
        &mut conn,
        Actor::System,
        &NewCompany {
            code: "K01".into(),
            name: "株式会社協和電装".into(),
            industry: None,
            target_level: Level::Lv2,
            impact_tier: ImpactTier::new(2).map_err(err("tier"))?,
            is_demo: false,
        },
    )
    .map_err(err("company"))?;
    let today = hyoka_web::i18n::today_jst();
    hyoka_model::db::writes::open_collection(
        &mut conn,
        Actor::System,
        &hyoka_model::db::collections::NewCollection {
            fiscal_year: FiscalYear::new(2025).map_err(err("fy"))?,
            title: "2025年度 自己評価の提出依頼".into(),
            deadline: today + chrono::Duration::days(12),
            message: Some("期限までに提出してください。".into()),
            members: vec![(company.id, None)],
        },
    )
    .map_err(err("collection"))?;
    for (login, account) in [("sub", Account::Subsidiary(company.id)), ("rev", Account::Reviewer)] {
        let hash =
            hyoka_model::credentials::hash_password(&hyoka_model::credentials::Secret::new("browser-test-password"))
                .map_err(err("hash"))?;
        let new =
            NewUser {
                login: login.into(), display_name: format!("担当 {login}"), account, password_hash: Some(hash)
            };
        users::create(&mut conn, Actor::System, &new).map_err(err("user"))?;
    }
    Ok(())
}

fn journeys(driver: &Driver, base: &str, files: &Path, profiles: &Path) -> Step<()> {
    let mut csp = Vec::new();
    // The subsidiary: home, a self-check, a refused file, then the checked file submitted in one click.
    let sub = driver.session(&profiles.join("sub"))?;
    let step = |b: &Browser, name: &str, r: Step<()>| -> Step<()> {
        r.map_err(|e| {
            let _ = b.screenshot(&target_dir().join(format!("failed-{name}.png")));
            let _ = std::fs::write(target_dir().join(format!("failed-{name}.html")), b.source().unwrap_or_default());
            format!("step {name}: {e}")
        })
    };
    step(&sub, "sub-sign-in", sign_in(&sub, base, "sub", "browser-test-password"))?;
    step(
        &sub,
        "sub-home",
        (|| {
            sub.wait_for_text("#status", "未提出")?;
            sub.wait_for_text("#deadline", "あと12日")?;
            keep(&sub, "subsidiary-home")
        })(),
    )?;
    step(
        &sub,
        "sub-refused",
        (|| {
            sub.go(&format!("{base}/ui/upload"))?;
            sub.type_in("#file", &files.join("refused.json").display().to_string())?;
            sub.click("#upload-button")?;
            sub.wait_for_text("#refused", "何も保存されていません")?;
            keep(&sub, "refusal-table")
        })(),
    )?;
    step(
        &sub,
        "sub-self-check",
        (|| {
            sub.go(&format!("{base}/ui/check"))?;
            sub.type_in("#file", &files.join("sheet.json").display().to_string())?;
            sub.click("#check-button")?;
            sub.wait_for_text("#check-result", "保存されていません")?;
            sub.find("#check-flags")?;
            keep(&sub, "self-check")?;
            // The same file, still chosen, submitted with one click.
            sub.click("#submit-checked")?;
            sub.wait_for_text("#flash", "保存しました")?;
            sub.go(&format!("{base}/ui/home"))?;
            sub.wait_for_text("#status", "提出済み")
        })(),
    )?;
    csp.extend(sub.console_errors()?);

    // The reviewer: the queue, start the review, one decision in place, the rest at once, return.
    let rev = driver.session(&profiles.join("rev"))?;
    step(&rev, "rev-sign-in", sign_in(&rev, base, "rev", "browser-test-password"))?;
    step(
        &rev,
        "rev-review",
        (|| {
            rev.find("#queue")?;
            rev.click("#queue a")?;
            rev.click("#start-review")?;
            rev.wait_for_text("#status", "レビュー中")?;
            let before = rev.text("#decided-count")?;
            rev.type_in("#item-5 form.decide input[name=comment]", "根拠に未実施とあるため1点とします")?;
            rev.js("document.querySelector('#item-5 form.decide select').value = '1';")?;
            rev.click("#item-5 form.decide button")?;
            let t = Instant::now();
            while rev.text("#decided-count")? == before {
                if t.elapsed() > Duration::from_secs(10) {
                    return Err("the counter did not change after a decision".into());
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            keep(&rev, "review-workspace")?;
            // Select every undecided flag, dismiss them with one comment.
            let n = rev.js("var b = document.querySelectorAll('input[name=flag]'); b.forEach(function (x) { x.click(); }); return b.length;")?;
            if n.as_u64().unwrap_or(0) > 0 {
                rev.click("#bulk-dismiss")?;
                rev.find("#bulk-comment")?;
                rev.type_in("#bulk-comment", "根拠を確認済み")?;
                rev.click("#bulk-decide")?;
            }
            // The bulk form posts and the page reloads; the return form was already on the old page,
            // so wait for the counter itself rather than for an element.
            let t = Instant::now();
            loop {
                let count = rev.text("#decided-count")?;
                let (done, total) = count.split_once(" / ").ok_or(format!("counter {count:?}"))?;
                if total.starts_with(done) {
                    break;
                }
                if t.elapsed() > Duration::from_secs(10) {
                    return Err(format!("not all decided: {count}"));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            rev.find("#return-message-input")?;
            rev.js("document.getElementById('item-5') && document.getElementById('item-5').scrollIntoView();")?;
            keep(&rev, "item-side-by-side")?;
            rev.type_in("#return-message-input", "項目5の根拠を見直してください。")?;
            rev.click("#return")?;
            rev.wait_for_text("#status", "差し戻し")
        })(),
    )?;
    csp.extend(rev.console_errors()?);

    // The subsidiary sees the return message, the released flags, replies; then switches language.
    step(
        &sub,
        "sub-returned",
        (|| {
            sub.go(&format!("{base}/ui/home"))?;
            sub.wait_for_text("#return-message", "項目5の根拠を見直してください。")?;
            keep(&sub, "subsidiary-returned")?;
            sub.click("#collection a.button:not(.primary)")?;
            sub.find("form.reply textarea")?;
            sub.type_in("form.reply textarea", "規程を制定しました。")?;
            sub.click("form.reply button")?;
            sub.wait_for_text("#flags", "規程を制定しました。")?;
            sub.click("#lang-switch")?;
            // The switch reloads the page: wait for the English one before reading it.
            sub.wait_for_text("#lang-switch", "日本語")?;
            let lang = sub.js("return document.documentElement.lang;")?;
            if lang != "en" {
                return Err(format!("html lang is {lang} after the switch"));
            }
            sub.wait_for_text("#flags", "Findings")
        })(),
    )?;
    csp.extend(sub.console_errors()?);
    if !csp.is_empty() {
        return Err(format!("console errors (CSP?): {csp:?}"));
    }
    Ok(())
}

#[test]
fn browser_journeys() {
    if !browser_available() {
        return;
    }
    let db = TestDb::sqlite();
    let run = || -> Step<()> {
        setup(&db)?;
        let port = serve(&db)?;
        let dir = tempfile::tempdir().map_err(err("tempdir"))?;
        std::fs::write(dir.path().join("sheet.json"), sheet("K01", 2025, &[5, 9, 14])).map_err(err("write"))?;
        // A whole sheet with two answers hyoka cannot read: a refusal of two rows.
        let mut refused: Value = serde_json::from_slice(&sheet("K01", 2025, &[])).map_err(err("json"))?;
        refused["answers"][0]["evaluation"] = json!(7);
        refused["answers"][1]["evaluation"] = json!("済");
        std::fs::write(dir.path().join("refused.json"), refused.to_string()).map_err(err("write"))?;
        let driver = Driver::start()?;
        journeys(&driver, &format!("http://127.0.0.1:{port}"), dir.path(), dir.path())
    };
    if let Err(e) = run() {
        panic!("{e} (screenshots and page sources in {})", target_dir().display());
    }
}
