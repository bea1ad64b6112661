//! `hyoka import`, `hyoka check` and `hyoka catalog import`: check sheets and
//! the official workbook from the command line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use hyoka_ingest::{Ingested, Problem, Refusal, read_limited, read_path};
use hyoka_model::catalog::Catalog;
use hyoka_model::db::submissions::Stored;
use hyoka_model::domain::{Evaluation, FiscalYear, Level};
use hyoka_model::scoring::achievement;
use hyoka_model::workflow::Actor;
use hyoka_service::sheets::{ImportOptions, Report, store_path};
use hyoka_service::{Pipeline, ServiceError};
use serde_json::json;

use crate::config::Config;

/// Exit status when a file was refused.
const REFUSED: u8 = 2;

/// Extensions a folder is searched for.
const SHEET_EXTENSIONS: [&str; 9] = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv", "tsv", "txt", "json"];

/// Arguments of `hyoka import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Check-sheet files (xlsx, xlsm, xls, xlsb, ods, CSV, JSON) or folders to search for them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Company code or name (wins over the cover sheet).
    #[arg(long, value_name = "CODE|NAME")]
    company: Option<String>,
    /// Fiscal year: 2024, 2024年度, 令和6年度, R6 (wins over the cover sheet).
    #[arg(long, value_name = "YEAR", value_parser = parse_year)]
    year: Option<FiscalYear>,
    /// 従業員数 for that fiscal year (wins over the cover sheet).
    #[arg(long, value_name = "N")]
    employees: Option<u32>,
    /// 情報システム担当者数 for that fiscal year (wins over the cover sheet).
    #[arg(long, value_name = "N")]
    it_staff: Option<u32>,
    /// Department, for companies that submit one sheet per department.
    #[arg(long, value_name = "NAME")]
    department: Option<String>,
    /// Register the company named on the cover sheet when none matches.
    #[arg(long)]
    create_company: bool,
}

/// Output format of `hyoka check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// For people.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `hyoka check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The check sheet (xlsx, xlsm, xls, xlsb, ods, CSV or JSON).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// 従業員数 (wins over the cover sheet).
    #[arg(long, value_name = "N")]
    employees: Option<u32>,
    /// 情報システム担当者数 (wins over the cover sheet).
    #[arg(long, value_name = "N")]
    it_staff: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
}

/// `hyoka catalog …`.
#[derive(Debug, clap::Subcommand)]
pub enum CatalogCommand {
    /// Read the official wording (達成条件, 達成基準, レベル, 担当領域) from your own copy of the official workbook into the database.
    Import {
        /// The official check-sheet workbook (xlsx).
        #[arg(value_name = "WORKBOOK")]
        workbook: PathBuf,
    },
}

fn parse_year(s: &str) -> Result<FiscalYear, String> {
    s.parse::<FiscalYear>().map_err(|e| e.to_string())
}

/// A file or folder `hyoka import` passed over, and why.
struct Skipped {
    path: PathBuf,
    why_ja: &'static str,
    why_en: String,
}

/// The check-sheet files under `paths` (folders searched recursively, by
/// extension), and what was passed over in those folders.
fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Skipped>) {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                skipped.push(Skipped {
                    path: dir.to_owned(), why_ja: "フォルダを読めません", why_en: e.to_string()
                });
                return;
            }
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with("~$") {
                skipped.push(Skipped {
                    path,
                    why_ja: "Excel の一時ファイル（開いている間だけ作られるもの）",
                    why_en: "an Excel lock file (exists while the workbook is open)".into(),
                });
                continue;
            }
            if name.starts_with('.') {
                let folder = path.is_dir();
                skipped.push(Skipped {
                    path,
                    why_ja: if folder { "隠しフォルダ（中は探しません）" } else { "隠しファイル" },
                    why_en: if folder { "a hidden folder (not searched)" } else { "a hidden file" }.into(),
                });
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            if path.is_dir() {
                walk(&path, out, skipped);
            } else if ext.as_deref().is_some_and(|e| SHEET_EXTENSIONS.contains(&e)) {
                out.push(path);
            } else {
                skipped.push(Skipped {
                    path,
                    why_ja: "チェックシートの形式ではありません",
                    why_en: format!(
                        "not a check-sheet file ({}); accepted: {}",
                        ext.map_or_else(|| "no extension".to_owned(), |e| format!(".{e}")),
                        SHEET_EXTENSIONS.join(", ")
                    ),
                });
            }
        }
    }
    let (mut out, mut skipped) = (Vec::new(), Vec::new());
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out, &mut skipped);
        } else {
            out.push(p.clone());
        }
    }
    (out, skipped)
}

