//! `hyoka eval`: measures the detector on the hand-labelled item set and on
//! generated groups with injected over-rating (held-out phrasing), next to
//! the baselines, and prints the figures `docs/detection.md` records.

use hyoka_anomaly::eval::{self as ev, Prf};
use hyoka_anomaly::group::{GroupFinding, GroupInput, GroupSheet};
use hyoka_anomaly::{CompanySize, Detector};
use hyoka_generator::{
    GroupScenario, GroupScenarioSpec, GroupSpec, LabelledSheet, ScenarioSheet, SheetKind, TemplateSet, group_scenario,
    labelled_group,
};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FiscalYear, Severity};
use serde::Serialize;

/// Options of `hyoka eval`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of the generated groups.
    pub seed: u64,
    /// Companies per generated group.
    pub companies: usize,
    /// Print JSON instead of text.
    pub json: bool,
    /// A detector configuration file to judge with instead of the built-in one.
    pub detector: Option<std::path::PathBuf>,
}

#[derive(Debug, Serialize)]
struct GroupResult {
    templates: &'static str,
    sheets: usize,
    bad_sheets: usize,
    uniform_sheets: usize,
    injected_items: usize,
    item: Prf,
    item_baseline_empty: Prf,
    item_baseline_keywords: Prf,
    per_pattern_recall: Vec<(String, usize, usize)>,
    strong_flags_per_honest_sheet: f64,
    sheet_auc_risk: Option<f64>,
    sheet_auc_count_of_twos: Option<f64>,
    sheet_auc_achievement: Option<f64>,
    precision_at_k_risk: f64,
    precision_at_k_count_of_twos: f64,
    k: usize,
    uniform_auc_risk: Option<f64>,
    uniform_auc_count_of_twos: Option<f64>,
}

#[derive(Debug, Serialize)]
struct GroupScenarioResult {
    /// Which round of held-out seeds (see [`Part4Result::round`]).
    round: &'static str,
    companies: usize,
    seeds: Vec<u64>,
    uniform_auc_risk: Vec<Option<f64>>,
    uniform_auc_count_of_twos: Vec<Option<f64>>,
    uniform_auc_achievement: Vec<Option<f64>>,
    uniform_precision_at_k_risk: Vec<f64>,
    uniform_precision_at_k_count_of_twos: Vec<f64>,
    any_auc_risk: Vec<Option<f64>>,
    copied_items: Prf,
    jumped_items: Prf,
    strong_group_flags_per_honest_sheet: f64,
    strong_on_honest_by_rule: std::collections::BTreeMap<String, usize>,
    /// Of the medium-or-higher `copied_evidence` flags on honest sheets, those
    /// on a sheet that was in fact copied (its copier's direction untold);
    /// the rest are between companies that copied nothing from each other.
    strong_copied_on_honest_sources: usize,
}

/// Figures of the part-4 scenarios: several inflators in one small cohort,
/// sheets without 回答日 with honest improvements in the gap, copy pairs
/// with a known direction.
#[derive(Debug, Serialize, Default)]
struct Part4Result {
    /// Which round of held-out seeds: `first` (scored before the copy
    /// comparison changed), `second` (fresh seeds, scored once after it) or
    /// `third` (fresh seeds, scored once after the chance-match check).
    round: &'static str,
    companies: usize,
    cohort_inflators: usize,
    seeds: Vec<u64>,
    inflating_sheets: usize,
    inflating_caught_by_size: usize,
    inflating_caught_any_group: usize,
    inflating_items: Prf,
    jumped_items: Prf,
    copied_items: Prf,
    copy_pairs: usize,
    copier_identified: usize,
    /// Copy pairs flagged on both sides (direction untold or misjudged).
    copy_pairs_both_sides: usize,
    /// Copy pairs flagged on the source only (direction misjudged).
    copy_pairs_source_only: usize,
    /// Copy pairs flagged on neither side.
    copy_pairs_missed: usize,
    /// Of the medium-or-higher `copied_evidence` flags on honest sheets,
    /// those on a true copy source (the rest: chance matches).
    strong_copied_on_honest_sources: usize,
    honest_sheets: usize,
    undated_honest_sheets: usize,
    strong_group_flags_on_honest: usize,
    strong_on_honest_by_rule: std::collections::BTreeMap<String, usize>,
    window_improvements: usize,
    window_improvements_flagged_strong: usize,
    honest_median_risk: f64,
    honest_source_risks: Vec<u8>,
    planted_auc_risk: Vec<Option<f64>>,
}

/// Labelled set v2 (issue 11), one part and language.
#[derive(Debug, Serialize)]
struct V2Result {
    part: &'static str,
    lang: String,
    cases: usize,
    positives: usize,
    detector: Prf,
    baseline_empty: Prf,
    baseline_keywords: Prf,
    per_rule: Vec<(String, Prf)>,
}

