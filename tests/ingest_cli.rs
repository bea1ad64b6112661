//! End-to-end: the built `hyoka` binary's `check`, `import` and
//! `catalog import`, each run with its own temporary folder and database.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use hyoka_model::db::{companies, submissions};
use hyoka_model::domain::FiscalYear;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn hyoka(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hyoka"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("HYOKA_CONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap_or_else(|e| panic!("cannot run hyoka: {e}"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn sqlite_url(dir: &Path) -> (String, PathBuf) {
    let path = dir.join("hyoka.db");
    (format!("sqlite://{}", path.display()), path)
}

fn close(a: &serde_json::Value, want: f64) -> bool {
    a.as_f64().is_some_and(|v| (v - want).abs() < 1e-9)
}

/// A copy of the UTF-8 CSV fixture with item 40's evaluation replaced.
fn bad_csv(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture("utf8_bom.csv")).unwrap_or_default();
    let lines: Vec<String> = text
        .split("\r\n")
        .map(|l| {
            if l.starts_with("40,") { l.replacen(",0,", ",済,", 1).replacen(",-,", ",済,", 1) } else { l.to_owned() }
        })
        .collect();
    let path = dir.join("bad.csv");
    std::fs::write(&path, lines.join("\r\n")).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// `hyoka check … | head`: a reader that goes away before the output is
/// written ends hyoka quietly (it used to panic on the closed pipe, exit 101).
#[test]
fn check_into_a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    let dir = temp();
    let (url, _) = sqlite_url(dir.path());
    for format in ["text", "json"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hyoka"))
            .args(["check", &fixture("official_like.xlsx").to_string_lossy(), "--format", format])
            .env("DATABASE_URL", &url)
            .env_remove("HYOKA_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run hyoka: {e}"));
        // Close the reading end at once, as `head` does once it has enough.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{format}: {err}");
        assert_eq!(out.status.code(), Some(0), "{format}: {err}");
    }
}

#[test]
fn check_prints_what_hyoka_sees_as_json_without_a_database() {
    let dir = temp();
    let (url, db) = sqlite_url(dir.path());
    let o = hyoka(&url, &["check", &fixture("official_like.xlsx").to_string_lossy(), "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["company"], "株式会社 東海精密工業");
    assert_eq!(v["year"], 2023);
    assert_eq!(v["items"], 153);
    assert!(close(&v["achievement"]["lv1"], 61.0 / 86.0), "{v}");
    assert!(close(&v["achievement"]["lv2"], 107.0 / 138.0), "{v}");
    assert!(close(&v["achievement"]["lv3"], 43.0 / 52.0), "{v}");
    assert!(close(&v["achievement"]["overall"], 211.0 / 276.0), "{v}");
    assert!(!db.exists(), "check created a database");
    assert!(std::fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(1) == 0, "check wrote files");
}

#[test]
fn check_says_null_for_what_the_sheet_does_not_say_and_flags_win() {
    let dir = temp();
    let (url, _) = sqlite_url(dir.path());
    let file = fixture("utf8_bom.csv");
    let o =
        hyoka(&url, &["check", &file.to_string_lossy(), "--format", "json", "--employees", "12", "--it-staff", "1"]);
    assert!(o.status.success());
    let v = json(&o);
    assert!(v["company"].is_null() && v["year"].is_null(), "{v}");
    assert_eq!((v["employees"].as_u64(), v["it_staff"].as_u64()), (Some(12), Some(1)));
    assert!(close(&v["achievement"]["overall"], 194.0 / 262.0), "{v}");
    let text = hyoka(&url, &["check", &file.to_string_lossy()]);
    assert!(stdout(&text).contains("達成率 / achievement"), "{}", stdout(&text));
}

#[test]
fn check_refuses_a_bad_sheet_with_status_2() {
    let dir = temp();
    let (url, db) = sqlite_url(dir.path());
    let bad = bad_csv(dir.path());
    let o = hyoka(&url, &["check", &bad.to_string_lossy(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    assert_eq!(v["refused"], true);
    let errors = v["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "{v}");
    assert_eq!((errors[0]["place"].as_str(), errors[0]["item"].as_u64()), (Some("C41"), Some(40)));
    assert_eq!(errors[0]["code"], "invalid_evaluation");
    assert!(errors[0]["message_ja"].as_str().is_some_and(|m| m.contains("済")));
    assert!(errors[0]["message_en"].as_str().is_some_and(|m| m.contains("evaluation")));
    let text = hyoka(&url, &["check", &bad.to_string_lossy()]);
    assert_eq!(text.status.code(), Some(2));
    let err = String::from_utf8_lossy(&text.stderr);
    assert!(err.contains("bad.csv C41 No.40"), "{err}");
    assert!(!db.exists());
}

fn import_reports_every_file_and_fails_when_one_is_refused(db: &TestDb) {
    let dir = temp();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(inbox.join("2023")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(fixture("official_like.xlsx"), inbox.join("2023/official_like.xlsx"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(inbox.join("~$official_like.xlsx"), b"owner file").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(inbox.join("readme.md"), b"not a sheet").unwrap_or_else(|e| panic!("{e}"));
    bad_csv(&inbox);
    let url = db.url_string();

    let o = hyoka(&url, &["import", &inbox.to_string_lossy(), "--create-company"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("取込 / imported")
            && out.contains("official_like.xlsx  T001 株式会社 東海精密工業  FY2023  rev 1"),
        "{out}"
    );
    assert!(out.contains("拒否 / refused") && out.contains("bad.csv C41 No.40"), "{out}");
    assert!(out.contains("取込 1 imported, 変更なし 0 unchanged, 拒否 1 refused, スキップ 2 skipped"), "{out}");
    // What the folder held besides sheets is named in the summary, with why.
    let skipped: Vec<&str> = out.lines().filter(|l| l.starts_with("スキップ / skipped:")).collect();
    assert_eq!(skipped.len(), 2, "{out}");
    assert!(skipped.iter().any(|l| l.contains("~$official_like.xlsx") && l.contains("lock file")), "{out}");
    assert!(skipped.iter().any(|l| l.contains("readme.md") && l.contains("not a check-sheet file (.md)")), "{out}");

    let again = hyoka(&url, &["import", &fixture("official_like.xlsx").to_string_lossy()]);
    assert!(again.status.success(), "{}", stdout(&again));
    assert!(stdout(&again).contains("変更なし / unchanged"), "{}", stdout(&again));

    // The CSV names no company or year: the flags do.
    let flags = hyoka(
        &url,
        &[
            "import",
            &fixture("utf8_bom.csv").to_string_lossy(),
            "--company",
            "T001",
            "--year",
            "令和5年度",
            "--employees",
            "90",
            "--department",
            "製造部",
        ],
    );
    assert!(flags.status.success(), "{}", stdout(&flags));

    let mut c = db.conn();
    let t001 = companies::by_code(&mut c, "T001").ok().flatten().unwrap_or_else(|| panic!("T001 not created"));
    let fy = FiscalYear::new(2023).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(submissions::count(&mut c).ok(), Some(2));
    let year = companies::year_of(&mut c, t001.id, fy).ok().flatten();
    assert_eq!(year.and_then(|y| y.employees), Some(90));
    let dept = companies::departments_of(&mut c, t001.id).unwrap_or_default();
    assert_eq!(dept.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["製造部"]);
}

/// Issue 18: the same sheet saved by LibreOffice as .xls and .ods imports
/// from a folder, and the summary names every file passed over, hidden ones
/// too, with why.
fn import_reads_xls_and_ods_and_lists_every_file_it_skipped(db: &TestDb) {
    let dir = temp();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(inbox.join("2023")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(inbox.join(".git")).unwrap_or_else(|e| panic!("{e}"));
    for (from, to) in [("libreoffice.xls", "2023/東海精密.xls"), ("libreoffice.ods", "東海精密.ods")] {
        std::fs::copy(fixture(from), inbox.join(to)).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(inbox.join(".DS_Store"), b"finder").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(inbox.join(".git/HEAD"), b"ref: refs/heads/main").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(inbox.join("scan.pdf"), b"%PDF").unwrap_or_else(|e| panic!("{e}"));
    let o = hyoka(&db.url_string(), &["import", &inbox.to_string_lossy(), "--create-company"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("東海精密.xls  T001 株式会社 東海精密工業  FY2023  rev 1"), "{out}");
    assert!(out.contains("東海精密.ods  T001 株式会社 東海精密工業  FY2023  rev 2"), "{out}");
    assert!(out.contains("取込 2 imported, 変更なし 0 unchanged, 拒否 0 refused, スキップ 3 skipped"), "{out}");
    let skipped: Vec<&str> = out.lines().filter(|l| l.starts_with("スキップ / skipped:")).collect();
    assert_eq!(skipped.len(), 3, "{out}");
    assert!(skipped.iter().any(|l| l.contains(".DS_Store") && l.contains("隠しファイル / a hidden file")), "{out}");
    assert!(skipped.iter().any(|l| l.contains(".git") && l.contains("a hidden folder (not searched)")), "{out}");
    assert!(skipped.iter().any(|l| l.contains("scan.pdf") && l.contains("not a check-sheet file (.pdf)")), "{out}");
    let mut c = db.conn();
    assert_eq!(submissions::count(&mut c).ok(), Some(2));
}

/// The command line's advice names its flags (an upload's names its fields).
#[test]
fn check_and_import_advise_the_command_line_flags() {
    let dir = temp();
    let (url, _) = sqlite_url(dir.path());
    let o = hyoka(&url, &["import", &fixture("utf8_bom.csv").to_string_lossy()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("--year で指定してください") && out.contains("or pass --year"), "{out}");
    assert!(!out.contains("fiscal_year"), "{out}");
}

fn an_unknown_company_is_not_created_without_the_flag(db: &TestDb) {
    let url = db.url_string();
    let o = hyoka(&url, &["import", &fixture("cp932.csv").to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("cp932.csv E2"), "{}", stdout(&o));
    let mut c = db.conn();
    assert_eq!(companies::list(&mut c).map(|l| l.len()).ok(), Some(0));
    assert_eq!(submissions::count(&mut c).ok(), Some(0));
}

fn catalog_import_reads_the_official_wording(db: &TestDb) {
    let url = db.url_string();
    let o = hyoka(&url, &["catalog", "import", &fixture("official_like.xlsx").to_string_lossy()]);
    assert!(o.status.success(), "{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("153 items read, 153 changed"), "{}", stdout(&o));
    let mut c = db.conn();
    let catalog = hyoka_model::db::catalog::load(&mut c, "jama-japia-2.3").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(catalog.items[0].condition.as_deref(), Some("達成条件 1：ルールを定め、周知している"));
    let refused = hyoka(&url, &["catalog", "import", &fixture("utf8_bom.csv").to_string_lossy()]);
    assert_eq!(refused.status.code(), Some(2), "a sheet without 達成条件 is no catalog");
}

both_backends!(
    import_reports_every_file_and_fails_when_one_is_refused,
    an_unknown_company_is_not_created_without_the_flag,
    import_reads_xls_and_ods_and_lists_every_file_it_skipped,
    catalog_import_reads_the_official_wording,
);

/// A copy of the UTF-8 CSV fixture with a 達成条件 column (blank but for
/// item 36) and item 36 answered 2 with evidence that reports the first of
/// the condition's two parts done and the second not.
fn csv_with_condition(dir: &Path, condition: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixture("utf8_bom.csv")).unwrap_or_default();
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("\u{feff}No,") {
                format!("{l},達成条件")
            } else if l.starts_with("36,") {
                format!("36,2,2,2025年6月に全従業員向けのセキュリティ研修を実施した。受講記録は保管していない。,IT,{condition}")
            } else if l.is_empty() {
                String::new()
            } else {
                format!("{l},")
            }
        })
        .collect();
    let path = dir.join("conditions.csv");
    std::fs::write(&path, lines.join("\n")).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// The rules on item 36 of `hyoka check --format json`.
fn rules_on(v: &serde_json::Value, item: u64) -> Vec<String> {
    v["flags"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["item"].as_u64() == Some(item))
                .filter_map(|f| f["rule"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The sheet's own 達成条件 column reaches the detector: the evidence is
/// read against a two-part condition (`parts_missing`, naming the part not
/// done); without the condition text other rules judge the same evidence.
#[test]
fn check_reads_the_sheets_own_conditions() {
    let dir = temp();
    let (url, _) = sqlite_url(dir.path());
    let with = csv_with_condition(dir.path(), "研修を実施し、受講記録を保管していること");
    let o = hyoka(&url, &["check", &with.to_string_lossy(), "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let flagged = rules_on(&json(&o), 36);
    assert!(flagged.iter().any(|r| r == "parts_missing"), "{flagged:?}");
    let without = csv_with_condition(dir.path(), "");
    let o = hyoka(&url, &["check", &without.to_string_lossy(), "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let flagged = rules_on(&json(&o), 36);
    assert!(!flagged.iter().any(|r| r == "parts_missing"), "{flagged:?}");
}
