//! Uploads: the form, what an upload did, and the problems of a file.

use hyoka_ingest::Problem;
use serde::Serialize;
use utoipa::ToSchema;

use super::{CompanyDto, SubmissionDto};

/// The multipart form of `POST /api/v1/submissions`.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "describes the form for the OpenAPI document; the form is read field by field")]
pub struct UploadForm {
    /// The check sheet: the official xlsx workbook, a CSV export of it, or hyoka's JSON format.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Company code or name (parent-company IT only; a subsidiary user always uploads for its own company).
    company: Option<String>,
    /// Fiscal year (`2024`, `令和6年度`); wins over the cover sheet.
    fiscal_year: Option<String>,
    /// Department, for companies that submit one sheet per department.
    department: Option<String>,
}

/// One problem of an uploaded file, with its place.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemDto {
    /// `error` (refuses the file) or `warning`.
    pub gravity: String,
    /// Stable code (`invalid_evaluation`, `missing_item`, …).
    pub code: String,
    /// File name.
    pub file: String,
    /// Worksheet.
    pub sheet: Option<String>,
    /// Cell, range or JSON pointer.
    pub cell: Option<String>,
    /// Item number.
    pub item: Option<u16>,
    /// The value found.
    pub found: Option<String>,
    /// What would be accepted.
    pub expected: Option<String>,
    /// In Japanese.
    pub message_ja: String,
    /// In English.
    pub message_en: String,
}

impl From<&Problem> for ProblemDto {
    fn from(p: &Problem) -> Self {
        let code = serde_json::to_value(&p.kind)
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "problem".to_owned());
        ProblemDto {
            gravity: if p.is_error() { "error" } else { "warning" }.to_owned(),
            code,
            file: p.file.clone(),
            sheet: p.sheet.clone(),
            cell: p.cell.clone(),
            item: p.item.map(|i| i.get()),
            found: p.found.clone(),
            expected: p.expected(),
            message_ja: p.message_ja(),
            message_en: p.message_en(),
        }
    }
}

/// What an upload did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadResult {
    /// The new revision, or the current one when the identical file was sent again.
    pub submission: SubmissionDto,
    /// Whether the identical file was already the current revision (nothing changed).
    pub unchanged: bool,
    /// The revision this one replaced.
    pub superseded: Option<i64>,
    /// The company it was stored for.
    pub company: CompanyDto,
    /// Problems that did not refuse the file.
    pub warnings: Vec<ProblemDto>,
}
