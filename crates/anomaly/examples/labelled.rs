//! Prints the detector's results on the labelled set (development aid; the
//! user-facing report is `hyoka eval`).

use hyoka_anomaly::Detector;
use hyoka_anomaly::eval::{evaluate_labelled, labelled_cases};
use hyoka_model::catalog::Catalog;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let catalog = Catalog::builtin()?;
    let detector = Detector::builtin()?;
    let cases = labelled_cases()?;
    let r = evaluate_labelled(&detector, &catalog, &cases);
    let verbose = std::env::args().any(|a| a == "-v");
    println!("cases {} positives {}", r.cases, r.positives);
    let show = |name: &str, p: &hyoka_anomaly::eval::Prf| {
        println!(
            "{name:24} P {:.3} R {:.3} F1 {:.3} (tp {} fp {} fn {})",
            p.precision(),
            p.recall(),
            p.f1(),
            p.tp,
            p.fp,
            p.fn_
        )
    };
    show("detector", &r.detector);
    show("baseline: evidence", &r.baseline_empty);
    show("baseline: keywords", &r.baseline_keywords);
    for (rule, p) in &r.per_rule {
        show(rule, p);
    }
    if verbose {
        let by_id: std::collections::HashMap<_, _> = cases.iter().map(|c| (c.id.clone(), c)).collect();
        for (id, pattern, hit, rules) in &r.errors {
            let c = by_id[id];
            println!(
                "{} {id} {pattern} [{}→{}] {:?}\n    {}",
                if *hit { "FP" } else { "FN" },
                c.score,
                c.item,
                rules,
                c.evidence
            );
        }
    }
    Ok(())
}