/// How many problems of one file are printed.
const SHOWN_PROBLEMS: usize = 40;

fn print_problems(problems: &[Problem]) {
    for p in problems.iter().take(SHOWN_PROBLEMS) {
        println!("    {}", p.on_command_line());
    }
    if problems.len() > SHOWN_PROBLEMS {
        println!("    … 他 {} 件 / and {} more", problems.len() - SHOWN_PROBLEMS, problems.len() - SHOWN_PROBLEMS);
    }
}

/// `hyoka import PATH...`.
pub fn import(config: &Config, args: &ImportArgs) -> ExitCode {
    match run_import(config, args) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("hyoka: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_import(config: &Config, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let (files, skipped) = collect(&args.paths);
    if files.is_empty() {
        for s in &skipped {
            eprintln!("スキップ / skipped: {} — {} / {}", s.path.display(), s.why_ja, s.why_en);
        }
        anyhow::bail!("no check-sheet files found / 取り込むファイルがありません");
    }
    hyoka_model::db::migrate(&config.database.url)?;
    let mut conn = config.database.url.connect()?;
    let pipeline = Pipeline::load(&mut conn, config.limits).context("the catalog and detector in force")?;
    let options = ImportOptions {
        company: args.company.clone(),
        fiscal_year: args.year,
        employees: args.employees,
        it_staff: args.it_staff,
        department: args.department.clone(),
        create_company: args.create_company,
        // `hyoka import` runs as the system, never as a subsidiary user.
        need_collection: false,
        // It runs the group analysis itself below, recorded as trigger `import`.
        enqueue_analysis: false,
    };
    let progress = crate::progress::bar(files.len() as u64, "");
    let mut outcomes: Vec<(PathBuf, Result<Report, Refusal>)> = Vec::with_capacity(files.len());
    // Sheets this batch created (a file stored before writes nothing).
    let mut stored: u64 = 0;
    for (i, path) in files.iter().enumerate() {
        progress.set_position(i as u64);
        progress.set_message(hyoka_ingest::display_name(path).chars().take(40).collect::<String>());
        let result = match store_path(&mut conn, &pipeline, Actor::System, path, &options) {
            Ok(report) => Ok(report),
            // A database failure stops the batch; what was stored stays.
            Err(ServiceError::Db(e)) => {
                progress.abandon();
                return Err(anyhow::Error::new(e).context(format!("storing {}", path.display())));
            }
            Err(e) => Err(as_refusal(path, e)),
        };
        if result.as_ref().is_ok_and(|r| matches!(r.imported.stored, Stored::Created { .. })) {
            stored += 1;
            if hyoka_model::db::optimize_due(stored) {
                hyoka_model::db::optimize(&mut conn)?;
            }
        }
        match &result {
            Ok(r) => tracing::info!(file = %path.display(), submission = r.imported.stored.submission().id, "imported"),
            Err(r) => tracing::warn!(file = %path.display(), errors = r.errors().count(), "refused"),
        }
        outcomes.push((path.clone(), result));
    }
    progress.finish_and_clear();

    let (mut imported, mut unchanged, mut refused) = (0, 0, 0);
    for (path, outcome) in &outcomes {
        match outcome {
            Ok(report) => {
                let s = report.imported.stored.submission();
                let c = &report.imported.company;
                let (label, note) = match &report.imported.stored {
                    Stored::Created { .. } => {
                        imported += 1;
                        (
                            "取込 / imported",
                            if report.imported.created_company { " (会社を登録 / company created)" } else { "" },
                        )
                    }
                    Stored::Unchanged(_) => {
                        unchanged += 1;
                        ("変更なし / unchanged", " (同一ファイル / identical file)")
                    }
                };
                println!(
                    "{label}: {}  {} {}  FY{}  rev {}  submission {}{note}",
                    path.display(),
                    c.code,
                    c.name,
                    s.fiscal_year.get(),
                    s.revision,
                    s.id
                );
                print_problems(&report.ingested.warnings);
            }
            Err(refusal) => {
                refused += 1;
                let n = refusal.errors().count();
                println!("拒否 / refused: {} ({n} 件のエラー / {n} errors)", path.display());
                print_problems(&refusal.problems);
            }
        }
    }
    for s in &skipped {
        println!("スキップ / skipped: {} — {} / {}", s.path.display(), s.why_ja, s.why_en);
    }
    println!(
        "合計 / total: 取込 {imported} imported, 変更なし {unchanged} unchanged, 拒否 {refused} refused, \
         スキップ {} skipped (database {})",
        skipped.len(),
        config.database.url
    );
    // The group rules run once per import batch, for every framework and
    // fiscal year it added sheets to.
    let touched: std::collections::BTreeSet<(String, FiscalYear)> = outcomes
        .iter()
        .filter_map(|(_, o)| o.as_ref().ok())
        .filter(|r| matches!(r.imported.stored, Stored::Created { .. }))
        .map(|r| {
            let s = r.imported.stored.submission();
            (s.framework_id.clone(), s.fiscal_year)
        })
        .collect();
    for (framework, year) in touched {
        let spinner = crate::progress::spinner(&format!("グループ分析 / group analysis {year}"));
        let o = hyoka_service::analysis::analyze_recorded(
            &mut conn,
            &pipeline.detector,
            &framework,
            year,
            hyoka_model::db::jobs::Trigger::Import,
        );
        spinner.finish_and_clear();
        let o = o?;
        println!(
            "グループ分析 / group analysis {year}: {} sheets, {} new flags (run {})",
            o.sheets, o.stored, o.run_id
        );
    }
    hyoka_model::db::optimize(&mut conn)?;
    Ok(if refused > 0 { ExitCode::from(REFUSED) } else { ExitCode::SUCCESS })
}

/// A use case's refusal as the problems to print: a refused sheet lists its
/// own; anything else (a workflow conflict, a rule) is one problem.
fn as_refusal(path: &Path, e: ServiceError) -> Refusal {
    match e.refusal() {
        Some(r) => r.clone(),
        None => Refusal::one(Problem::error(
            hyoka_ingest::ProblemKind::NotStored { reason: e.to_string() },
            &hyoka_ingest::display_name(path),
        )),
    }
}

/// Writes to standard output; a reader that went away (`hyoka check … |
/// head`) ends the output quietly instead of a panic.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("hyoka: cannot write the output: {e}");
    }
}

