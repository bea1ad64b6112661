//! Group rules on small hand-made groups: cohorts, year over year, copied
//! evidence, rollouts, and what a reason may reveal.

use chrono::NaiveDate;
use hyoka_anomaly::group::{DateSource, GroupInput, GroupSheet, analyse};
use hyoka_anomaly::{CompanySize, DetectorConfig};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, ItemNumber, Level};
use hyoka_model::sheet::Answer;

fn config() -> DetectorConfig {
    DetectorConfig::builtin().unwrap_or_else(|e| panic!("{e}"))
}

fn catalog() -> Catalog {
    Catalog::builtin().unwrap_or_else(|e| panic!("{e}"))
}

/// A 20-item sheet: items 1..=done at 2, the rest 0, each with its own text.
fn sheet(company: i64, done: u16, text: impl Fn(u16) -> String) -> Vec<Answer> {
    (1..=20)
        .map(|n| Answer {
            item: ItemNumber::new(n).unwrap_or_else(|e| panic!("{e}")),
            level: Level::Lv1,
            evaluation: if n <= done { Evaluation::DONE } else { Evaluation::NOT_DONE },
            evidence: text(n).replace("{c}", &company.to_string()),
            responsible_area: None,
            source_cell: None,
        })
        .collect()
}

fn honest_text(n: u16) -> String {
    if n <= 4 {
        format!("第{n}号規程を20{}年{}月に制定し運用(会社{{c}})", 10 + n, n)
    } else {
        format!("未実施。来年度に対応予定(会社{{c}}, 項目{n})")
    }
}

fn day(y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, 6, 30).unwrap_or_default()
}

fn group_sheet(company: i64, answers: &[Answer], y: i32) -> GroupSheet<'_> {
    GroupSheet {
        company,
        size: CompanySize { employees: Some(30), it_staff: Some(1) },
        answers,
        assessed_on: day(y),
        date_source: DateSource::Sheet,
        uploaded_on: None,
        name: "",
    }
}

#[test]
fn raising_a_score_without_changing_the_evidence_is_caught_unless_the_group_rolled_it_out() {
    let cat = catalog();
    let before: Vec<Vec<Answer>> = (0..10).map(|c| sheet(c, 3, honest_text)).collect();
    let mut after = before.clone();
    // Company 0 raises No.6 keeping last year's "not done" wording.
    after[0][5].evaluation = Evaluation::DONE;
    // Everyone moves No.8 to 2 with the group's new EDR: a rollout.
    for a in &mut after {
        a[7].evaluation = Evaluation::DONE;
        a[7].evidence = "親会社主導でグループ共通のEDRを2024年5月に全PCへ導入済".into();
    }
    let cur: Vec<_> = after.iter().enumerate().map(|(i, a)| group_sheet(i as i64, a, 2024)).collect();
    let prev: Vec<_> = before.iter().enumerate().map(|(i, a)| group_sheet(i as i64, a, 2023)).collect();
    let found = analyse(&GroupInput { catalog: &cat, current: &cur, previous: &prev }, &config());
    let raised: Vec<_> = found.iter().filter(|f| f.finding.rule == "raised_same_evidence").collect();
    assert_eq!(raised.len(), 1, "{found:?}");
    assert_eq!((raised[0].sheet, raised[0].finding.target.item().map(ItemNumber::get)), (0, Some(6)));
    assert!(!found.iter().any(|f| f.finding.target.item().map(ItemNumber::get) == Some(8)), "a rollout is not flagged");
}

#[test]
fn a_date_that_contradicts_last_years_zero_is_caught() {
    let cat = catalog();
    let before = vec![sheet(1, 3, honest_text)];
    let mut after = before.clone();
    after[0][9].evaluation = Evaluation::DONE;
    after[0][9].evidence = "アクセス管理規程を2019年4月に制定し、毎年見直している".into();
    let cur = [group_sheet(1, &after[0], 2024)];
    let prev = [group_sheet(1, &before[0], 2023)];
    let found = analyse(&GroupInput { catalog: &cat, current: &cur, previous: &prev }, &config());
    assert!(found.iter().any(|f| f.finding.rule == "contradicts_last_year"), "{found:?}");
}

