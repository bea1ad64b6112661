//! The API's own submission format: one JSON object per sheet, described by
//! `crates/ingest/schema/submission.schema.json` ([`SCHEMA`]).
//!
//! Values are read with the same rules as a sheet's cells: an evaluation may
//! be `2`, `"2"`, `"対策完了(2点)"` or `"該当なし"`; an item `17` or `"No.17"`.
//! Problems are placed by JSON pointer (`/answers/39/evaluation`).

use std::collections::BTreeMap;
use std::sync::Arc;

use hyoka_model::sheet::{CoverFacts, Sheet};
use serde::{Deserialize, Serialize};

use crate::cover::{self, Cover};
use crate::problem::{Column, Fact, Problem, ProblemKind};
use crate::table::{RawCell, RawRow, RawTable};

/// The JSON Schema of [`Submission`].
pub const SCHEMA: &str = include_str!("../schema/submission.schema.json");

/// The value of `format`.
pub const FORMAT: &str = "hyoka-submission/1";

/// A number or a text, as a cell may hold either.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// A whole number.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// Text.
    Text(String),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Int(n) => n.to_string(),
            Scalar::Float(f) => crate::xlsx::format_number(&f.to_string()).into_owned(),
            Scalar::Text(s) => s.clone(),
        }
    }
}

/// The company an upload is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyJson {
    /// 会社コード.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// 会社名.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerJson {
    /// Item number: `17` or `"No.17"`.
    pub item: Scalar,
    /// Level: `1`, `"Lv1"`; the catalog's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Scalar>,
    /// Evaluation: `2`, `1`, `0`, `"na"`, `"対策完了(2点)"`, `"該当なし"`, …;
    /// absent or `""` is unanswered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Scalar>,
    /// 評価の根拠記入欄.
    #[serde(default)]
    pub evidence: String,
    /// 担当領域.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_area: Option<String>,
}

/// A whole submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// Always [`FORMAT`] when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Framework id; the current catalog's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    /// The company.
    #[serde(default)]
    pub company: CompanyJson,
    /// 評価年度: `2023` or `"令和5年度"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_year: Option<Scalar>,
    /// Department, when the company submits per department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// 従業員数.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<u32>,
    /// 情報システム担当者数.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub it_staff: Option<u32>,
    /// 回答者.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent: Option<String>,
    /// 回答日 (`2023-07-14`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_on: Option<String>,
    /// The answers, one per item (at most [`MAX_ANSWERS`]: a longer list is
    /// refused while it is read, before the rest is built).
    #[serde(deserialize_with = "bounded_answers")]
    pub answers: Vec<AnswerJson>,
}

/// The most answers a submission may list: a framework has 153 items, so
/// even a sheet listing each several times stays far below.
pub const MAX_ANSWERS: usize = 1_000;

