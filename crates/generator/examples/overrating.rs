//! Prints a labelled group's over-rated items: pattern, honest → claimed
//! score, suggested score and the inflated evidence.
//!
//! ```text
//! cargo run -p hyoka-generator --example overrating                 # Tuning phrasing
//! cargo run -p hyoka-generator --example overrating -- held-out     # HeldOut phrasing
//! cargo run -p hyoka-generator --example overrating -- tuning 300   # 300 companies
//! ```

use std::collections::BTreeMap;

use hyoka_generator::{GroupSpec, Pattern, SheetKind, TemplateSet, labelled_group};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::FiscalYear;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let set = match std::env::args().nth(1).as_deref() {
        Some("held-out" | "heldout" | "held_out") => TemplateSet::HeldOut,
        _ => TemplateSet::Tuning,
    };
    let catalog = Catalog::builtin()?;
    let companies = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(100);
    let spec = GroupSpec::consecutive(2024, companies, FiscalYear::new(2024)?, 1);
    let sheets = labelled_group(&spec, &catalog, set, 0.3, 0.1);
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut patterns: BTreeMap<Pattern, usize> = BTreeMap::new();
    for s in &sheets {
        let kind = match s.kind {
            SheetKind::Honest => "honest",
            SheetKind::ItemInflated => "item_inflated",
            SheetKind::UniformlyInflated => "uniformly_inflated",
        };
        *kinds.entry(kind).or_default() += 1;
        if s.kind != SheetKind::ItemInflated {
            continue;
        }
        for i in &s.injected {
            *patterns.entry(i.pattern).or_default() += 1;
            let evidence = s.sheet.answers.iter().find(|a| a.item == i.item).map_or("", |a| a.evidence.as_str());
            println!(
                "{:>3} IT{:<2} No.{:<3} {:<30} {} → {} (suggested {:?}) | {}",
                s.company_index,
                s.company_size.it_staff,
                i.item.get(),
                i.pattern.code(),
                i.honest.code(),
                i.claimed.code(),
                i.suggested.map(u8::from),
                evidence.replace('\n', "⏎")
            );
        }
    }
    println!("\n{set:?}: {kinds:?}");
    for (p, n) in patterns {
        println!("  {:<30} {n}", p.code());
    }
    Ok(())
}
