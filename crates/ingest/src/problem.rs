//! What can be wrong with an uploaded file, said in Japanese and English,
//! with the place it was found: file, sheet, cell and item.

use std::fmt;

use hyoka_model::domain::{ItemNumber, Level};
use serde::Serialize;

/// Whether a problem refuses the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gravity {
    /// The file is refused and nothing is stored.
    Error,
    /// Reported; the file is still accepted.
    Warning,
}

/// A column of the item table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// No. / 項番.
    Item,
    /// レベル.
    Level,
    /// 目的.
    Purpose,
    /// 要求事項.
    Requirement,
    /// 達成条件.
    Condition,
    /// 達成基準.
    Criteria,
    /// 他社事例.
    Examples,
    /// ラベル / 分類.
    Category,
    /// 担当領域.
    Area,
    /// 達成条件評価.
    Evaluation,
    /// 評価の根拠記入欄.
    Evidence,
}

impl Column {
    /// The column's label in the official sheet.
    pub fn label_ja(self) -> &'static str {
        match self {
            Column::Item => "No.",
            Column::Level => "レベル",
            Column::Purpose => "目的",
            Column::Requirement => "要求事項",
            Column::Condition => "達成条件",
            Column::Criteria => "達成基準",
            Column::Examples => "他社事例",
            Column::Category => "ラベル",
            Column::Area => "担当領域",
            Column::Evaluation => "達成条件評価",
            Column::Evidence => "評価の根拠記入欄",
        }
    }

    /// English name.
    pub fn label_en(self) -> &'static str {
        match self {
            Column::Item => "item number",
            Column::Level => "level",
            Column::Purpose => "purpose",
            Column::Requirement => "requirement",
            Column::Condition => "achievement condition",
            Column::Criteria => "achievement criteria",
            Column::Examples => "examples from other companies",
            Column::Category => "label",
            Column::Area => "responsible area",
            Column::Evaluation => "evaluation",
            Column::Evidence => "evidence",
        }
    }
}

/// A company fact of the cover sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// 会社名.
    CompanyName,
    /// 会社コード.
    CompanyCode,
    /// 評価年度.
    FiscalYear,
    /// 従業員数.
    Employees,
    /// 情報システム担当者数.
    ItStaff,
    /// 回答者.
    Respondent,
    /// 回答日.
    AnsweredOn,
}

impl Fact {
    /// Every fact.
    pub const ALL: [Fact; 7] = [
        Fact::CompanyName,
        Fact::CompanyCode,
        Fact::FiscalYear,
        Fact::Employees,
        Fact::ItStaff,
        Fact::Respondent,
        Fact::AnsweredOn,
    ];