fn v2_result(part: &'static str, lang: &str, r: ev::ItemReport) -> V2Result {
    V2Result {
        part,
        lang: lang.to_owned(),
        cases: r.cases,
        positives: r.positives,
        detector: r.detector,
        baseline_empty: r.baseline_empty,
        baseline_keywords: r.baseline_keywords,
        per_rule: r.per_rule.into_iter().collect(),
    }
}

/// The v2 tuning part, and — only when `SCORE_HELDOUT=1` (not `HYOKA_…`:
/// the settings loader refuses unknown `HYOKA_` variables) — the frozen
/// held-out part, in aggregate (scored once, after the last rule change).
fn evaluate_v2(detector: &Detector, catalog: &Catalog) -> anyhow::Result<Vec<V2Result>> {
    let tuning = ev::v2_cases(ev::V2Part::Tuning).map_err(anyhow::Error::msg)?;
    let mut out: Vec<V2Result> = ["ja", "en"]
        .iter()
        .map(|lang| {
            v2_result("tuning", lang, ev::evaluate_labelled(detector, catalog, &ev::in_language(&tuning, lang)))
        })
        .collect();
    if std::env::var("SCORE_HELDOUT").is_ok_and(|v| v == "1") {
        for (lang, r) in ev::evaluate_heldout(detector, catalog).map_err(anyhow::Error::msg)? {
            out.push(v2_result("held-out", &lang, r));
        }
    }
    Ok(out)
}

#[derive(Debug, Serialize)]
struct EvalReport {
    detector_version: &'static str,
    config_hash: String,
    labelled_cases: usize,
    labelled_positives: usize,
    labelled: Prf,
    labelled_baseline_empty: Prf,
    labelled_baseline_keywords: Prf,
    labelled_per_rule: Vec<(String, Prf)>,
    v2: Vec<V2Result>,
    generated: Vec<GroupResult>,
    group_scenarios: Vec<GroupScenarioResult>,
    part4: Vec<Part4Result>,
}

/// Runs the evaluation and prints it.
/// One step of the evaluation, on stderr (the report on stdout stays clean
/// for `--json`): `[2/6] …` with the time the run has taken so far.
fn progress(started: std::time::Instant, step: usize, en: &str, ja: &str) {
    eprintln!("[{step}/6 {:>5.1} s] {en} / {ja}", started.elapsed().as_secs_f64());
}

pub fn run(options: Options) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let catalog = Catalog::builtin()?;
    let detector = match &options.detector {
        None => Detector::builtin()?,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!(
                    "{}: 検出設定を読めません / cannot read the detector configuration: {e}",
                    path.display()
                )
            })?;
            Detector::new(hyoka_anomaly::DetectorConfig::from_toml(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}: 検出設定が正しくありません / the detector configuration is not valid: {e}",
                    path.display()
                )
            })?)
        }
    };
    progress(started, 1, "the hand-labelled item set", "手作業でラベルを付けた項目");
    let cases = ev::labelled_cases().map_err(anyhow::Error::msg)?;
    let labelled = ev::evaluate_labelled(&detector, &catalog, &cases);
    progress(started, 2, "labelled set v2", "ラベル付きセット v2");
    let v2 = evaluate_v2(&detector, &catalog)?;
    progress(started, 3, "generated groups", "生成したグループ");
    let year = FiscalYear::new(2024)?;
    let spec = GroupSpec::new(options.seed, options.companies, vec![year]).with_code_prefix("EVAL-");
    let generated = [TemplateSet::HeldOut, TemplateSet::Tuning]
        .into_iter()
        .map(|t| evaluate_group(&detector, &catalog, &labelled_group(&spec, &catalog, t, 0.3, 0.1), t))
        .collect();
    // Group scenarios on held-out phrasing and seeds never looked at while
    // tuning: five 30-company groups, and one of 1,000; twice. The first
    // round (base + 1 … 6) has been scored after every change since part 3;
    // the third (base + 25 … 30) was first scored after the chance-match
    // check of copy pairs (issue 12), tuned on `--seed 777000` only.
    progress(
        started,
        4,
        "group scenarios, two rounds (30 companies × 5 seeds, 1,000 companies)",
        "グループのシナリオ、2回分（30社×5通り、1,000社）",
    );
    let seeds = |range: std::ops::Range<u64>| range.map(|k| options.seed + k).collect::<Vec<_>>();
    let group_scenarios = vec![
        evaluate_scenarios(&detector, &catalog, "first", 30, &seeds(1..6))?,
        evaluate_scenarios(&detector, &catalog, "first", 1000, &seeds(6..7))?,
        evaluate_scenarios(&detector, &catalog, "third", 30, &seeds(25..30))?,
        evaluate_scenarios(&detector, &catalog, "third", 1000, &seeds(30..31))?,
    ];
    // Part 4 of the detector, on seeds of its own never looked at while
    // tuning (tuning ran `hyoka eval --seed` with another base seed).
    progress(
        started,
        5,
        "part 4 group scenarios, three rounds (36 companies × 5 seeds, 300 companies)",
        "グループのシナリオ 第4部、3回分（36社×5通り、300社）",
    );
    // The second round's seeds (base + 13 … 18) were first scored after the
    // rarity-weighted copy comparison and the pair pass (issue 12), which
    // were tuned on `--seed 777000` only; the first round's seeds had been
    // scored before that change, so they are no longer unseen. The third
    // round's (base + 19 … 24) were first scored after the chance-match
    // check of copy pairs, tuned on `--seed 777000` too.
    let part4 = vec![
        evaluate_part4(&detector, &catalog, "first", 36, 5, &seeds(7..12))?,
        evaluate_part4(&detector, &catalog, "first", 300, 25, &seeds(12..13))?,
        evaluate_part4(&detector, &catalog, "second", 36, 5, &seeds(13..18))?,
        evaluate_part4(&detector, &catalog, "second", 300, 25, &seeds(18..19))?,
        evaluate_part4(&detector, &catalog, "third", 36, 5, &seeds(19..24))?,
        evaluate_part4(&detector, &catalog, "third", 300, 25, &seeds(24..25))?,
    ];
    progress(started, 6, "done", "完了");
    let report = EvalReport {
        detector_version: hyoka_anomaly::DETECTOR_VERSION,
        config_hash: detector.config_hash().to_owned(),
        labelled_cases: labelled.cases,
        labelled_positives: labelled.positives,
        labelled: labelled.detector,
        labelled_baseline_empty: labelled.baseline_empty,
        labelled_baseline_keywords: labelled.baseline_keywords,
        labelled_per_rule: labelled.per_rule.into_iter().collect(),
        v2,
        generated,
        group_scenarios,
        part4,
    };
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report, &options);
    }
    Ok(())
}

