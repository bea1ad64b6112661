//! METI SCS ★3 / ★4 readiness (see `docs/scs.md`): one company-year's, with
//! the JAMA items behind each criterion, and the group's view of a year.
//!
//! Readiness is computed from the kept summaries
//! (`hyoka_model::db::summaries`), never from every answer; only one
//! company's per-criterion details read its current sheets' answers and
//! flags. Who sees what is [`crate::access`]'s rule: a subsidiary sees its
//! own company only, and the estimated and reviewed bases only once its
//! flags are released.

use std::collections::BTreeMap;

use hyoka_model::db::companies::{self, Company};
use hyoka_model::db::{DbConn, dashboards, summaries};
use hyoka_model::domain::{Evaluation, FiscalYear};
use hyoka_model::scs::{Basis, Mapping, Readiness, Star, Status, statuses_of};
use hyoka_model::summary::{CompanyYearSummary, Metric, item_of_codes};

use crate::ServiceError;
use crate::access::Access;

/// The built-in mapping (`config/frameworks/`), loaded and checked against
/// the built-in catalog on first use; the API and the web UI share it.
pub fn builtin_mapping() -> Result<&'static Mapping, &'static str> {
    hyoka_model::scs::builtin_mapping()
}

/// A flag on a cited item, as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFlag {
    /// Flag id.
    pub id: i64,
    /// The sheet it is on.
    pub submission_id: i64,
    /// Rule id.
    pub rule: String,
    /// Severity code.
    pub severity: &'static str,
    /// Latest decision (`confirmed`, `dismissed`), none yet when `None`.
    pub decision: Option<&'static str>,
}

/// One JAMA item cited by a criterion, on a company's sheets.
#[derive(Debug, Clone, PartialEq)]
pub struct CitedItem {
    /// Item number.
    pub item: u16,
    /// The level METI gives it.
    pub level: Option<u8>,
    /// The score claimed (none when the sheets lack the item).
    pub claimed: Option<Evaluation>,
    /// The score on the basis asked for.
    pub on_basis: Option<Evaluation>,
    /// The estimated score (`None` when the caller may not see findings).
    pub estimated: Option<Evaluation>,
    /// The flags on it (empty when the caller may not see them).
    pub flags: Vec<ItemFlag>,
    /// The evidence of the current sheets (several sheets joined by a line).
    pub evidence: String,
}

/// One criterion of a company's readiness.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionRow {
    /// Criterion id.
    pub id: String,
    /// Requirement id.
    pub requirement: String,
    /// Requirement's short name.
    pub requirement_name_ja: String,
    /// ★3 or ★4.
    pub star: Star,
    /// Status on the basis asked for.
    pub status: Status,
    /// ISO/IEC 27001:2022 references.
    pub iso27001: Vec<String>,
    /// The cited items.
    pub items: Vec<CitedItem>,
}

/// A company-year's readiness on one basis.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyReadiness {
    /// The company.
    pub company: Company,
    /// Fiscal year.
    pub fiscal_year: FiscalYear,
    /// The basis.
    pub basis: Basis,
    /// The counts.
    pub readiness: Readiness,
    /// Per criterion, in the mapping's order.
    pub criteria: Vec<CriterionRow>,
}

/// The kept summary of a company-year the caller may see, and whether the
/// caller sees its findings.
fn visible_summary(
    conn: &mut DbConn,
    access: &Access,
    company_id: i64,
    year: FiscalYear,
) -> Result<(Company, CompanyYearSummary, bool), ServiceError> {
    let company = access.company(conn, company_id)?;
    let summary = summaries::stored(conn, company_id, year)?
        .ok_or_else(|| ServiceError::NotFound(format!("sheet of company {company_id} for FY{}", year.get())))?;
    let shown = access.sees_findings(conn, summary.submission_id)?;
    Ok((company, summary, shown))
}

fn refuse_hidden(basis: Basis, shown: bool) -> Result<(), ServiceError> {
    if basis.shows_findings() && !shown {
        return Err(ServiceError::Forbidden(
            "この基準の準備度はフラグの公開後に表示されます / readiness on this basis is shown once the flags are released"
                .into(),
        ));
    }
    Ok(())
}

/// The counts only, from the kept summary (no answers read).
pub fn counts(
    conn: &mut DbConn,
    access: &Access,
    mapping: &Mapping,
    company_id: i64,
    year: FiscalYear,
    basis: Basis,
) -> Result<Readiness, ServiceError> {
    let (_, summary, shown) = visible_summary(conn, access, company_id, year)?;
    refuse_hidden(basis, shown)?;
    Ok(mapping.readiness(&statuses_of(mapping, &summary, basis)))
}