    /// Japanese label.
    pub fn label_ja(self) -> &'static str {
        match self {
            Fact::CompanyName => "会社名",
            Fact::CompanyCode => "会社コード",
            Fact::FiscalYear => "評価年度",
            Fact::Employees => "従業員数",
            Fact::ItStaff => "情報システム担当者数",
            Fact::Respondent => "回答者",
            Fact::AnsweredOn => "回答日",
        }
    }

    /// English name.
    pub fn label_en(self) -> &'static str {
        match self {
            Fact::CompanyName => "company name",
            Fact::CompanyCode => "company code",
            Fact::FiscalYear => "fiscal year",
            Fact::Employees => "employees",
            Fact::ItStaff => "IT staff",
            Fact::Respondent => "respondent",
            Fact::AnsweredOn => "answer date",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Fact::FiscalYear => "2023 / 2023年度 / 令和5年度 / R5",
            Fact::Employees | Fact::ItStaff => "0 以上の整数 / a whole number (35, 35名)",
            Fact::AnsweredOn => "2023/7/14, 2023-07-14, 2023年7月14日, 令和5年7月14日",
            Fact::CompanyName | Fact::CompanyCode | Fact::Respondent => "text",
        }
    }
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ProblemKind {
    /// The file has no bytes.
    EmptyFile,
    /// The file is larger than `limits.max_file_bytes`.
    FileTooLarge {
        /// The limit in bytes.
        limit: u64,
        /// The file's size.
        size: u64,
    },
    /// Inflating the workbook went past `limits.max_decompressed_bytes`.
    DecompressedTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A value sits below row `limits.max_rows`.
    TooManyRows {
        /// The limit.
        limit: u32,
    },
    /// A cell holds more than `limits.max_cell_chars` characters.
    CellTooLong {
        /// The limit.
        limit: u32,
        /// The cell's length.
        chars: usize,
    },
    /// A workbook's used area (the rectangle from its first to its last
    /// value, which the xls / xlsb / ods reader holds whole) is larger than
    /// the readers' cell budget.
    TooManyCells {
        /// The budget, in cells, for the whole workbook.
        limit: u64,
        /// The cells the workbook's used areas span.
        cells: u64,
    },
    /// A password-protected (encrypted) workbook.
    Encrypted,
    /// Not a workbook, CSV or JSON hyoka can read.
    NotReadable {
        /// What went wrong, in English (from the reader).
        detail: String,
    },
    /// No sheet has a header row with an item-number and an evaluation column.
    NoItemTable,
    /// The item table lacks a column.
    MissingColumn {
        /// The column.
        column: Column,
    },
    /// The item cell holds something that is not an item number.
    InvalidItemNumber,
    /// An item number the framework does not have.
    UnknownItem {
        /// The framework's highest item number.
        max: u16,
    },
    /// The item appears twice.
    DuplicateItem {
        /// Where it appeared first.
        first: String,
    },
    /// The item does not appear.
    MissingItem,
    /// The evaluation is none of the accepted values.
    InvalidEvaluation,
    /// A text holds a control character (NUL and the other C0 controls but
    /// tab and line breaks, or DEL).
    ControlCharacter {
        /// The character, as `U+0000`.
        character: String,
    },
    /// The level cell is not 1, 2 or 3.
    InvalidLevel,
    /// Neither the sheet nor the catalog gives the item a level.
    NoLevel,
    /// The sheet's level differs from the catalog's (warning).
    LevelDiffersFromCatalog {
        /// The catalog's level.
        catalog: Level,
    },
    /// A cover fact that cannot be read (warning; the value is ignored).
    InvalidFact {
        /// Which fact.
        fact: Fact,
    },
    /// A JSON submission for another framework.
    WrongFramework {
        /// The framework expected.
        expected: String,
    },
    /// Neither the sheet nor the command line says the fiscal year.
    NoFiscalYear,
    /// No registered company matches.
    UnknownCompany,
    /// The sheet was read, but storing it was refused (the workflow, the
    /// caller's rights); `reason` is the refusal's own message, in both
    /// languages.
    NotStored {
        /// Why.
        reason: String,
    },
    /// Several registered companies match the name.
    AmbiguousCompany {
        /// Their codes.
        candidates: Vec<String>,
    },
    /// A subsidiary user's sheet whose cover names another company
    /// (`found`); nothing is stored.
    CoverNamesAnotherCompany {
        /// The user's own company, as code and name.
        own: String,
    },
}

/// Who reads a message, so its advice names what that reader can do: the
/// command line its flags (`--year`), an upload (API or web form) its
/// fields (`fiscal_year`). No message given over the API names a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// `hyoka import` / `hyoka check`.
    CommandLine,
    /// An upload through the API or the web UI.
    Upload,
}

/// How to fix a file hyoka cannot read, in Japanese and English.
const RESAVE_JA: &str = "Excel や LibreOffice で開き、.xlsx ブックとして保存し直してください。CSV の場合は「CSV UTF-8 (コンマ区切り)」か「CSV (コンマ区切り)」(Shift_JIS / CP932) で保存してください";
const RESAVE_EN: &str = "open it in Excel or LibreOffice and save it as an .xlsx workbook; save a CSV as \"CSV UTF-8 (Comma delimited)\" or \"CSV (Comma delimited)\" (Shift_JIS / CP932)";

/// One problem, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub gravity: Gravity,
    /// What is wrong.
    pub kind: ProblemKind,
    /// File name as uploaded.
    pub file: String,
    /// Worksheet name (xlsx only).
    pub sheet: Option<String>,
    /// Cell (`M44`), cell range (`B9:B161`) or JSON pointer (`/answers/3/evaluation`).
    pub cell: Option<String>,
    /// The item concerned.
    pub item: Option<ItemNumber>,
    /// The value found, as written.
    pub found: Option<String>,
}

impl Problem {
    /// An error of `kind` about `file`.
    pub fn error(kind: ProblemKind, file: &str) -> Problem {
        Problem {
            gravity: Gravity::Error,
            kind,
            file: file.to_owned(),
            sheet: None,
            cell: None,
            item: None,
            found: None,
        }
    }