/// Sheet-level and item-level figures for the group rules: the last year of
/// each scenario, checked with every per-sheet rule and the group rules
/// against the year before; risk combines both.
fn evaluate_scenarios(
    detector: &Detector,
    catalog: &Catalog,
    round: &'static str,
    companies: usize,
    seeds: &[u64],
) -> anyhow::Result<GroupScenarioResult> {
    let mut r = GroupScenarioResult {
        round,
        companies,
        seeds: seeds.to_vec(),
        uniform_auc_risk: vec![],
        uniform_auc_count_of_twos: vec![],
        uniform_auc_achievement: vec![],
        uniform_precision_at_k_risk: vec![],
        uniform_precision_at_k_count_of_twos: vec![],
        any_auc_risk: vec![],
        copied_items: Prf::default(),
        jumped_items: Prf::default(),
        strong_group_flags_per_honest_sheet: 0.0,
        strong_on_honest_by_rule: Default::default(),
        strong_copied_on_honest_sources: 0,
    };
    let (mut honest, mut honest_strong) = (0usize, 0usize);
    for &seed in seeds {
        let spec = GroupScenarioSpec::consecutive(seed, companies, FiscalYear::new(2023)?, 2)
            .with_templates(TemplateSet::HeldOut);
        let Some((scenario, last, group)) = analysed(&spec, catalog, detector) else { continue };
        let current: Vec<&ScenarioSheet> = scenario.sheets.iter().filter(|s| s.year == last).collect();
        let (mut risk, mut twos, mut achievement, mut uniform, mut any) = (vec![], vec![], vec![], vec![], vec![]);
        for (i, s) in current.iter().enumerate() {
            let own = crate_check(detector, catalog, s);
            let mine: Vec<&hyoka_anomaly::Finding> =
                group.iter().filter(|f| f.sheet == i).map(|f| &f.finding).collect();
            let all = own.iter().chain(mine.iter().copied());
            let score = hyoka_anomaly::risk::score_parts(
                all.map(|f| (f.rule, f.severity, f.reason_ja.as_str(), f.reason_en.as_str())),
                &detector.config().risk,
            )
            .score;
            risk.push(f64::from(score));
            twos.push(s.sheet.answers.iter().filter(|a| a.evaluation == Evaluation::DONE).count() as f64);
            let items: Vec<_> = s.sheet.scored_items();
            achievement.push(
                hyoka_model::scoring::achievement(&items, hyoka_model::domain::Level::Lv3).overall.rate.unwrap_or(0.0),
            );
            uniform.push(s.truth.uniform_inflation);
            any.push(!s.truth.is_honest());
            let flagged = |rule: &str| -> std::collections::BTreeSet<_> {
                mine.iter().filter(|f| f.rule == rule).filter_map(|f| f.target.item()).collect()
            };
            let copied = flagged("copied_evidence");
            let jumped = flagged("raised_same_evidence");
            for a in &s.sheet.answers {
                r.copied_items.add(copied.contains(&a.item), s.truth.copied_items.contains(&a.item));
                // The jump rule on its own: uniform inflators (whose raises
                // the per-sheet rules mostly catch) are left out.
                if !s.truth.uniform_inflation {
                    r.jumped_items.add(jumped.contains(&a.item), s.truth.jumped_items.contains(&a.item));
                }
            }
            if s.truth.is_honest() {
                honest += 1;
                honest_strong += mine.iter().filter(|f| f.severity >= Severity::Medium).count();
                for f in mine.iter().filter(|f| f.severity >= Severity::Medium) {
                    *r.strong_on_honest_by_rule.entry(f.rule.to_owned()).or_default() += 1;
                }
                r.strong_copied_on_honest_sources += strong_copies_on_a_source(&current, s, &mine);
            }
        }
        // Uniform inflation against honest sheets only.
        let pick = |v: &[f64]| -> (Vec<f64>, Vec<bool>) {
            v.iter().zip(uniform.iter().zip(&any)).filter(|(_, (u, a))| **u || !**a).map(|(x, (u, _))| (*x, *u)).unzip()
        };
        let (ur, ul) = pick(&risk);
        let (ut, _) = pick(&twos);
        let (ua, _) = pick(&achievement);
        let k = (companies / 10).max(1);
        r.uniform_auc_risk.push(ev::roc_auc(&ur, &ul));
        r.uniform_auc_count_of_twos.push(ev::roc_auc(&ut, &ul));
        r.uniform_auc_achievement.push(ev::roc_auc(&ua, &ul));
        r.uniform_precision_at_k_risk.push(ev::precision_at_k(&ur, &ul, k));
        r.uniform_precision_at_k_count_of_twos.push(ev::precision_at_k(&ut, &ul, k));
        r.any_auc_risk.push(ev::roc_auc(&risk, &any));
    }
    r.strong_group_flags_per_honest_sheet = honest_strong as f64 / honest.max(1) as f64;
    Ok(r)
}