#[test]
fn copied_evidence_is_flagged_on_both_sides_when_the_direction_is_unknown() {
    let cat = catalog();
    let long = [
        "標的型攻撃メール訓練を外部サービスで年2回実施し、開封率を経営会議へ報告、未開封者への再教育まで行っている(2024年5月・11月)",
        "退職者のアカウントは人事システムの退職日連携で翌営業日に自動停止し、月次で棚卸して残存ゼロを確認している",
        "重要データは夜間にNASへ取得し、週次で遠隔地のデータセンターへ複製、四半期ごとに復元テストを実施している",
    ];
    let mut sheets: Vec<Vec<Answer>> = (0..20).map(|c| sheet(c, 3, honest_text)).collect();
    for c in [3, 7] {
        for (k, text) in long.iter().enumerate() {
            sheets[c][k].evidence = (*text).into();
        }
    }
    // One shared item alone is not copying.
    sheets[5][0].evidence = long[0].into();
    let cur: Vec<_> = sheets.iter().enumerate().map(|(i, a)| group_sheet(i as i64, a, 2024)).collect();
    let found = analyse(&GroupInput { catalog: &cat, current: &cur, previous: &[] }, &config());
    let copied: Vec<_> = found.iter().filter(|f| f.finding.rule == "copied_evidence").collect();
    let mut sheets_flagged: Vec<usize> = copied.iter().map(|f| f.sheet).collect();
    sheets_flagged.dedup();
    assert_eq!(sheets_flagged, [3, 7], "{found:?}");
    assert_eq!(copied.len(), 6);
    for f in copied {
        assert!(!f.finding.reason_ja.contains("標的型"), "{}", f.finding.reason_ja);
        assert!(f.finding.reason_ja.contains("判断できない"), "{}", f.finding.reason_ja);
    }
}

/// A 40-item sheet of a company of `employees` / `it` with items 1..=done at 2.
fn sized(done: u16, tag: &str) -> Vec<Answer> {
    (1..=40)
        .map(|n| Answer {
            item: ItemNumber::new(n).unwrap_or_else(|e| panic!("{e}")),
            level: if n <= 15 { Level::Lv1 } else { Level::Lv2 },
            evaluation: if n <= done { Evaluation::DONE } else { Evaluation::NOT_DONE },
            evidence: if n <= done {
                format!("{tag}第{n}号規程を2020年4月に制定")
            } else {
                format!("{tag}未実施。来年度対応予定")
            },
            responsible_area: None,
            source_cell: None,
        })
        .collect()
}

fn at_size(company: i64, answers: &[Answer], employees: u32, it: u32, y: i32) -> GroupSheet<'_> {
    GroupSheet {
        company,
        size: CompanySize { employees: Some(employees), it_staff: Some(it) },
        answers,
        assessed_on: day(y),
        date_source: DateSource::Sheet,
        uploaded_on: None,
        name: "",
    }
}

#[test]
fn five_inflators_in_one_small_cohort_are_each_caught_and_an_outsourcing_one_is_not() {
    let cat = catalog();
    // 40 companies: size grows with the index, maturity with size (a few 2s
    // per company more for the larger), two years. Companies 0–4 (the
    // smallest) inflate this year; company 5, as small, claims as much but
    // names the parent's SOC and an MSSP in its evidence.
    let size = |c: i64| (15 + 40 * c as u32, if c < 16 { 1 } else { 2 + (c as u32 - 16) / 3 });
    let honest_done = |c: i64, y: i32| 3 + (c as u16 * 2 / 3) + u16::from(y == 2024) + (c as u16 % 3);
    let mut prev = Vec::new();
    let mut cur = Vec::new();
    for c in 0..40i64 {
        prev.push(sized(honest_done(c, 2023), ""));
        let now = match c {
            0..=4 => sized(34, ""),
            5 => sized(34, "親会社のSOCとMSSPに委託。"),
            _ => sized(honest_done(c, 2024), ""),
        };
        cur.push(now);
    }
    let p: Vec<_> =
        prev.iter().enumerate().map(|(c, a)| at_size(c as i64, a, size(c as i64).0, size(c as i64).1, 2023)).collect();
    let n: Vec<_> =
        cur.iter().enumerate().map(|(c, a)| at_size(c as i64, a, size(c as i64).0, size(c as i64).1, 2024)).collect();
    let found = analyse(&GroupInput { catalog: &cat, current: &n, previous: &p }, &config());
    let flagged: Vec<usize> = found.iter().filter(|f| f.finding.rule == "size_improbable").map(|f| f.sheet).collect();
    assert_eq!(flagged.get(..5), Some(&[0, 1, 2, 3, 4][..]), "{flagged:?}");
    assert!(!flagged.contains(&5) && flagged.len() <= 6, "{flagged:?}");
    let reason = &found.iter().find(|f| f.finding.rule == "size_improbable").map(|f| f.finding.reason_ja.clone());
    assert!(reason.as_deref().is_some_and(|r| r.contains("従業員15名・IT担当1名") && r.contains("No.")), "{reason:?}");
    assert!(found.iter().any(|f| f.sheet == 0 && f.finding.rule == "improbable_for_size"));
}

