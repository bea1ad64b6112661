//! Labelled set v2, the tuning part only (the held-out part is scored by
//! `hyoka eval`, in aggregate, once). Run with `--nocapture` to list the
//! tuning cases the detector gets wrong.

use hyoka_anomaly::Detector;
use hyoka_anomaly::eval::{V2Part, evaluate_labelled, in_language, v2_cases};
use hyoka_model::catalog::Catalog;

#[test]
fn tuning_part_per_language() {
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let detector = Detector::builtin().unwrap_or_else(|e| panic!("{e}"));
    let cases = v2_cases(V2Part::Tuning).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cases.len(), 439);
    let verbose = std::env::var_os("HYOKA_TUNING_ERRORS").is_some();
    for lang in ["ja", "en"] {
        let part = in_language(&cases, lang);
        let r = evaluate_labelled(&detector, &catalog, &part);
        let (p, rec) = (r.detector.precision(), r.detector.recall());
        println!("tuning {lang}: {} cases, P {p:.3} R {rec:.3} {:?}", r.cases, r.detector);
        if verbose {
            for (id, pattern, flagged, rules) in &r.errors {
                let c = part.iter().find(|c| &c.id == id);
                let ev = c.map_or("", |c| c.evidence.as_str());
                let sc = c.map_or("", |c| c.score.as_str());
                let cond = c.and_then(|c| c.condition.as_deref()).unwrap_or("");
                let why = c.map_or("", |c| c.reason.as_str());
                println!(
                    "{} {id} [{pattern}] item {} score {sc} {rules:?}\n    EV: {ev}\n    CO: {cond}\n    WHY: {why}",
                    if *flagged { "FP" } else { "FN" },
                    c.map_or(0, |c| c.item)
                );
            }
        }
        assert!(p >= 0.5 && rec >= 0.3, "{lang}: P {p:.3} R {rec:.3}");
    }
}

#[test]
fn old_labelled_set_figures() {
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let detector = Detector::builtin().unwrap_or_else(|e| panic!("{e}"));
    let cases = hyoka_anomaly::eval::labelled_cases().unwrap_or_else(|e| panic!("{e}"));
    let r = evaluate_labelled(&detector, &catalog, &cases);
    println!("old set: P {:.3} R {:.3} {:?}", r.detector.precision(), r.detector.recall(), r.detector);
    if std::env::var_os("HYOKA_TUNING_ERRORS").is_some() {
        for e in &r.errors {
            let c = cases.iter().find(|c| c.id == e.0);
            println!("{e:?}\n    EV: {}", c.map_or("", |c| c.evidence.as_str()));
        }
    }
    assert!(r.detector.precision() >= 0.95 && r.detector.recall() >= 0.95, "{:?}", r.detector);
}

/// Lists the commonest medium-or-higher findings on honest generated
/// sheets (run with HYOKA_TUNING_ERRORS=1 --nocapture).
#[test]
fn honest_generated_findings() {
    if std::env::var_os("HYOKA_TUNING_ERRORS").is_none() {
        return;
    }
    use hyoka_anomaly::{CompanySize, SheetInput};
    use hyoka_generator::{Generator, GroupSpec};
    use hyoka_model::domain::{FiscalYear, Severity};
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let detector = Detector::builtin().unwrap_or_else(|e| panic!("{e}"));
    use hyoka_generator::{SheetKind, TemplateSet, labelled_group};
    let year = FiscalYear::new(2024).unwrap_or_else(|e| panic!("{e}"));
    let spec = GroupSpec::new(20241130, 200, vec![year]).with_code_prefix("EVAL-");
    let group = labelled_group(&spec, &catalog, TemplateSet::Tuning, 0.3, 0.1);
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    let mut sheets = 0;
    let _ = Generator::new;
    for s in group.iter().filter(|s| s.kind == SheetKind::Honest) {
        let input = SheetInput {
            answers: &s.sheet.answers,
            catalog: &catalog,
            company: CompanySize { employees: Some(s.company_size.employees), it_staff: Some(s.company_size.it_staff) },
            assessed_on: s.sheet.cover.answered_on.unwrap_or_else(|| s.year.last_day()),
        };
        sheets += 1;
        for f in detector.check(&input).findings.iter().filter(|f| f.severity >= Severity::Medium) {
            let r = f.reason_ja.split_once(": ").map_or(f.reason_ja.as_str(), |x| x.1);
            *seen.entry(format!("{} {}", f.rule, r)).or_default() += 1;
        }
    }
    let mut v: Vec<_> = seen.into_iter().collect();
    v.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    println!("{sheets} sheets");
    for (k, n) in v.iter().take(40) {
        println!("{n:4} {k}");
    }
}

/// Reads `score|evidence` lines from the file named by `HYOKA_PROBE` and
/// prints the rules that mark each (a tool for trying new wordings).
#[test]
fn probe_wordings() {
    use hyoka_anomaly::{CompanySize, SheetInput};
    use hyoka_model::domain::{Evaluation, ItemNumber, Level};
    use hyoka_model::sheet::Answer;
    let Ok(path) = std::env::var("HYOKA_PROBE") else { return };
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let detector = Detector::builtin().unwrap_or_else(|e| panic!("{e}"));
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let Some((s, ev)) = line.split_once('|') else { continue };
        let item = if s == "na" { 80 } else { 60 };
        let answers = [Answer {
            item: ItemNumber::new(item).unwrap_or_else(|e| panic!("{e}")),
            level: Level::Lv1,
            evaluation: Evaluation::from_code(s).unwrap_or(Evaluation::Unanswered),
            evidence: ev.into(),
            responsible_area: None,
            source_cell: None,
        }];
        let input = SheetInput {
            answers: &answers,
            catalog: &catalog,
            company: CompanySize { employees: Some(300), it_staff: Some(4) },
            assessed_on: chrono::NaiveDate::from_ymd_opt(2025, 9, 30).unwrap_or_default(),
        };
        let m: Vec<&str> =
            detector.check(&input).findings.iter().filter(|f| f.marks_over_rating()).map(|f| f.rule).collect();
        println!("{:24} {s} {ev}", if m.is_empty() { "-".to_owned() } else { m.join(",") });
    }
}
