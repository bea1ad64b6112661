//! Rules on the seed's own examples and the guarantees every finding keeps.

use chrono::NaiveDate;
use hyoka_anomaly::{CompanySize, Detector, Finding, SheetInput};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FlagTarget, ItemNumber, Level, Points, Severity};
use hyoka_model::sheet::Answer;

fn setup() -> (Catalog, Detector) {
    (Catalog::builtin().unwrap_or_else(|e| panic!("{e}")), Detector::builtin().unwrap_or_else(|e| panic!("{e}")))
}

fn answer(item: u16, level: Level, evaluation: Evaluation, evidence: &str) -> Answer {
    Answer {
        item: ItemNumber::new(item).unwrap_or_else(|e| panic!("{e}")),
        level,
        evaluation,
        evidence: evidence.into(),
        responsible_area: None,
        source_cell: None,
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("date"))
}

fn check(answers: &[Answer], it_staff: Option<u32>, on: NaiveDate) -> Vec<Finding> {
    let (catalog, detector) = setup();
    let input = SheetInput {
        answers,
        catalog: &catalog,
        company: CompanySize { employees: Some(40), it_staff },
        assessed_on: on,
    };
    detector.check(&input).findings
}

fn marks(findings: &[Finding]) -> Vec<(&'static str, Option<Points>)> {
    findings.iter().filter(|f| f.marks_over_rating()).map(|f| (f.rule, f.suggested)).collect()
}

#[test]
fn the_seeds_good_examples_raise_nothing_strong() {
    let good = [
        answer(
            1,
            Level::Lv1,
            Evaluation::DONE,
            "情報セキュリティポリシーとして『情報セキュリティ規則』を2019年4月に制定済み",
        ),
        answer(28, Level::Lv1, Evaluation::DONE, "標的型攻撃メール訓練を年2回、イントラでの注意喚起を適宜実施"),
        answer(85, Level::Lv1, Evaluation::DONE, "サーバー設置場所にICカードによる入退場認証システムを設置済"),
        answer(103, Level::Lv2, Evaluation::DONE, "ファイアウォールを設置して通信を制限済"),
    ];
    let f = check(&good, Some(3), day(2024, 6, 30));
    assert!(marks(&f).is_empty(), "{f:?}");
}

#[test]
fn the_seeds_not_done_text_at_2_is_high_and_suggests_0() {
    let a =
        [answer(17, Level::Lv2, Evaluation::DONE, "現状実施できていない。今年度中にSOCを設置し、予兆検知等を実施予定")];
    let f = check(&a, Some(3), day(2024, 6, 30));
    let strong: Vec<_> = f.iter().filter(|f| f.severity == Severity::High).collect();
    assert_eq!(strong.first().map(|f| (f.rule, f.suggested)), Some(("not_done", Some(Points::Zero))), "{f:?}");
    assert!(strong[0].reason_ja.contains("実施できていない") && strong[0].reason_en.contains("not done"));
    // The same text honestly scored 0 is fine: it has a plan.
    let honest = [answer(
        17,
        Level::Lv2,
        Evaluation::NOT_DONE,
        "現状実施できていない。今年度中にSOCを設置し、予兆検知等を実施予定",
    )];
    assert!(check(&honest, Some(3), day(2024, 6, 30)).is_empty());
}

#[test]
fn no9_rules_without_education_is_a_1() {
    let a = [answer(
        9,
        Level::Lv1,
        Evaluation::DONE,
        "法令を踏まえた情報セキュリティ規程を2021年4月に制定済。教育は未実施。",
    )];
    assert_eq!(marks(&check(&a, Some(3), day(2024, 6, 30))), [("parts_missing", Some(Points::One))]);
    let both = [answer(
        9,
        Level::Lv1,
        Evaluation::DONE,
        "情報セキュリティ規程を2021年4月に制定し、毎年4月に全社員へeラーニングで教育している",
    )];
    assert!(marks(&check(&both, Some(3), day(2024, 6, 30))).is_empty());
}

#[test]
fn future_dates_are_judged_against_the_answer_date_not_the_clock() {
    let a = [answer(86, Level::Lv1, Evaluation::DONE, "入退室管理システムを2025年4月に導入済")];
    assert_eq!(marks(&check(&a, Some(3), day(2024, 6, 30))), [("future_date", Some(Points::One))]);
    assert!(marks(&check(&a, Some(3), day(2025, 6, 30))).is_empty(), "answered after the date: fine");
}