    /// A warning of `kind` about `file`.
    pub fn warning(kind: ProblemKind, file: &str) -> Problem {
        Problem { gravity: Gravity::Warning, ..Problem::error(kind, file) }
    }

    /// Sets the sheet.
    pub fn in_sheet(mut self, sheet: Option<&str>) -> Problem {
        self.sheet = sheet.map(str::to_owned);
        self
    }

    /// Sets the cell.
    pub fn at(mut self, cell: impl Into<String>) -> Problem {
        self.cell = Some(cell.into());
        self
    }

    /// Sets the item.
    pub fn item(mut self, item: ItemNumber) -> Problem {
        self.item = Some(item);
        self
    }

    /// Sets the value found.
    pub fn found(mut self, found: impl Into<String>) -> Problem {
        self.found = Some(found.into());
        self
    }

    /// Whether it refuses the file.
    pub fn is_error(&self) -> bool {
        self.gravity == Gravity::Error
    }

    /// `チェックシート!M44`, `M44` or the sheet name alone; `None` when the
    /// problem is about the whole file.
    pub fn place(&self) -> Option<String> {
        match (&self.sheet, &self.cell) {
            (Some(s), Some(c)) => Some(format!("{s}!{c}")),
            (None, Some(c)) => Some(c.clone()),
            (Some(s), None) => Some(s.clone()),
            (None, None) => None,
        }
    }

    fn found_or_empty(&self) -> String {
        match self.found.as_deref() {
            None | Some("") => "(空欄)".to_owned(),
            Some(f) => shorten(f),
        }
    }

    fn found_or_empty_en(&self) -> String {
        match self.found.as_deref() {
            None | Some("") => "(empty)".to_owned(),
            Some(f) => shorten(f),
        }
    }

    /// What would have been accepted, when the problem is about a value.
    pub fn expected(&self) -> Option<String> {
        Some(match &self.kind {
            ProblemKind::InvalidEvaluation => {
                format!(
                    "{}; 空欄・▽プルダウンで評価ください = 未回答 / unanswered",
                    hyoka_model::domain::EVALUATION_EXPECTED
                )
            }
            ProblemKind::NoItemTable => format!(
                "{} + {}",
                crate::header::labels_looked_for(Column::Item),
                crate::header::labels_looked_for(Column::Evaluation)
            ),
            ProblemKind::InvalidItemNumber => "1, １, No.1".to_owned(),
            ProblemKind::UnknownItem { max } => format!("1–{max}"),
            ProblemKind::InvalidLevel => "1, 2, 3, Lv1, レベル1".to_owned(),
            ProblemKind::NoLevel => "1, 2, 3".to_owned(),
            ProblemKind::LevelDiffersFromCatalog { catalog } => catalog.to_string(),
            ProblemKind::InvalidFact { fact } => fact.expected().to_owned(),
            ProblemKind::WrongFramework { expected } => expected.clone(),
            ProblemKind::MissingColumn { column } => crate::header::labels_looked_for(*column),
            _ => return None,
        })
    }

    /// The message in Japanese (without the place), for an upload: it never
    /// names a command-line flag.
    pub fn message_ja(&self) -> String {
        self.message_ja_for(Audience::Upload)
    }

    /// The message in English (without the place), for an upload.
    pub fn message_en(&self) -> String {
        self.message_en_for(Audience::Upload)
    }