#[test]
fn a_missing_answer_date_is_assumed_said_so_and_never_high() {
    let cat = catalog();
    let before = [sheet(1, 3, honest_text)];
    let mut after = before.clone();
    // An honest improvement after last year's real answer (2023-09-10),
    // before the end of that fiscal year, and a claim from long before.
    after[0][9].evaluation = Evaluation::DONE;
    after[0][9].evidence = "2024年1月に全拠点でMFA導入完了".into();
    after[0][10].evaluation = Evaluation::DONE;
    after[0][10].evidence = "アクセス管理規程を2019年4月に制定し、毎年見直している".into();
    let cur = [group_sheet(1, &after[0], 2024)];
    let up = NaiveDate::from_ymd_opt(2023, 9, 12);
    for (source, uploaded, by) in
        [(DateSource::Uploaded, up, "2023-09-01"), (DateSource::FiscalYearEnd, None, "2023-04-01")]
    {
        let assumed = uploaded.unwrap_or_else(|| NaiveDate::from_ymd_opt(2024, 3, 31).unwrap_or_default());
        let prev = [GroupSheet {
            assessed_on: assumed,
            date_source: source,
            uploaded_on: uploaded,
            ..group_sheet(1, &before[0], 2023)
        }];
        let found = analyse(&GroupInput { catalog: &cat, current: &cur, previous: &prev }, &config());
        let c: Vec<_> = found.iter().filter(|f| f.finding.rule == "contradicts_last_year").collect();
        assert_eq!(c.len(), 1, "{found:?}");
        assert_eq!(c[0].finding.target.item().map(ItemNumber::get), Some(11));
        assert_eq!(c[0].finding.severity, hyoka_model::domain::Severity::Medium);
        assert!(
            c[0].finding.reason_ja.contains(by) && c[0].finding.reason_ja.contains("みなした"),
            "{}",
            c[0].finding.reason_ja
        );
    }
    // With the date on the sheet, the old claim is high.
    let prev = [group_sheet(1, &before[0], 2023)];
    let found = analyse(&GroupInput { catalog: &cat, current: &cur, previous: &prev }, &config());
    assert!(found.iter().any(
        |f| f.finding.rule == "contradicts_last_year" && f.finding.severity == hyoka_model::domain::Severity::High
    ));
}

#[test]
fn the_copier_carries_the_flags_and_the_source_a_notice() {
    let cat = catalog();
    let own = |c: usize, n: u16| match c {
        3 => format!("KZNPortalで管理、東海精密情報管理規程に基づき第{n}号手順を2021年{}月に制定し運用", n % 12 + 1),
        _ => format!("第{n}号規程を20{}年{}月に制定し運用(会社{c}の総務課)", 10 + n, n % 12 + 1),
    };
    let mut sheets: Vec<Vec<Answer>> = (0..20).map(|c| sheet(c as i64, 8, |n| own(c, n))).collect();
    // Company 9 takes items 1–4 of company 3 word for word, and uploads later.
    let taken: Vec<String> = sheets[3][..4].iter().map(|a| a.evidence.clone()).collect();
    for (a, text) in sheets[9].iter_mut().zip(taken) {
        a.evidence = text;
    }
    let names: Vec<String> = (0..20).map(|c| format!("C{c:02}")).collect();
    let cur: Vec<_> = sheets
        .iter()
        .enumerate()
        .map(|(i, a)| GroupSheet {
            uploaded_on: NaiveDate::from_ymd_opt(2024, 7, if i == 9 { 20 } else { 1 }),
            name: &names[i],
            ..group_sheet(i as i64, a, 2024)
        })
        .collect();
    let found = analyse(&GroupInput { catalog: &cat, current: &cur, previous: &[] }, &config());
    let copied: Vec<_> = found.iter().filter(|f| f.finding.rule == "copied_evidence").collect();
    assert_eq!(copied.len(), 4, "{found:?}");
    assert!(copied.iter().all(|f| f.sheet == 9 && f.finding.severity == hyoka_model::domain::Severity::Medium));
    assert!(
        copied[0].finding.reason_ja.contains("C03") && copied[0].finding.reason_ja.contains("kznportal"),
        "{}",
        copied[0].finding.reason_ja
    );
    let notice: Vec<_> = found.iter().filter(|f| f.finding.rule == "copied_by_other").collect();
    assert_eq!(notice.len(), 1);
    assert_eq!(notice[0].sheet, 3);
    assert!(notice[0].finding.reason_ja.contains("C09"));
    assert!(notice[0].finding.severity < hyoka_model::domain::Severity::Medium);
}