fn rate(r: Option<f64>) -> serde_json::Value {
    r.map_or(serde_json::Value::Null, |v| json!(v))
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

/// `hyoka check FILE`: reads one sheet and prints what hyoka sees. Never
/// touches a database.
pub fn check(config: &Config, args: &CheckArgs) -> ExitCode {
    let catalog = match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("hyoka: {e}");
            return ExitCode::FAILURE;
        }
    };
    match read_path(&args.file, &catalog, &config.limits) {
        Ok(mut ingested) => {
            if args.employees.is_some() {
                ingested.sheet.cover.employees = args.employees;
            }
            if args.it_staff.is_some() {
                ingested.sheet.cover.it_staff = args.it_staff;
            }
            let detector = match hyoka_anomaly::Detector::builtin() {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("hyoka: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let cover = &ingested.sheet.cover;
            let size = hyoka_anomaly::CompanySize { employees: cover.employees, it_staff: cover.it_staff };
            // Judged against the sheet's 回答日, else the end of its fiscal
            // year; a sheet that says neither is judged as of its answers' own
            // dates only (the clock is never used).
            let assessed_on = cover
                .answered_on
                .or_else(|| cover.fiscal_year.map(FiscalYear::last_day))
                .unwrap_or(chrono::NaiveDate::MAX);
            let conditions = hyoka_service::detect::conditions_of(&ingested);
            let report = hyoka_service::detect::check(
                &detector,
                &catalog,
                &ingested.sheet.answers,
                &conditions,
                size,
                assessed_on,
            );
            print_check(&ingested, &report, args.format);
            ExitCode::SUCCESS
        }
        Err(refusal) => {
            match args.format {
                OutputFormat::Json => {
                    let errors: Vec<&Problem> = refusal.errors().collect();
                    let warnings: Vec<&Problem> = refusal.warnings().collect();
                    let out = json!({ "file": refusal.file, "refused": true, "errors": errors, "warnings": warnings });
                    emit(&format!("{out}\n"));
                }
                OutputFormat::Text => eprintln!("{}", refusal.on_command_line()),
            }
            ExitCode::from(REFUSED)
        }
    }
}

/// What `hyoka check` prints, written at once by [`emit`].
fn print_check(i: &Ingested, report: &hyoka_anomaly::Report, format: OutputFormat) {
    let mut text = String::new();
    macro_rules! say {
        ($($arg:tt)*) => {{
            text.push_str(&format!($($arg)*));
            text.push('\n');
        }};
    }
    let a = achievement(&i.sheet.scored_items(), Level::Lv3);
    let suggestions = hyoka_service::detect::suggestions(report);
    let sa = achievement(&hyoka_model::scoring::suggested_items(&i.sheet.scored_items(), &suggestions), Level::Lv3);
    let flags: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let claimed = match f.claimed.points() {
                Some(p) if f.claimed != Evaluation::Unanswered => json!(p),
                _ => json!(f.claimed.code()),
            };
            json!({
                "item": f.target.item().map(|n| n.get()),
                "rule": f.rule,
                "severity": f.severity,
                "claimed": claimed,
                "suggested": f.suggested.map(|p| p.value()),
                "reason_ja": f.reason_ja,
                "reason_en": f.reason_en,
            })
        })
        .collect();
    let over_rated = report
        .findings
        .iter()
        .filter(|f| f.marks_over_rating())
        .filter_map(|f| f.target.item())
        .collect::<std::collections::BTreeSet<_>>();
    let count = |e: Evaluation| i.sheet.answers.iter().filter(|a| a.evaluation == e).count();
    let c = &i.sheet.cover;
    match format {
        OutputFormat::Json => {
            let out = json!({
                "file": i.file,
                "sha256": i.sha256,
                "format": i.format,
                "item_sheet": i.item_sheet,
                "company": c.company_name,
                "company_code": c.company_code,
                "year": c.fiscal_year.map(FiscalYear::get),
                "employees": c.employees,
                "it_staff": c.it_staff,
                "respondent": c.respondent,
                "answered_on": c.answered_on,
                "department": i.department,
                "items": i.sheet.answers.len(),
                "achievement": {
                    "lv1": rate(a.levels[0].rate),
                    "lv2": rate(a.levels[1].rate),
                    "lv3": rate(a.levels[2].rate),
                    "overall": rate(a.overall.rate),
                    "suggested": {
                        "lv1": rate(sa.levels[0].rate),
                        "lv2": rate(sa.levels[1].rate),
                        "lv3": rate(sa.levels[2].rate),
                        "overall": rate(sa.overall.rate),
                    },
                },
                "flags": flags,
                "risk": { "score": report.risk.score, "top_reasons": report.risk.top_reasons },
                "counts": {
                    "done": count(Evaluation::DONE),
                    "in_progress": count(Evaluation::IN_PROGRESS),
                    "not_done": count(Evaluation::NOT_DONE),
                    "not_applicable": count(Evaluation::NotApplicable),
                    "unanswered": count(Evaluation::Unanswered),
                },
                "warnings": i.warnings,
            });
            say!("{out}");
        }
        OutputFormat::Text => {
            let or_dash = |s: Option<String>| s.unwrap_or_else(|| "-".to_owned());
            say!("ファイル / file:        {}", i.file);
            if let Some(s) = &i.item_sheet {
                say!("シート / sheet:         {s}");
            }
            say!("会社名 / company:       {}", or_dash(c.company_name.clone()));
            say!("会社コード / code:      {}", or_dash(c.company_code.clone()));
            say!("評価年度 / year:        {}", or_dash(c.fiscal_year.map(|y| y.get().to_string())));
            say!("従業員数 / employees:   {}", or_dash(c.employees.map(|n| n.to_string())));
            say!("IT担当者数 / IT staff:  {}", or_dash(c.it_staff.map(|n| n.to_string())));
            say!("項目数 / items:         {}", i.sheet.answers.len());
            say!(
                "達成率 / achievement:   Lv1 {}  Lv2 {}  Lv3 {}  全体 overall {}",
                percent(a.levels[0].rate),
                percent(a.levels[1].rate),
                percent(a.levels[2].rate),
                percent(a.overall.rate)
            );
            say!(
                "内訳 / answers:         対策完了 {}  対策中 {}  未実施 {}  該当なし {}  未回答 {}",
                count(Evaluation::DONE),
                count(Evaluation::IN_PROGRESS),
                count(Evaluation::NOT_DONE),
                count(Evaluation::NotApplicable),
                count(Evaluation::Unanswered)
            );
            say!(
                "示唆 / suggested:       Lv1 {}  Lv2 {}  Lv3 {}  全体 overall {}",
                percent(sa.levels[0].rate),
                percent(sa.levels[1].rate),
                percent(sa.levels[2].rate),
                percent(sa.overall.rate)
            );
            say!("上振れ / over-rating:   {} items flagged, risk {}/100", over_rated.len(), report.risk.score);
            for f in report.findings.iter().filter(|f| f.severity > hyoka_model::domain::Severity::Info) {
                let suggested = f.suggested.map_or_else(|| "-".to_owned(), |p| p.value().to_string());
                say!("  [{}] {} ({} → {suggested})", f.severity, f.reason_ja, f.claimed.code());
                say!("      {}", f.reason_en);
            }
            for w in &i.warnings {
                say!("  {}", w.on_command_line());
            }
        }
    }
    emit(&text);
}