    /// The problem as the command line prints it, with the advice naming
    /// its flags: `file チェックシート!M44 No.40: 日本語 / English`.
    pub fn on_command_line(&self) -> impl fmt::Display + '_ {
        Shown(self, Audience::CommandLine)
    }

    /// The message in Japanese (without the place) for `audience`.
    pub fn message_ja_for(&self, audience: Audience) -> String {
        let cli = audience == Audience::CommandLine;
        let f = self.found_or_empty();
        match &self.kind {
            ProblemKind::EmptyFile => "ファイルが空です".into(),
            ProblemKind::FileTooLarge { limit, size } => {
                format!("ファイルが大きすぎます ({size} バイト、上限 {limit} バイト)")
            }
            ProblemKind::DecompressedTooLarge { limit } => {
                format!("展開後のサイズが上限 {limit} バイトを超えました (圧縮爆弾の可能性があります)")
            }
            ProblemKind::TooManyRows { limit } => {
                format!("行数が上限 {limit} 行を超えています")
            }
            ProblemKind::CellTooLong { limit, chars } => {
                format!("セルの文字数 {chars} 字が上限 {limit} 字を超えています")
            }
            ProblemKind::TooManyCells { limit, cells } => format!(
                "シートの使用範囲が大きすぎます ({cells} セル、上限 {limit} セル)。表から離れたセルの値や書式を削除するか、.xlsx で保存し直してください"
            ),
            ProblemKind::Encrypted => {
                "パスワードで保護されたブックは読めません。パスワードを外して .xlsx で保存し直してください".into()
            }
            ProblemKind::NotReadable { detail } => format!(
                "読み取れないファイルです (xlsx・xlsm・xls・xlsb・ods ブック、CSV、hyoka の JSON のいずれでもないか、壊れています。詳細: {detail})。{RESAVE_JA}"
            ),
            ProblemKind::NoItemTable => format!(
                "チェックシートの表が見つかりません。項番の見出し（{}）と評価の見出し（{}）がある行を探しましたが、ありませんでした",
                crate::header::labels_looked_for(Column::Item),
                crate::header::labels_looked_for(Column::Evaluation)
            ),
            ProblemKind::MissingColumn { column } => format!(
                "「{}」の列が見つかりません (探した見出し: {})",
                column.label_ja(),
                crate::header::labels_looked_for(*column)
            ),
            ProblemKind::InvalidItemNumber => format!("項番「{f}」は番号として読めません"),
            ProblemKind::UnknownItem { max } => {
                format!("項番「{f}」はありません (項番は 1〜{max})")
            }
            ProblemKind::DuplicateItem { first } => {
                format!("この項番は {first} にもあります (重複)")
            }
            ProblemKind::MissingItem => "この項番の行がありません".into(),
            ProblemKind::ControlCharacter { character } => {
                format!("制御文字 {character} は使えません (タブと改行のほかの制御文字は入力できません)")
            }
            ProblemKind::InvalidEvaluation => format!(
                "評価「{f}」は使えません。対策完了(2点)・対策中(1点)・未実施(0点)・該当なし (英語版: Completed (2 points)・In progress (1 point)・Not implemented (0 points)・Not applicable) のいずれかにしてください"
            ),
            ProblemKind::InvalidLevel => {
                format!("レベル「{f}」は読めません (1、2、3 のいずれか)")
            }
            ProblemKind::NoLevel => {
                "レベルがシートにもカタログにもありません。レベル列に 1〜3 を記入してください".into()
            }
            ProblemKind::LevelDiffersFromCatalog { catalog } => {
                format!("シートのレベル「{f}」がカタログのレベル {catalog} と異なります (シートのレベルで採点します)")
            }
            ProblemKind::InvalidFact { fact } => format!("{}「{f}」は読めないため使いません", fact.label_ja()),
            ProblemKind::WrongFramework { expected } => {
                format!("フレームワーク「{f}」には対応していません ({expected} のみ)")
            }
            ProblemKind::NoFiscalYear if cli => {
                "評価年度がわかりません。表紙に評価年度を記入するか --year で指定してください".into()
            }
            ProblemKind::NoFiscalYear => {
                "評価年度がわかりません。表紙に評価年度を記入するか、アップロードの fiscal_year 欄（画面では「年度」）で指定してください".into()
            }
            ProblemKind::NotStored { reason } => format!("読み取りましたが保存できませんでした: {reason}"),
            ProblemKind::UnknownCompany if cli => format!(
                "会社「{f}」は登録されていません。会社を登録するか --company で指定してください (--create-company で新規登録)"
            ),
            ProblemKind::UnknownCompany => format!(
                "会社「{f}」は登録されていません。管理者に会社の登録を依頼するか、アップロードの company 欄で登録済みの会社コードを指定してください"
            ),
            ProblemKind::AmbiguousCompany { candidates } if cli => format!(
                "会社名「{f}」に該当する会社が複数あります ({})。--company で会社コードを指定してください",
                candidates.join(", ")
            ),
            ProblemKind::AmbiguousCompany { candidates } => format!(
                "会社名「{f}」に該当する会社が複数あります ({})。アップロードの company 欄で会社コードを指定してください",
                candidates.join(", ")
            ),
            ProblemKind::CoverNamesAnotherCompany { own } => format!(
                "表紙の会社「{f}」は、あなたの所属会社（{own}）ではありません。自社のシートか、表紙の会社名・会社コードを確認してください"
            ),
        }
    }

    /// The message in English (without the place) for `audience`.
    pub fn message_en_for(&self, audience: Audience) -> String {
        let cli = audience == Audience::CommandLine;
        let f = self.found_or_empty_en();
        match &self.kind {
            ProblemKind::EmptyFile => "the file is empty".into(),
            ProblemKind::FileTooLarge { limit, size } => {
                format!("the file is too large ({size} bytes, limit {limit})")
            }
            ProblemKind::DecompressedTooLarge { limit } => {
                format!("the workbook inflates to more than the limit of {limit} bytes (possible zip bomb)")
            }
            ProblemKind::TooManyRows { limit } => {
                format!("the sheet has values below row {limit}, the row limit")
            }
            ProblemKind::CellTooLong { limit, chars } => {
                format!("the cell holds {chars} characters; the limit is {limit}")
            }
            ProblemKind::TooManyCells { limit, cells } => format!(
                "the sheets' used areas span {cells} cells, more than the limit of {limit}; delete values and formatting far from the table, or save it as .xlsx"
            ),
            ProblemKind::Encrypted => {
                "a password-protected workbook cannot be read; remove the password and save it as .xlsx".into()
            }
            ProblemKind::NotReadable { detail } => format!(
                "not a readable workbook (xlsx, xlsm, xls, xlsb, ods), CSV or hyoka JSON file ({detail}); {RESAVE_EN}"
            ),
            ProblemKind::NoItemTable => format!(
                "no check-sheet table found: no row has both an item-number header ({}) and an evaluation header ({})",
                crate::header::labels_looked_for(Column::Item),
                crate::header::labels_looked_for(Column::Evaluation)
            ),
            ProblemKind::MissingColumn { column } => format!(
                "the {} column is missing (labels looked for: {})",
                column.label_en(),
                crate::header::labels_looked_for(*column)
            ),
            ProblemKind::InvalidItemNumber => format!("{f:?} is not an item number"),
            ProblemKind::UnknownItem { max } => {
                format!("there is no item {f} (items are numbered 1–{max})")
            }
            ProblemKind::DuplicateItem { first } => {
                format!("this item also appears at {first} (duplicate)")
            }
            ProblemKind::MissingItem => "this item has no row".into(),
            ProblemKind::ControlCharacter { character } => {
                format!("the control character {character} is not allowed (only tab and line breaks are)")
            }
            ProblemKind::InvalidEvaluation => format!(
                "evaluation {f:?} is not one of Completed (2 points), In progress (1 point), Not implemented (0 points), Not applicable (対策完了(2点), 対策中(1点), 未実施(0点), 該当なし)"
            ),
            ProblemKind::InvalidLevel => format!("level {f:?} is not 1, 2 or 3"),
            ProblemKind::NoLevel => "neither the sheet nor the catalog gives this item a level; fill in 1–3".into(),
            ProblemKind::LevelDiffersFromCatalog { catalog } => {
                format!("the sheet's level {f} differs from the catalog's {catalog} (the sheet's level scores it)")
            }
            ProblemKind::InvalidFact { fact } => {
                format!("cannot read the {} {f:?}; it is ignored", fact.label_en())
            }
            ProblemKind::WrongFramework { expected } => {
                format!("framework {f:?} is not supported (only {expected})")
            }
            ProblemKind::NoFiscalYear if cli => {
                "the fiscal year is unknown: fill in 評価年度 on the cover sheet or pass --year".into()
            }
            ProblemKind::NoFiscalYear => {
                "the fiscal year is unknown: fill in 評価年度 (Fiscal year) on the cover sheet or send it in the upload's fiscal_year field".into()
            }
            ProblemKind::NotStored { reason } => format!("the sheet was read but not stored: {reason}"),
            ProblemKind::UnknownCompany if cli => {
                format!("company {f:?} is not registered; register it or pass --company (or --create-company)")
            }
            ProblemKind::UnknownCompany => format!(
                "company {f:?} is not registered; ask an administrator to register it, or give a registered company's code in the upload's company field"
            ),
            ProblemKind::AmbiguousCompany { candidates } if cli => format!(
                "several companies match the name {f:?} ({}); pass --company with the code",
                candidates.join(", ")
            ),
            ProblemKind::AmbiguousCompany { candidates } => format!(
                "several companies match the name {f:?} ({}); give the company's code in the upload's company field",
                candidates.join(", ")
            ),
            ProblemKind::CoverNamesAnotherCompany { own } => format!(
                "the cover sheet names {f:?}, but you belong to {own}; upload your own company's sheet, or correct the cover's company name and code"
            ),
        }
    }
}

