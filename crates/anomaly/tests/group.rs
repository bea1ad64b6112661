//! Group rules on small hand-made groups: cohorts, year over year, copied
//! evidence, rollouts, and what a reason may reveal.

use chrono::NaiveDate;
use hyoka_anomaly::group::{GroupInput, GroupSheet, analyse};
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
    GroupSheet { company, size: CompanySize { employees: Some(30), it_staff: Some(1) }, answers, assessed_on: day(y) }
}

#[test]
fn a_company_far_above_its_cohort_stands_out_and_rare_twos_are_named() {
    let cat = catalog();
    let mut sheets: Vec<Vec<Answer>> = (0..12).map(|c| sheet(c, 3 + (c as u16 % 3), honest_text)).collect();
    sheets.push(sheet(99, 20, |n| format!("第{n}号規程を2019年4月に制定し運用している(会社{{c}})")));
    let current: Vec<GroupSheet<'_>> =
        sheets.iter().enumerate().map(|(i, a)| group_sheet(if i == 12 { 99 } else { i as i64 }, a, 2024)).collect();
    let found = analyse(&GroupInput { catalog: &cat, current: &current, previous: &[] }, &config());
    let outlier: Vec<_> = found.iter().filter(|f| f.finding.rule == "cohort_outlier").collect();
    assert_eq!(outlier.iter().map(|f| f.sheet).collect::<Vec<_>>(), [12], "{found:?}");
    assert!(outlier[0].finding.reason_ja.contains("IT担当1名以下") && outlier[0].finding.reason_ja.contains("12社"));
    let rare = found.iter().filter(|f| f.sheet == 12 && f.finding.rule == "rare_for_size").count();
    assert!(rare >= 10, "{rare}");
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
fn copied_evidence_is_flagged_without_naming_or_quoting_the_other_company() {
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
        assert!(
            !f.finding.reason_ja.contains("標的型") && !f.finding.reason_ja.contains("会社3"),
            "{}",
            f.finding.reason_ja
        );
    }
}