/// The medium-or-higher `copied_evidence` flags on sheet `s` when some
/// company of the year in fact copied from it (its flags then sit on a true
/// copy source, not on a chance match); 0 otherwise.
fn strong_copies_on_a_source(current: &[&ScenarioSheet], s: &ScenarioSheet, mine: &[&hyoka_anomaly::Finding]) -> usize {
    if !current.iter().any(|x| x.truth.copied_from == Some(s.company_index)) {
        return 0;
    }
    mine.iter().filter(|f| f.severity >= Severity::Medium && f.rule == "copied_evidence").count()
}

/// The part-4 figures over `seeds`: 10 % uniform, copying and jumping
/// companies as before, plus `inflators` small companies inflating together,
/// 20 % of the honest companies without 回答日 and house names in every
/// company's texts (held-out phrasing).
fn evaluate_part4(
    detector: &Detector,
    catalog: &Catalog,
    round: &'static str,
    companies: usize,
    inflators: usize,
    seeds: &[u64],
) -> anyhow::Result<Part4Result> {
    let mut r =
        Part4Result { round, companies, cohort_inflators: inflators, seeds: seeds.to_vec(), ..Part4Result::default() };
    let mut honest_risks: Vec<u8> = Vec::new();
    for &seed in seeds {
        let spec = GroupScenarioSpec::consecutive(seed, companies, FiscalYear::new(2023)?, 2)
            .with_templates(TemplateSet::HeldOut)
            .with_part4(inflators, 0.2);
        let Some((scenario, last, group)) = analysed(&spec, catalog, detector) else { continue };
        let current: Vec<&ScenarioSheet> = scenario.sheets.iter().filter(|s| s.year == last).collect();
        let mut risk = Vec::new();
        let mut planted = Vec::new();
        let mut risk_of = std::collections::BTreeMap::new();
        let mut copied_flags: std::collections::BTreeMap<usize, std::collections::BTreeSet<_>> = Default::default();
        for (i, s) in current.iter().enumerate() {
            let own = crate_check(detector, catalog, s);
            let mine: Vec<&hyoka_anomaly::Finding> =
                group.iter().filter(|f| f.sheet == i).map(|f| &f.finding).collect();
            let score = hyoka_anomaly::risk::score_parts(
                own.iter()
                    .chain(mine.iter().copied())
                    .map(|f| (f.rule, f.severity, f.reason_ja.as_str(), f.reason_en.as_str())),
                &detector.config().risk,
            )
            .score;
            risk.push(f64::from(score));
            risk_of.insert(s.company_index, score);
            planted.push(!s.truth.is_honest());
            let flagged = |rule: &str| -> std::collections::BTreeSet<_> {
                mine.iter()
                    .filter(|f| f.rule == rule && (f.severity >= Severity::Medium || rule == "improbable_for_size"))
                    .filter_map(|f| f.target.item())
                    .collect()
            };
            let copied = flagged("copied_evidence");
            let jumped = flagged("raised_same_evidence");
            let sized = flagged("improbable_for_size");
            copied_flags.insert(s.company_index, copied.clone());
            let strong_sheet = |rule: &str| {
                mine.iter().any(|f| f.rule == rule && f.severity >= Severity::Medium && f.target.item().is_none())
            };
            if s.truth.cohort_inflation {
                r.inflating_sheets += 1;
                r.inflating_caught_by_size += usize::from(strong_sheet("size_improbable"));
                r.inflating_caught_any_group += usize::from(mine.iter().any(|f| f.severity >= Severity::Medium));
                let raised: std::collections::BTreeSet<_> = s.truth.injected.iter().map(|i| i.item).collect();
                for a in &s.sheet.answers {
                    r.inflating_items.add(sized.contains(&a.item), raised.contains(&a.item));
                }
            }
            if !s.truth.uniform_inflation && !s.truth.cohort_inflation {
                for a in &s.sheet.answers {
                    r.jumped_items.add(jumped.contains(&a.item), s.truth.jumped_items.contains(&a.item));
                    r.copied_items.add(copied.contains(&a.item), s.truth.copied_items.contains(&a.item));
                }
            }
            if s.truth.is_honest() {
                r.honest_sheets += 1;
                r.undated_honest_sheets += usize::from(s.sheet.cover.answered_on.is_none());
                r.strong_group_flags_on_honest += mine.iter().filter(|f| f.severity >= Severity::Medium).count();
                for f in mine.iter().filter(|f| f.severity >= Severity::Medium) {
                    *r.strong_on_honest_by_rule.entry(f.rule.to_owned()).or_default() += 1;
                }
                r.strong_copied_on_honest_sources += strong_copies_on_a_source(&current, s, &mine);
                honest_risks.push(score);
                for n in &s.window_improvements {
                    r.window_improvements += 1;
                    r.window_improvements_flagged_strong +=
                        usize::from(mine.iter().any(|f| f.target.item() == Some(*n) && f.severity >= Severity::Medium));
                }
            }
        }
        // Copy pairs: the copier identified when it carries the flags and
        // the source none on the copied items.
        for s in &current {
            let Some(src) = s.truth.copied_from else { continue };
            r.copy_pairs += 1;
            let mine = copied_flags.get(&s.company_index).cloned().unwrap_or_default();
            let theirs = copied_flags.get(&src).cloned().unwrap_or_default();
            let on_copier = s.truth.copied_items.iter().any(|n| mine.contains(n));
            let on_source = s.truth.copied_items.iter().any(|n| theirs.contains(n));
            r.copier_identified += usize::from(on_copier && !on_source);
            r.copy_pairs_both_sides += usize::from(on_copier && on_source);
            r.copy_pairs_source_only += usize::from(!on_copier && on_source);
            r.copy_pairs_missed += usize::from(!on_copier && !on_source);
            if current.iter().any(|x| x.company_index == src && x.truth.is_honest())
                && let Some(score) = risk_of.get(&src)
            {
                r.honest_source_risks.push(*score);
            }
        }
        r.planted_auc_risk.push(ev::roc_auc(&risk, &planted));
    }
    honest_risks.sort_unstable();
    r.honest_median_risk = match honest_risks.len() {
        0 => 0.0,
        n if n % 2 == 0 => (f64::from(honest_risks[n / 2 - 1]) + f64::from(honest_risks[n / 2])) / 2.0,
        n => f64::from(honest_risks[n / 2]),
    };
    Ok(r)
}