/// Long values (evidence, guidance text) are cut in messages.
fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// A problem shown to one audience.
struct Shown<'a>(&'a Problem, Audience);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(f, self.1)
    }
}

impl Problem {
    fn write(&self, f: &mut fmt::Formatter<'_>, audience: Audience) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(place) = self.place() {
            write!(f, " {place}")?;
        }
        if let Some(item) = self.item {
            write!(f, " {item}")?;
        }
        if self.gravity == Gravity::Warning {
            f.write_str(" [警告 / warning]")?;
        }
        write!(f, ": {} / {}", self.message_ja_for(audience), self.message_en_for(audience))
    }
}

impl fmt::Display for Problem {
    /// `file チェックシート!M44 No.40: 日本語 / English`, as an upload shows
    /// it ([`Problem::on_command_line`] for the command line's advice).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, Audience::Upload)
    }
}

#[derive(Serialize)]
struct ProblemJson<'a> {
    gravity: Gravity,
    #[serde(flatten)]
    kind: &'a ProblemKind,
    file: &'a str,
    sheet: Option<&'a str>,
    cell: Option<&'a str>,
    place: Option<String>,
    item: Option<u16>,
    found: Option<&'a str>,
    expected: Option<String>,
    message_ja: String,
    message_en: String,
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ProblemJson {
            gravity: self.gravity,
            kind: &self.kind,
            file: &self.file,
            sheet: self.sheet.as_deref(),
            cell: self.cell.as_deref(),
            place: self.place(),
            item: self.item.map(ItemNumber::get),
            found: self.found.as_deref(),
            expected: self.expected(),
            message_ja: self.message_ja(),
            message_en: self.message_en(),
        }
        .serialize(s)
    }
}