#[test]
fn low_and_info_never_suggest_below_the_claim() {
    let a = [
        answer(103, Level::Lv2, Evaluation::DONE, "通信を制限している"),
        answer(2, Level::Lv1, Evaluation::IN_PROGRESS, "規程の点検を進めている"),
        answer(3, Level::Lv1, Evaluation::NOT_DONE, "未実施"),
    ];
    let f = check(&a, Some(3), day(2024, 6, 30));
    assert!(!f.is_empty());
    for x in f.iter().filter(|x| x.severity < Severity::Medium) {
        assert_eq!(x.suggested, None, "{x:?}");
    }
}

#[test]
fn not_applicable_on_the_security_policy_or_for_size_is_flagged() {
    let a = [
        answer(1, Level::Lv1, Evaluation::NotApplicable, ""),
        answer(14, Level::Lv2, Evaluation::NotApplicable, "小規模のため委員会は設けていない"),
        answer(86, Level::Lv1, Evaluation::NotApplicable, "サーバを保有せず、全システムをクラウドで運用しているため"),
    ];
    let f = check(&a, Some(1), day(2024, 6, 30));
    let got: Vec<_> = f.iter().filter(|x| x.marks_over_rating()).map(|x| (x.target, x.rule, x.severity)).collect();
    let n = |i| FlagTarget::Item(ItemNumber::new(i).unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(got, [(n(1), "na_universal_item", Severity::High), (n(14), "na_size_reason", Severity::Medium)]);
}

#[test]
fn small_companies_claiming_a_soc_without_saying_who_runs_it_are_flagged() {
    let thin = [answer(145, Level::Lv2, Evaluation::DONE, "24時間監視している")];
    assert_eq!(marks(&check(&thin, Some(1), day(2024, 6, 30))).first().map(|m| m.0), Some("capacity"));
    let outsourced = [answer(145, Level::Lv2, Evaluation::DONE, "外部のMSSPに委託し24時間監視している(2023年契約)")];
    assert!(marks(&check(&outsourced, Some(1), day(2024, 6, 30))).is_empty());
    assert!(marks(&check(&thin, Some(12), day(2024, 6, 30))).iter().all(|m| m.0 != "capacity"));
}

#[test]
fn pasted_evidence_and_guttman_errors_are_sheet_flags() {
    let mut a: Vec<Answer> =
        (1..=10).map(|i| answer(i, Level::Lv1, Evaluation::NOT_DONE, "未実施。来年度予定")).collect();
    a.extend((11..=20).map(|i| answer(i, Level::Lv3, Evaluation::DONE, "規程に基づき適切に運用中")));
    let f = check(&a, Some(3), day(2024, 6, 30));
    let sheet: Vec<_> = f.iter().filter(|x| x.target == FlagTarget::Sheet).map(|x| (x.rule, x.severity)).collect();
    assert!(sheet.contains(&("guttman", Severity::Medium)), "{sheet:?}");
    assert!(sheet.contains(&("pasted_evidence", Severity::Medium)), "{sheet:?}");
}

#[test]
fn a_shared_id_is_a_contradiction_but_a_group_wide_id_rule_is_not() {
    let shared = [answer(113, Level::Lv1, Evaluation::DONE, "部署ごとに共通のID・パスワードを使用している")];
    assert_eq!(marks(&check(&shared, Some(3), day(2024, 6, 30))), [("contradiction", Some(Points::Zero))]);
    let rule = [answer(
        115,
        Level::Lv1,
        Evaluation::DONE,
        "グループ共通のID・パスワード管理規程を令和3年5月に当社向けに制定済",
    )];
    assert!(marks(&check(&rule, Some(3), day(2024, 6, 30))).is_empty());
}

#[test]
fn evidence_repeating_the_sheets_example_answer_is_flagged_once_the_examples_are_imported() {
    let (mut catalog, detector) = setup();
    let example = "標的型攻撃メール訓練を年2回実施し、開封者には個別に再教育を行っている。";
    let a = [answer(
        28,
        Level::Lv1,
        Evaluation::DONE,
        "標的型攻撃メール訓練を年2回実施し、開封者には個別に再教育を行っている",
    )];
    let run = |catalog: &Catalog| {
        let input = SheetInput { answers: &a, catalog, company: CompanySize::default(), assessed_on: day(2024, 6, 30) };
        detector.check(&input).findings.into_iter().map(|f| f.rule).collect::<Vec<_>>()
    };
    assert!(!run(&catalog).contains(&"copies_example"), "no examples known yet");
    if let Some(item) = catalog.items.iter_mut().find(|i| i.number.get() == 28) {
        item.examples = Some(example.into());
    }
    assert!(run(&catalog).contains(&"copies_example"));
}