/// A scenario's last year analysed by the group rules against the year
/// before: the scenario, that year, and the findings (indices into its
/// sheets of that year, in order).
fn analysed(
    spec: &GroupScenarioSpec,
    catalog: &Catalog,
    detector: &Detector,
) -> Option<(GroupScenario, FiscalYear, Vec<GroupFinding>)> {
    let scenario = group_scenario(spec, catalog);
    let last = spec.last_year()?;
    let names: Vec<String> = scenario.companies.iter().map(|c| c.code.clone()).collect();
    let (current, previous): (Vec<&ScenarioSheet>, Vec<&ScenarioSheet>) =
        scenario.sheets.iter().partition(|s| s.year == last);
    let cur: Vec<GroupSheet<'_>> = current.iter().map(|s| view(s, &names)).collect();
    let prev: Vec<GroupSheet<'_>> = previous.iter().map(|s| view(s, &names)).collect();
    let group =
        hyoka_anomaly::group::analyse(&GroupInput { catalog, current: &cur, previous: &prev }, detector.config());
    Some((scenario, last, group))
}

fn view<'a>(s: &'a ScenarioSheet, names: &'a [String]) -> GroupSheet<'a> {
    let (assessed_on, date_source) =
        hyoka_anomaly::group::sheet_date(s.sheet.cover.answered_on, Some(s.uploaded_on), s.year.last_day());
    GroupSheet {
        company: s.company_index as i64,
        size: CompanySize { employees: Some(s.company_size.employees), it_staff: Some(s.company_size.it_staff) },
        answers: &s.sheet.answers,
        assessed_on,
        date_source,
        uploaded_on: Some(s.uploaded_on),
        name: names.get(s.company_index).map_or("", String::as_str),
    }
}

