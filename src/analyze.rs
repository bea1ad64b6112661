//! `hyoka analyze --year Y`: the group rules over one fiscal year, through
//! the service ([`hyoka_service::analysis`]).

use hyoka_model::domain::FiscalYear;

use crate::config::Config;

/// `hyoka analyze`.
pub fn run(config: &Config, year: FiscalYear, framework: &str) -> anyhow::Result<()> {
    hyoka_model::db::migrate(&config.database.url)?;
    let mut conn = config.database.url.connect()?;
    let spinner = crate::progress::spinner(&format!("グループ分析 / group analysis {framework} {year}"));
    let o = hyoka_service::analysis::analyze_stored(&mut conn, framework, year);
    spinner.finish_and_clear();
    let o = o?;
    hyoka_model::db::optimize(&mut conn)?;
    println!(
        "analysis run {} for {framework} {year}: {} sheets, {} findings, {} new flags stored ({} on sheets already reviewed)",
        o.run_id, o.sheets, o.findings, o.stored, o.new_on_reviewed
    );
    let t = o.timings;
    println!(
        "time: reading {:.1} s, group rules {:.1} s, storing {:.1} s",
        t.load.as_secs_f64(),
        t.rules.as_secs_f64(),
        t.write.as_secs_f64()
    );
    Ok(())
}