/// A file that was refused: every error found, and the warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// File name as uploaded.
    pub file: String,
    /// Errors first, then warnings, each in the order found.
    pub problems: Vec<Problem>,
}

impl Refusal {
    /// A refusal for one problem.
    pub fn one(problem: Problem) -> Refusal {
        Refusal { file: problem.file.clone(), problems: vec![problem] }
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| !p.is_error())
    }
}

impl Refusal {
    /// The refusal as the command line prints it ([`Problem::on_command_line`]).
    pub fn on_command_line(&self) -> impl fmt::Display + '_ {
        ShownRefusal(self, Audience::CommandLine)
    }
}

struct ShownRefusal<'a>(&'a Refusal, Audience);

impl fmt::Display for ShownRefusal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.errors().count();
        write!(f, "{}: 取り込めません ({n} 件のエラー) / refused ({n} errors)", self.0.file)?;
        for p in &self.0.problems {
            f.write_str("\n  ")?;
            p.write(f, self.1)?;
        }
        Ok(())
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ShownRefusal(self, Audience::Upload).fmt(f)
    }
}

impl std::error::Error for Refusal {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 18: no message given over the API names a command-line flag;
    /// the command line's names them; both languages carry the same advice.
    #[test]
    fn upload_messages_name_fields_and_the_command_line_its_flags() {
        let kinds = [
            (ProblemKind::NoFiscalYear, "fiscal_year", "--year"),
            (ProblemKind::UnknownCompany, "company", "--company"),
            (ProblemKind::AmbiguousCompany { candidates: vec!["A-1".into(), "A-2".into()] }, "company", "--company"),
        ];
        for (kind, field, flag) in kinds {
            let p = Problem::error(kind, "f.xlsx");
            for m in [p.message_ja(), p.message_en(), p.to_string()] {
                assert!(m.contains(field) && !m.contains("--"), "{m}");
            }
            for m in [p.message_ja_for(Audience::CommandLine), p.message_en_for(Audience::CommandLine)] {
                assert!(m.contains(flag), "{m}");
            }
            assert!(p.on_command_line().to_string().contains(flag));
        }
        // The advice to re-save reaches the Japanese half as well.
        let p = Problem::error(ProblemKind::NotReadable { detail: "not a zip archive".into() }, "f.xlsx");
        assert!(p.message_ja().contains(".xlsx") && p.message_ja().contains("CP932"), "{}", p.message_ja());
        assert!(p.message_en().contains(".xlsx") && p.message_en().contains("CP932"), "{}", p.message_en());
        let e = Problem::error(ProblemKind::Encrypted, "f.xlsx");
        assert!(e.message_ja().contains("パスワード") && e.message_en().contains("password"));
    }
}