fn crate_assessed_on(s: &ScenarioSheet) -> chrono::NaiveDate {
    hyoka_service::detect::assessed_on(s.sheet.cover.answered_on, s.year)
}

fn crate_check(detector: &Detector, catalog: &Catalog, s: &ScenarioSheet) -> Vec<hyoka_anomaly::Finding> {
    let size = CompanySize { employees: Some(s.company_size.employees), it_staff: Some(s.company_size.it_staff) };
    hyoka_service::detect::check(detector, catalog, &s.sheet.answers, &[], size, crate_assessed_on(s)).findings
}

fn evaluate_group(detector: &Detector, catalog: &Catalog, group: &[LabelledSheet], set: TemplateSet) -> GroupResult {
    let mut item = Prf::default();
    let mut base_empty = Prf::default();
    let mut base_kw = Prf::default();
    let mut per_pattern: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let (mut honest_sheets, mut honest_strong) = (0usize, 0usize);
    let (mut risk, mut twos, mut achievement, mut bad, mut uniform_mask) = (vec![], vec![], vec![], vec![], vec![]);
    let mut injected_items = 0;
    for s in group {
        let size = CompanySize { employees: Some(s.company_size.employees), it_staff: Some(s.company_size.it_staff) };
        let assessed_on = hyoka_service::detect::assessed_on(s.sheet.cover.answered_on, s.year);
        let report = hyoka_service::detect::check(detector, catalog, &s.sheet.answers, &[], size, assessed_on);
        let flagged_items: std::collections::BTreeSet<_> =
            report.findings.iter().filter(|f| f.marks_over_rating()).filter_map(|f| f.target.item()).collect();
        // Item level, on item-inflated sheets and honest ones (a uniformly
        // inflated sheet keeps its honest wording: it is a sheet-level case).
        if s.kind != SheetKind::UniformlyInflated {
            for a in &s.sheet.answers {
                let truth = s.injected.iter().any(|i| i.item == a.item);
                item.add(flagged_items.contains(&a.item), truth);
                base_empty.add(ev::baseline_empty(a), truth);
                base_kw.add(ev::baseline_keywords(a), truth);
            }
            for i in &s.injected {
                injected_items += 1;
                let e = per_pattern.entry(i.pattern.code().to_owned()).or_default();
                e.0 += 1;
                e.1 += usize::from(flagged_items.contains(&i.item));
            }
        }
        if s.kind == SheetKind::Honest {
            honest_sheets += 1;
            honest_strong += report.findings.iter().filter(|f| f.severity >= Severity::Medium).count();
        }
        risk.push(f64::from(report.risk.score));
        twos.push(s.sheet.answers.iter().filter(|a| a.evaluation == Evaluation::DONE).count() as f64);
        let scored: Vec<_> = s.sheet.scored_items();
        achievement.push(
            hyoka_model::scoring::achievement(&scored, hyoka_model::domain::Level::Lv3).overall.rate.unwrap_or(0.0),
        );
        bad.push(s.kind != SheetKind::Honest);
        uniform_mask.push(s.kind);
    }
    let k = (group.len() / 10).max(1);
    // Uniform inflation against honest sheets only.
    let pick = |v: &[f64]| -> (Vec<f64>, Vec<bool>) {
        v.iter()
            .zip(&uniform_mask)
            .filter(|(_, kind)| **kind != SheetKind::ItemInflated)
            .map(|(x, kind)| (*x, *kind == SheetKind::UniformlyInflated))
            .unzip()
    };
    let (ur, ul) = pick(&risk);
    let (ut, _) = pick(&twos);
    GroupResult {
        templates: match set {
            TemplateSet::HeldOut => "held-out",
            TemplateSet::Tuning => "tuning",
        },
        sheets: group.len(),
        bad_sheets: bad.iter().filter(|b| **b).count(),
        uniform_sheets: uniform_mask.iter().filter(|k| **k == SheetKind::UniformlyInflated).count(),
        injected_items,
        item,
        item_baseline_empty: base_empty,
        item_baseline_keywords: base_kw,
        per_pattern_recall: per_pattern.into_iter().map(|(p, (n, hit))| (p, hit, n)).collect(),
        strong_flags_per_honest_sheet: honest_strong as f64 / honest_sheets.max(1) as f64,
        sheet_auc_risk: ev::roc_auc(&risk, &bad),
        sheet_auc_count_of_twos: ev::roc_auc(&twos, &bad),
        sheet_auc_achievement: ev::roc_auc(&achievement, &bad),
        precision_at_k_risk: ev::precision_at_k(&risk, &bad, k),
        precision_at_k_count_of_twos: ev::precision_at_k(&twos, &bad, k),
        k,
        uniform_auc_risk: ev::roc_auc(&ur, &ul),
        uniform_auc_count_of_twos: ev::roc_auc(&ut, &ul),
    }
}

