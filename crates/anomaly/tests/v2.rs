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
