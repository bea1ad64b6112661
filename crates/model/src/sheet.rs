//! A check sheet as read from a file or generated: the answers of one
//! company for one fiscal year, before it is stored.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{Evaluation, FiscalYear, ItemNumber, Level};
use crate::scoring::ScoredItem;

/// The answer to one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// Item number.
    pub item: ItemNumber,
    /// The level that scores this item: the sheet's, else the catalog's.
    pub level: Level,
    /// The evaluation (pulldown).
    pub evaluation: Evaluation,
    /// 評価の根拠記入欄: the evidence text, as written (not normalised).
    pub evidence: String,
    /// 担当領域, if the sheet gives it.
    pub responsible_area: Option<String>,
    /// Where the answer came from, e.g. `チェックシート!M44`.
    pub source_cell: Option<String>,
}

impl Answer {
    /// The answer as scoring sees it.
    pub fn scored(&self) -> ScoredItem {
        ScoredItem { number: self.item, level: self.level, evaluation: self.evaluation }
    }
}

/// Company facts a sheet's cover page states (every field optional: the
/// uploader may supply or override them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverFacts {
    /// 会社名.
    pub company_name: Option<String>,
    /// 会社コード.
    pub company_code: Option<String>,
    /// 評価年度 / 対象年度.
    pub fiscal_year: Option<FiscalYear>,
    /// 従業員数.
    pub employees: Option<u32>,
    /// 情報システム担当者数.
    pub it_staff: Option<u32>,
    /// 回答者 / 回答部署.
    pub respondent: Option<String>,
    /// 回答日.
    pub answered_on: Option<NaiveDate>,
}

/// A whole sheet: cover facts and one answer per item, ordered by item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sheet {
    /// The framework the sheet answers (`jama-japia-2.3`).
    pub framework_id: String,
    /// Cover-page facts.
    pub cover: CoverFacts,
    /// Answers ordered by item number.
    pub answers: Vec<Answer>,
}

impl Sheet {
    /// The answers as scoring sees them.
    pub fn scored_items(&self) -> Vec<ScoredItem> {
        self.answers.iter().map(Answer::scored).collect()
    }
}