/// Twenty companies with eight 2s each: each writes item n in its own words
/// (its department and a month of its own), unless `text` says otherwise.
fn own_words(c: usize, n: u16) -> String {
    let dept = ["総務課", "情報システム係", "管理部", "業務推進室", "経営企画課"][c % 5];
    format!(
        "第{n}号手順を{}年{}月に定め、{dept}{c}班が四半期ごとに点検(記録{c}-{n})",
        2012 + c % 9,
        (n as usize + c) % 12 + 1
    )
}

fn dated<'a>(i: usize, answers: &'a [Answer], names: &'a [String]) -> GroupSheet<'a> {
    GroupSheet {
        uploaded_on: NaiveDate::from_ymd_opt(2024, 7, 1 + (i % 20) as u32),
        name: &names[i],
        ..group_sheet(i as i64, answers, 2024)
    }
}

#[test]
fn companies_writing_from_the_shared_phrase_stock_are_not_copies() {
    let cat = catalog();
    // A phrase stock: four long sentences that three companies each use on
    // items 1–4, each adding only its own month.
    let stock = [
        "標的型攻撃メール訓練を外部サービスで年2回実施し、開封率を経営会議へ報告、未開封者への再教育まで行っている",
        "退職者のアカウントは人事システムの退職日連携で翌営業日に自動停止し、月次で棚卸して残存ゼロを確認している",
        "重要データは夜間にNASへ取得し、週次で遠隔地のデータセンターへ複製、四半期ごとに復元テストを実施している",
        "ウイルス対策ソフトを全PCとサーバに導入し、定義ファイルは自動更新、検知時は管理者へ即時通知される設定とした",
    ];
    let mut sheets: Vec<Vec<Answer>> = (0..20).map(|c| sheet(c as i64, 8, |n| own_words(c, n))).collect();
    for c in [2, 6, 10] {
        for (k, s) in stock.iter().enumerate() {
            sheets[c][k].evidence = format!("{s}({}月)", c + k);
        }
    }
    let names: Vec<String> = (0..20).map(|c| format!("C{c:02}")).collect();
    let cur: Vec<_> = sheets.iter().enumerate().map(|(i, a)| dated(i, a, &names)).collect();
    let found = analyse(&GroupInput { catalog: &cat, current: &cur, previous: &[] }, &config());
    assert!(
        !found.iter().any(|f| f.finding.rule.starts_with("copied")),
        "{:?}",
        found.iter().filter(|f| f.finding.rule.starts_with("copied")).collect::<Vec<_>>()
    );
    // The same texts, plain 3-gram Jaccard: nearly alike, which is why the
    // comparison weighs the shared stock down.
    assert!(hyoka_anomaly::group::similarity(&sheets[2][0].evidence, &sheets[6][0].evidence) > 0.8);
}

