//! Prints the demo group and, optionally, some companies' sheets; times
//! generation and writing.
//!
//! ```text
//! cargo run --release -p hyoka-generator --example demo_group            # overview + timings
//! cargo run --release -p hyoka-generator --example demo_group -- 3 17    # also sheets of companies 3 and 17
//! ```

use std::time::Instant;

use hyoka_generator::{Generator, demo_group, write_csv_cp932};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::Evaluation;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let catalog = Catalog::builtin()?;
    let started = Instant::now();
    let generator = Generator::new(demo_group(), &catalog);
    let group = generator.group();
    let generated = started.elapsed();

    // One line per company: size per year and answers per year as [2, 1, 0, 該当なし, unanswered].
    for c in &group.companies {
        let mut line = format!(
            "{} {} {} {} target {} tier {}",
            c.code,
            c.name,
            c.industry.label_ja(),
            c.size_class.label_ja(),
            c.target_level,
            c.impact_tier.get()
        );
        for s in group.sheets.iter().filter(|s| s.company_index == c.index) {
            let size = c.size(s.year);
            let mut counts = [0; 5];
            for a in &s.sheet.answers {
                let slot = match a.evaluation {
                    Evaluation::Rated(p) => 2 - usize::from(p.value()),
                    Evaluation::NotApplicable => 3,
                    Evaluation::Unanswered => 4,
                };
                counts[slot] += 1;
            }
            line.push_str(&format!(" | {} {}人/IT{} {:?}", s.year, size.employees, size.it_staff, counts));
        }
        println!("{line}");
    }

    for index in std::env::args().skip(1).filter_map(|a| a.parse::<usize>().ok()) {
        for s in group.sheets.iter().filter(|s| s.company_index == index) {
            println!("\n== {} {} {:?}", s.sheet.cover.company_name.as_deref().unwrap_or(""), s.year, s.sheet.cover);
            for a in &s.sheet.answers {
                let text = a.evidence.replace('\n', "⏎");
                println!("{:>3} {} {:<14} {text}", a.item.get(), a.level, a.evaluation.label_ja());
            }
        }
    }

    let started = Instant::now();
    let mut csv_bytes = 0;
    for s in &group.sheets {
        csv_bytes += write_csv_cp932(&s.sheet, &catalog)?.len();
    }
    let csv_time = started.elapsed();
    let started = Instant::now();
    let mut xlsx_bytes = 0;
    for s in &group.sheets {
        xlsx_bytes += generator.xlsx(s.company_index, s.year)?.len();
    }
    let xlsx_time = started.elapsed();
    println!(
        "\n{} sheets generated in {generated:?}; CP932 CSV {csv_bytes} bytes in {csv_time:?}; xlsx {xlsx_bytes} bytes in {xlsx_time:?}",
        group.sheets.len()
    );
    Ok(())
}