fn prf(p: &Prf) -> String {
    format!("P {:.3}  R {:.3}  F1 {:.3}  (tp {}, fp {}, fn {})", p.precision(), p.recall(), p.f1(), p.tp, p.fp, p.fn_)
}

fn auc(a: Option<f64>) -> String {
    a.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.3}"))
}

fn aucs(v: &[Option<f64>]) -> String {
    let known: Vec<f64> = v.iter().flatten().copied().collect();
    let mean = if known.is_empty() { None } else { Some(known.iter().sum::<f64>() / known.len() as f64) };
    format!("{} [{}]", auc(mean), v.iter().map(|a| auc(*a)).collect::<Vec<_>>().join(" "))
}

fn means(v: &[f64]) -> String {
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    format!("{mean:.3} [{}]", v.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(" "))
}

fn round_ja(round: &str) -> &'static str {
    match round {
        "first" => "第1回",
        "second" => "第2回",
        _ => "第3回",
    }
}

fn print_text(r: &EvalReport, o: &Options) {
    print_generated(r, o);
    for g in &r.group_scenarios {
        println!();
        println!(
            "Group scenarios, {} round / グループのシナリオ（{}） — held-out phrasing: {} companies × 2 years, seeds {:?}; 10 % raise every answer, 10 % copy evidence, 10 % raise scores keeping last year's text",
            g.round,
            round_ja(g.round),
            g.companies,
            g.seeds
        );
        println!("  uniform inflation vs honest sheets (mean [per seed]):");
        println!("    ROC-AUC  risk {}", aucs(&g.uniform_auc_risk));
        println!("             baseline count of 2s {}", aucs(&g.uniform_auc_count_of_twos));
        println!("             baseline achievement {}", aucs(&g.uniform_auc_achievement));
        println!(
            "    precision@{}  risk {}   baseline count of 2s {}",
            (g.companies / 10).max(1),
            means(&g.uniform_precision_at_k_risk),
            means(&g.uniform_precision_at_k_count_of_twos)
        );
        println!("  any over-rating vs honest: ROC-AUC risk {}", aucs(&g.any_auc_risk));
        println!("  copied items:  {}", prf(&g.copied_items));
        println!("  jumped items (raised keeping last year's text):  {}", prf(&g.jumped_items));
        println!("  medium-or-higher group flags per honest sheet: {:.2}", g.strong_group_flags_per_honest_sheet);
        println!("    by rule: {:?}", g.strong_on_honest_by_rule);
        println!(
            "    copied_evidence on honest sheets that were copied (direction untold): {} of {}",
            g.strong_copied_on_honest_sources,
            g.strong_on_honest_by_rule.get("copied_evidence").copied().unwrap_or(0)
        );
    }
    for g in &r.part4 {
        let share = |a: usize, b: usize| a as f64 / b.max(1) as f64;
        println!();
        println!(
            "Part 4 group scenarios, {} round / グループのシナリオ 第4部（{}） — held-out phrasing: {} companies × 2 years, seeds {:?}; {} small companies inflating together in one cohort, 10 % raise every answer, 10 % copy (house names, copier mostly uploads later), 10 % raise keeping last year's text, 20 % of honest companies without 回答日",
            g.round,
            round_ja(g.round),
            g.companies,
            g.seeds,
            g.cohort_inflators
        );
        println!(
            "  cohort inflators caught at sheet level (size_improbable): {}/{} = {:.2}   any medium-or-higher group flag: {:.2}",
            g.inflating_caught_by_size,
            g.inflating_sheets,
            share(g.inflating_caught_by_size, g.inflating_sheets),
            share(g.inflating_caught_any_group, g.inflating_sheets)
        );
        println!("  cohort inflators' raised items (improbable_for_size):  {}", prf(&g.inflating_items));
        println!("  jumped items (raised keeping last year's text):  {}", prf(&g.jumped_items));
        println!("  copied items (on either side):  {}", prf(&g.copied_items));
        println!(
            "  copy pairs with the copier identified (flags on the copier, none on the source): {}/{} = {:.2}",
            g.copier_identified,
            g.copy_pairs,
            share(g.copier_identified, g.copy_pairs)
        );
        println!(
            "    the others: {} flagged on both sides, {} on the source only, {} on neither",
            g.copy_pairs_both_sides, g.copy_pairs_source_only, g.copy_pairs_missed
        );
        println!(
            "  medium-or-higher group flags per honest sheet: {:.3} ({} on {} honest sheets, {} of them without 回答日)",
            share(g.strong_group_flags_on_honest, g.honest_sheets),
            g.strong_group_flags_on_honest,
            g.honest_sheets,
            g.undated_honest_sheets
        );
        println!("    by rule: {:?}", g.strong_on_honest_by_rule);
        println!(
            "    copied_evidence on honest sheets that were copied: {} of {}",
            g.strong_copied_on_honest_sources,
            g.strong_on_honest_by_rule.get("copied_evidence").copied().unwrap_or(0)
        );
        println!(
            "  honest improvements dated between last year's real answer and the fiscal year's end: {} flagged medium or higher of {}",
            g.window_improvements_flagged_strong, g.window_improvements
        );
        let mut src = g.honest_source_risks.clone();
        src.sort_unstable();
        println!("  risk of honest copy sources {:?} against the honest median {:.1}", src, g.honest_median_risk);
        println!("  ROC-AUC risk, planted vs honest sheets: {}", aucs(&g.planted_auc_risk));
    }
}