/// `hyoka catalog …`.
pub fn catalog(config: &Config, command: &CatalogCommand) -> ExitCode {
    match command {
        CatalogCommand::Import { workbook } => match catalog_import(config, workbook) {
            Ok(code) => code,
            Err(e) => {
                tracing::error!("{e:#}");
                eprintln!("hyoka: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn catalog_import(config: &Config, workbook: &Path) -> anyhow::Result<ExitCode> {
    let builtin = Catalog::builtin().map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = hyoka_ingest::display_name(workbook);
    let wording = match read_limited(workbook, &config.limits)
        .map_err(Refusal::one)
        .and_then(|bytes| hyoka_ingest::catalog_import::read(&name, &bytes, &builtin, &config.limits))
    {
        Ok(w) => w,
        Err(refusal) => {
            eprintln!("{}", refusal.on_command_line());
            return Ok(ExitCode::from(REFUSED));
        }
    };
    hyoka_model::db::migrate(&config.database.url)?;
    let mut conn = config.database.url.connect()?;
    let changed =
        hyoka_model::db::import::import_catalog_wording(&mut conn, Actor::System, &builtin.framework.id, &wording)?;
    let with = |f: fn(&hyoka_model::db::import::ItemWording) -> bool| wording.iter().filter(|w| f(w)).count();
    println!(
        "カタログ {} を更新しました / catalog {} updated: {} items read, {changed} changed (達成条件 {}, 達成基準 {}, レベル {}, 担当領域 {})",
        builtin.framework.id,
        builtin.framework.id,
        wording.len(),
        with(|w| w.condition.is_some()),
        with(|w| w.criteria.is_some()),
        with(|w| w.level.is_some()),
        with(|w| w.responsible_area.is_some()),
    );
    Ok(ExitCode::SUCCESS)
}