/// A company-year's readiness on `basis`, with its per-criterion rows.
pub fn readiness(
    conn: &mut DbConn,
    access: &Access,
    mapping: &Mapping,
    company_id: i64,
    year: FiscalYear,
    basis: Basis,
) -> Result<CompanyReadiness, ServiceError> {
    let (company, summary, shown) = visible_summary(conn, access, company_id, year)?;
    refuse_hidden(basis, shown)?;
    let statuses = statuses_of(mapping, &summary, basis);
    let readiness = mapping.readiness(&statuses);

    let mut evidence: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    let mut flags: BTreeMap<u16, Vec<ItemFlag>> = BTreeMap::new();
    for sheet in summaries::current_sheets(conn, company_id, year)? {
        let side = dashboards::side(conn, sheet.id)?;
        for (n, a) in &side.answers {
            if !a.evidence.trim().is_empty() {
                evidence.entry(*n).or_default().push(a.evidence.clone());
            }
        }
        if access.sees_findings(conn, sheet.id)? {
            for (n, fs) in side.flags {
                for (f, review) in fs {
                    flags.entry(n).or_default().push(ItemFlag {
                        id: f.id,
                        submission_id: sheet.id,
                        rule: f.flag.rule.clone(),
                        severity: f.flag.severity.code(),
                        decision: review.map(|r| r.decision.code()),
                    });
                }
            }
        }
    }
    let score = |n: u16, i: usize| summary.item(n).map(|s| s[i]);
    let criteria = mapping
        .criteria
        .iter()
        .zip(statuses)
        .map(|(c, status)| CriterionRow {
            id: c.id.clone(),
            requirement: c.requirement.clone(),
            requirement_name_ja: c.requirement_name_ja.clone(),
            star: c.star,
            status,
            iso27001: c.iso27001.clone(),
            items: c
                .jama
                .iter()
                .map(|j| {
                    let n = j.item.get();
                    CitedItem {
                        item: n,
                        level: j.level.map(u8::from),
                        claimed: score(n, Basis::Claimed.summary_index()),
                        on_basis: score(n, basis.summary_index()),
                        estimated: if shown { score(n, Basis::Estimated.summary_index()) } else { None },
                        flags: flags.get(&n).cloned().unwrap_or_default(),
                        evidence: evidence.get(&n).map(|e| e.join("\n")).unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(CompanyReadiness { company, fiscal_year: year, basis, readiness, criteria })
}

/// One company in the group view.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupLine {
    /// Company id.
    pub company_id: i64,
    /// Company code.
    pub code: String,
    /// Company name.
    pub name: String,
    /// Estimated readiness.
    pub estimated: Readiness,
    /// Claimed readiness.
    pub claimed: Readiness,
}

/// A criterion and how many companies do not meet it in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionGap {
    /// Criterion id.
    pub id: String,
    /// ★3 or ★4.
    pub star: Star,
    /// Companies where it is partly or not met (estimated).
    pub companies: u32,
}

/// The group's readiness for a year.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupReadiness {
    /// Fiscal year.
    pub fiscal_year: FiscalYear,
    /// Companies with a sheet that year.
    pub total: i64,
    /// The page asked for of the companies with a sheet, by estimated ★3
    /// readiness (highest first), ties by code.
    pub companies: Vec<GroupLine>,
    /// Covered criteria by how many companies miss them (most first), ties
    /// by the mapping's order; criteria every company meets are left out.
    pub most_missed: Vec<CriterionGap>,
    /// Companies not yet ★3-ready, fewest ★3 criteria missing first (ties
    /// by code), at most `closest_limit`.
    pub closest: Vec<GroupLine>,
}

/// Which page of the group's companies to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupPage {
    /// Companies to skip.
    pub offset: i64,
    /// Companies to list.
    pub limit: i64,
    /// At most this many companies closest to ★3.
    pub closest: usize,
}

fn line_of(mapping: &Mapping, l: summaries::ScsLine) -> GroupLine {
    let on = |b: Basis| {
        mapping.readiness(&mapping.statuses(|n| item_of_codes(&l.item_codes, n.get()).map(|s| s[b.summary_index()])))
    };
    GroupLine {
        estimated: on(Basis::Estimated),
        claimed: on(Basis::Claimed),
        company_id: l.company_id,
        code: l.code,
        name: l.name,
    }
}

/// The group view of a year, for the parent's roles only. With the
/// built-in mapping it reads what the summaries keep (each row's ★3
/// criteria met, indexed, and the year's totals of criteria missed), so a
/// page costs the same at 10,000 companies as at ten; with another mapping,
/// or summaries kept before those figures existed, it computes them from
/// every summary of the year.
pub fn group(
    conn: &mut DbConn,
    access: &Access,
    mapping: &Mapping,
    year: FiscalYear,
    page: GroupPage,
) -> Result<GroupReadiness, ServiceError> {
    if !access.sees_group() {
        return Err(ServiceError::Forbidden(
            "グループ全体の表示は親会社の役割のみです / the group view is for the parent company's roles".into(),
        ));
    }
    let builtin = builtin_mapping().is_ok_and(|b| b == mapping);
    if builtin && summaries::scs_kept(conn, year)? {
        group_kept(conn, mapping, year, page)
    } else {
        group_computed(conn, mapping, year, page)
    }
}

fn group_kept(
    conn: &mut DbConn,
    mapping: &Mapping,
    year: FiscalYear,
    page: GroupPage,
) -> Result<GroupReadiness, ServiceError> {
    let totals = summaries::totals(conn, year)?;
    let total = totals.get(Metric::Submitted).1;
    let mut most_missed: Vec<CriterionGap> = mapping
        .criteria
        .iter()
        .filter_map(|c| {
            let (n, _) = totals.0.get(&format!("scs_missed:{}", c.id)).copied().unwrap_or_default();
            (n > 0).then(|| CriterionGap {
                id: c.id.clone(),
                star: c.star,
                companies: u32::try_from(n).unwrap_or(u32::MAX),
            })
        })
        .collect();
    most_missed.sort_by_key(|g| std::cmp::Reverse(g.companies));
    let covered3 = mapping.criteria.iter().filter(|c| c.star == Star::Three && c.is_covered()).count();
    let companies = summaries::by_scs3(conn, year, None, page.offset, page.limit)?
        .into_iter()
        .map(|l| line_of(mapping, l))
        .collect();
    let closest = summaries::by_scs3(
        conn,
        year,
        Some(i16::try_from(covered3).unwrap_or(i16::MAX)),
        0,
        i64::try_from(page.closest).unwrap_or(i64::MAX),
    )?
    .into_iter()
    .map(|l| line_of(mapping, l))
    .collect();
    Ok(GroupReadiness { fiscal_year: year, total, companies, most_missed, closest })
}

/// The group view computed from every summary of the year.
pub fn group_computed(
    conn: &mut DbConn,
    mapping: &Mapping,
    year: FiscalYear,
    page: GroupPage,
) -> Result<GroupReadiness, ServiceError> {
    let by_id: BTreeMap<i64, Company> = companies::list(conn)?.into_iter().map(|c| (c.id, c)).collect();
    let mut missed = vec![0u32; mapping.criteria.len()];
    let mut lines = Vec::new();
    for s in summaries::of_year(conn, year)? {
        let Some(c) = by_id.get(&s.company_id) else { continue };
        let est = statuses_of(mapping, &s, Basis::Estimated);
        for (slot, st) in missed.iter_mut().zip(&est) {
            if matches!(st, Status::Partly | Status::NotMet) {
                *slot += 1;
            }
        }
        lines.push(GroupLine {
            company_id: c.id,
            code: c.code.clone(),
            name: c.name.clone(),
            estimated: mapping.readiness(&est),
            claimed: mapping.readiness(&statuses_of(mapping, &s, Basis::Claimed)),
        });
    }
    let r3 = |l: &GroupLine| l.estimated.star3.readiness().unwrap_or(0.0);
    lines.sort_by(|a, b| r3(b).total_cmp(&r3(a)).then_with(|| a.code.cmp(&b.code)));
    let mut closest: Vec<GroupLine> = lines.iter().filter(|l| l.estimated.star3.missing() > 0).cloned().collect();
    closest.sort_by(|a, b| {
        a.estimated.star3.missing().cmp(&b.estimated.star3.missing()).then_with(|| a.code.cmp(&b.code))
    });
    closest.truncate(page.closest);
    let mut most_missed: Vec<CriterionGap> = mapping
        .criteria
        .iter()
        .zip(missed)
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| CriterionGap { id: c.id.clone(), star: c.star, companies: n })
        .collect();
    most_missed.sort_by_key(|g| std::cmp::Reverse(g.companies));
    let total = i64::try_from(lines.len()).unwrap_or(i64::MAX);
    let companies = lines
        .into_iter()
        .skip(usize::try_from(page.offset).unwrap_or(0))
        .take(usize::try_from(page.limit).unwrap_or(0))
        .collect();
    Ok(GroupReadiness { fiscal_year: year, total, companies, most_missed, closest })
}