fn print_generated(r: &EvalReport, o: &Options) {
    println!(
        "hyoka eval — {} (configuration / 設定 {})",
        r.detector_version,
        &r.config_hash[..12.min(r.config_hash.len())]
    );
    println!();
    println!(
        "Hand-labelled item set / 手作業でラベルを付けた項目: {} cases ({}件), {} over-rated (上振れ {}件)",
        r.labelled_cases, r.labelled_cases, r.labelled_positives, r.labelled_positives
    );
    println!("  detector                  {}", prf(&r.labelled));
    println!("  baseline: evidence empty  {}", prf(&r.labelled_baseline_empty));
    println!("  baseline: keywords        {}", prf(&r.labelled_baseline_keywords));
    println!("  per rule (cases the rule marks; recall over all over-rated cases):");
    for (rule, p) in &r.labelled_per_rule {
        println!("    {rule:22} {}", prf(p));
    }
    println!();
    println!(
        "Labelled set v2 / ラベル付きセット v2 (crates/anomaly/eval/v2; held-out scored only with SCORE_HELDOUT=1 / 評価用の凍結部分は SCORE_HELDOUT=1 のときだけ採点):"
    );
    for v in &r.v2 {
        println!("  {} {}: {} cases, {} over-rated", v.part, v.lang, v.cases, v.positives);
        println!("    detector                  {}", prf(&v.detector));
        println!("    baseline: evidence empty  {}", prf(&v.baseline_empty));
        println!("    baseline: keywords        {}", prf(&v.baseline_keywords));
        for (rule, p) in &v.per_rule {
            println!("      {rule:22} {}", prf(p));
        }
    }
    if !r.v2.iter().any(|v| v.part == "held-out") {
        println!("  held-out: not scored in this run / 評価用の凍結部分: この実行では採点していません");
    }
    for g in &r.generated {
        println!();
        println!(
            "Generated group / 生成したグループ — {} phrasing (seed {}, {} companies): {} sheets, {} with 1–3 over-rated items, {} raised uniformly; {} injected items",
            g.templates,
            o.seed,
            o.companies,
            g.sheets,
            g.bad_sheets - g.uniform_sheets,
            g.uniform_sheets,
            g.injected_items
        );
        println!("  item level:");
        println!("    detector                  {}", prf(&g.item));
        println!("    baseline: evidence empty  {}", prf(&g.item_baseline_empty));
        println!("    baseline: keywords        {}", prf(&g.item_baseline_keywords));
        println!("    recall per pattern:");
        for (p, hit, n) in &g.per_pattern_recall {
            println!("      {p:28} {hit}/{n}");
        }
        println!("  medium-or-higher flags per honest sheet: {:.2}", g.strong_flags_per_honest_sheet);
        println!("  sheet level (bad = any over-rating):");
        println!(
            "    ROC-AUC  risk {}   baseline count of 2s {}   baseline achievement {}",
            auc(g.sheet_auc_risk),
            auc(g.sheet_auc_count_of_twos),
            auc(g.sheet_auc_achievement)
        );
        println!(
            "    precision@{}  risk {:.3}   baseline count of 2s {:.3}",
            g.k, g.precision_at_k_risk, g.precision_at_k_count_of_twos
        );
        println!(
            "    uniform inflation vs honest (per-sheet rules only): ROC-AUC risk {}   baseline count of 2s {}",
            auc(g.uniform_auc_risk),
            auc(g.uniform_auc_count_of_twos)
        );
    }
}