fn bounded_answers<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<AnswerJson>, D::Error> {
    struct Bounded;
    impl<'de> serde::de::Visitor<'de> for Bounded {
        type Value = Vec<AnswerJson>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a list of at most {MAX_ANSWERS} answers")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(200));
            while let Some(a) = seq.next_element()? {
                if out.len() == MAX_ANSWERS {
                    return Err(serde::de::Error::custom(format!(
                        "more than {MAX_ANSWERS} answers / 回答が {MAX_ANSWERS} 件を超えています"
                    )));
                }
                out.push(a);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Bounded)
}

impl Submission {
    /// The JSON form of a sheet.
    pub fn from_sheet(sheet: &Sheet, department: Option<&str>) -> Submission {
        let c = &sheet.cover;
        Submission {
            format: Some(FORMAT.to_owned()),
            framework: Some(sheet.framework_id.clone()),
            company: CompanyJson { code: c.company_code.clone(), name: c.company_name.clone() },
            fiscal_year: c.fiscal_year.map(|y| Scalar::Int(i64::from(y.get()))),
            department: department.map(str::to_owned),
            employees: c.employees,
            it_staff: c.it_staff,
            respondent: c.respondent.clone(),
            answered_on: c.answered_on.map(|d| d.format("%Y-%m-%d").to_string()),
            answers: sheet
                .answers
                .iter()
                .map(|a| AnswerJson {
                    item: Scalar::Int(i64::from(a.item.get())),
                    level: Some(Scalar::Int(i64::from(a.level.number()))),
                    evaluation: match a.evaluation {
                        hyoka_model::domain::Evaluation::Unanswered => None,
                        e => Some(Scalar::Text(e.code().to_owned())),
                    },
                    evidence: a.evidence.clone(),
                    responsible_area: a.responsible_area.clone(),
                })
                .collect(),
        }
    }
}

/// What a JSON file holds, as a table plus cover facts.
pub struct Parsed {
    /// The answers as a table.
    pub table: RawTable,
    /// Company facts.
    pub cover: Cover,
    /// Department.
    pub department: Option<String>,
    /// The framework it says it answers.
    pub framework: Option<String>,
}

/// Reads a JSON submission.
pub fn read(file: &str, text: &str, warnings: &mut Vec<Problem>) -> Result<Parsed, Problem> {
    let s: Submission = serde_json::from_str(text).map_err(|e| {
        Problem::error(ProblemKind::NotReadable { detail: format!("JSON: {e}") }, file).at(format!(
            "line {}, column {}",
            e.line(),
            e.column()
        ))
    })?;
    if let Some(f) = s.format.as_deref().filter(|f| *f != FORMAT) {
        return Err(Problem::error(
            ProblemKind::NotReadable { detail: format!("format {f:?} is not {FORMAT:?}") },
            file,
        )
        .at("/format"));
    }
    let mut cover = Cover {
        facts: CoverFacts {
            company_name: s.company.name.clone().filter(|n| !n.trim().is_empty()),
            company_code: s.company.code.clone().filter(|n| !n.trim().is_empty()),
            employees: s.employees,
            it_staff: s.it_staff,
            respondent: s.respondent.clone(),
            ..CoverFacts::default()
        },
        sources: BTreeMap::new(),
    };
    for (fact, pointer, present) in [
        (Fact::CompanyName, "/company/name", cover.facts.company_name.is_some()),
        (Fact::CompanyCode, "/company/code", cover.facts.company_code.is_some()),
        (Fact::Employees, "/employees", s.employees.is_some()),
        (Fact::ItStaff, "/it_staff", s.it_staff.is_some()),
        (Fact::Respondent, "/respondent", s.respondent.is_some()),
    ] {
        if present {
            cover.sources.insert(fact, pointer.to_owned());
        }
    }
    if let Some(y) = &s.fiscal_year {
        let raw = y.text();
        match cover::fiscal_year(&raw) {
            Some(fy) => {
                cover.facts.fiscal_year = Some(fy);
                cover.sources.insert(Fact::FiscalYear, "/fiscal_year".into());
            }
            None => warnings.push(
                Problem::warning(ProblemKind::InvalidFact { fact: Fact::FiscalYear }, file)
                    .at("/fiscal_year")
                    .found(raw),
            ),
        }
    }
    if let Some(d) = &s.answered_on {
        match cover::date(d, false, false) {
            Some(date) => {
                cover.facts.answered_on = Some(date);
                cover.sources.insert(Fact::AnsweredOn, "/answered_on".into());
            }
            None => warnings.push(
                Problem::warning(ProblemKind::InvalidFact { fact: Fact::AnsweredOn }, file)
                    .at("/answered_on")
                    .found(d.clone()),
            ),
        }
    }
    let cell =
        |i: usize, field: &str, text: String| RawCell { text: Arc::from(text), place: format!("/answers/{i}/{field}") };
    let rows = s
        .answers
        .iter()
        .enumerate()
        .map(|(i, a)| RawRow {
            item: cell(i, "item", a.item.text()),
            level: a.level.as_ref().map(|l| cell(i, "level", l.text())),
            evaluation: Some(cell(
                i,
                "evaluation",
                match a.evaluation.as_ref().map(Scalar::text) {
                    // The storage code of an unanswered item.
                    Some(t) if t == "unanswered" => String::new(),
                    t => t.unwrap_or_default(),
                },
            )),
            evidence: Some(cell(i, "evidence", a.evidence.clone())),
            area: a.responsible_area.clone().map(|t| cell(i, "responsible_area", t)),
            condition: None,
            criteria: None,
            examples: None,
        })
        .collect();
    Ok(Parsed {
        table: RawTable {
            sheet: None,
            rows,
            item_range: Some("/answers".into()),
            columns: vec![Column::Item, Column::Level, Column::Evaluation, Column::Evidence, Column::Area],
        },
        cover,
        department: s.department.filter(|d| !d.trim().is_empty()),
        framework: s.framework,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(v: &serde_json::Value) -> BTreeSet<String> {
        v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
    }

    /// Issue 17: 240,000 duplicate answers took 2 GB; refused while read.
    #[test]
    fn too_many_answers_are_refused_while_read() {
        let one = "{\"item\": 1, \"evaluation\": 2},";
        let text = format!("{{\"answers\": [{}{{\"item\": 1}}]}}", one.repeat(MAX_ANSWERS));
        let mut w = Vec::new();
        let err = read("s.json", &text, &mut w).err().map(|p| format!("{p:?}")).unwrap_or_default();
        assert!(err.contains("more than 1000 answers"), "{err}");
        let text = format!("{{\"answers\": [{}{{\"item\": 1}}]}}", one.repeat(MAX_ANSWERS - 1));
        assert!(read("s.json", &text, &mut w).is_ok());
    }

    #[test]
    fn the_schema_describes_every_field_and_nothing_else() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap_or_default();
        let full = Submission {
            format: Some(FORMAT.into()),
            framework: Some("jama-japia-2.3".into()),
            company: CompanyJson { code: Some("T001".into()), name: Some("東海精密".into()) },
            fiscal_year: Some(Scalar::Int(2023)),
            department: Some("製造部".into()),
            employees: Some(35),
            it_staff: Some(1),
            respondent: Some("情報システム課".into()),
            answered_on: Some("2023-07-14".into()),
            answers: vec![AnswerJson {
                item: Scalar::Int(1),
                level: Some(Scalar::Int(1)),
                evaluation: Some(Scalar::Text("2".into())),
                evidence: "規程を制定済".into(),
                responsible_area: Some("IT".into()),
            }],
        };
        let json = serde_json::to_value(&full).unwrap_or_default();
        assert_eq!(keys(&json), keys(&schema["properties"]));
        assert_eq!(keys(&json["company"]), keys(&schema["properties"]["company"]["properties"]));
        assert_eq!(keys(&json["answers"][0]), keys(&schema["properties"]["answers"]["items"]["properties"]));
        assert_eq!(schema["properties"]["format"]["const"], FORMAT);
    }

    #[test]
    fn unknown_fields_and_bad_json_are_placed() {
        let mut w = Vec::new();
        let err = read("s.json", "{\"answers\": [], \"colour\": 1}", &mut w).err();
        assert!(matches!(err, Some(ref p) if p.cell.as_deref() == Some("line 1, column 24")), "{err:?}");
        let ok = read(
            "s.json",
            "{\"answers\": [{\"item\": \"No.3\", \"evaluation\": 2}], \"fiscal_year\": \"令和5年度\"}",
            &mut w,
        );
        let Ok(parsed) = ok else { panic!("refused") };
        assert_eq!(parsed.table.rows[0].evaluation.as_ref().map(|c| &*c.text), Some("2"));
        assert_eq!(parsed.table.rows[0].item.place, "/answers/0/item");
        assert_eq!(parsed.cover.facts.fiscal_year.map(|y| y.get()), Some(2023));
    }
}