#[test]
#[allow(clippy::needless_range_loop, reason = "one sheet's items copied into another's, by index")]
fn a_copy_of_a_companys_own_wording_is_caught_and_the_pair_pass_finds_its_edited_items() {
    let cat = catalog();
    let mut sheets: Vec<Vec<Answer>> = (0..20).map(|c| sheet(c as i64, 8, |n| own_words(c, n))).collect();
    // Company 12 takes company 4's own wording on items 1–3 word for word…
    for k in 0..3 {
        sheets[12][k].evidence = sheets[4][k].evidence.clone();
    }
    // …and on items 4–5 with its own team number: too far apart
    // for the first pass, close enough for the pair pass.
    for k in 3..5 {
        let edited = sheets[4][k].evidence.replacen("4班", "12班", 1);
        sheets[12][k].evidence = edited;
    }
    // Company 15 has one such edited text of company 8, and nothing else
    // alike: one item alone is not a copy.
    sheets[15][5].evidence = sheets[8][5].evidence.replacen("8班", "15班", 1);
    let names: Vec<String> = (0..20).map(|c| format!("C{c:02}")).collect();
    let cur: Vec<_> = sheets.iter().enumerate().map(|(i, a)| dated(i, a, &names)).collect();
    let config = config();
    let found = analyse(&GroupInput { catalog: &cat, current: &cur, previous: &[] }, &config);
    let copied: Vec<(usize, u16)> = found
        .iter()
        .filter(|f| f.finding.rule == "copied_evidence")
        .filter_map(|f| Some((f.sheet, f.finding.target.item()?.get())))
        .collect();
    assert_eq!(copied, [(12, 1), (12, 2), (12, 3), (12, 4), (12, 5)], "{found:?}");
    // Items 4 and 5 are below the first pass's similarity: found by the pair pass.
    let s = hyoka_anomaly::group::similarity(&sheets[4][3].evidence, &sheets[12][3].evidence);
    assert!(s < config.group.copy_similarity, "{s}");
    let notice: Vec<_> = found.iter().filter(|f| f.finding.rule == "copied_by_other").collect();
    assert_eq!(notice.len(), 1, "{notice:?}");
    assert_eq!(notice[0].sheet, 4);
    assert!(notice[0].finding.reason_ja.contains("C12"), "{}", notice[0].finding.reason_ja);
}

/// Forty companies with eight 2s: items 1–4 from a stock of four identical
/// texts each (so a pair of honest sheets matches on some of them by
/// chance), items 5–8 in each company's own words.
fn from_stock(c: usize, n: u16) -> String {
    let variant = (c * (n as usize + 1) + c / 4 + n as usize) % 4;
    if n <= 4 {
        let who = ["総務課長", "情報システム担当者", "品質保証部", "外部の保守業者"][variant];
        let when = ["毎月", "四半期ごと", "半期ごと", "年1回"][variant];
        format!("第{n}項は型式{variant}{n}の手順書に従い{who}が{when}点検し、点検票を保管(様式{n}-{variant})")
    } else {
        own_words(c, n)
    }
}

#[test]
fn chance_matches_of_a_large_group_are_not_copies_and_a_wholesale_copy_still_is() {
    let cat = catalog();
    let mut sheets: Vec<Vec<Answer>> = (0..40).map(|c| sheet(c as i64, 8, |n| from_stock(c, n))).collect();
    // Company 37 copies company 21's whole sheet.
    sheets[37] = sheets[21].clone();
    let names: Vec<String> = (0..40).map(|c| format!("C{c:02}")).collect();
    let cur: Vec<_> = sheets.iter().enumerate().map(|(i, a)| dated(i, a, &names)).collect();
    let input = GroupInput { catalog: &cat, current: &cur, previous: &[] };
    // Honest pairs alike on three or four stock items: many.
    let alike = |x: usize, y: usize| (0..4).filter(|k| sheets[x][*k].evidence == sheets[y][*k].evidence).count();
    let chance_pairs = (0..40)
        .flat_map(|x| (x + 1..40).map(move |y| (x, y)))
        .filter(|&(x, y)| (x, y) != (21, 37))
        .filter(|&(x, y)| alike(x, y) >= 3)
        .count();
    assert!(chance_pairs >= 10, "{chance_pairs}");
    let copiers = |config: &DetectorConfig| -> std::collections::BTreeSet<usize> {
        analyse(&input, config).iter().filter(|f| f.finding.rule == "copied_evidence").map(|f| f.sheet).collect()
    };
    // Without the chance check, pairs matching by chance are taken for copies…
    let mut unchecked = config();
    unchecked.group.copy_chance = f64::INFINITY;
    assert!(copiers(&unchecked).len() > 2, "{:?}", copiers(&unchecked));
    // …with it, only the copy is.
    let found = copiers(&config());
    assert!(found.contains(&37), "{found:?}");
    assert!(found.iter().all(|s| [21, 37].contains(s)), "{found:?}");
}
