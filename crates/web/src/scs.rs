//! METI SCS ★3 / ★4 readiness in the web UI (see `docs/scs.md`): the
//! section of the company page, its CSV (the API's bytes), and the
//! overview's readiness column.
//!
//! Every figure is `hyoka_service::scs`'s, as for `GET /api/v1/scs/…`, and
//! who sees which basis is `hyoka_service::access`'s rule: the estimated and
//! reviewed bases only once the caller sees the sheet's findings. A child of
//! `pages`, so it shares its viewer and `page!`.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use hyoka_model::db::{DbConn, summaries};
use hyoka_model::domain::{Evaluation, FiscalYear};
use hyoka_model::scs::{Basis, Counts, Mapping, Readiness, Star, Status, statuses_of};
use hyoka_model::summary::CompanyYearSummary;
use hyoka_service::access::Access;
use hyoka_service::scs::{self, CompanyReadiness};

use super::{PageFailure, Viewer, fy, score_words, severity_words};
use crate::i18n::{self, Lang, Texts};

/// Registers the SCS routes (called from `pages::scope`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/companies/{id}/scs.csv", web::get().to(csv));
}

/// The built-in mapping, or a logged internal failure.
pub fn mapping() -> Result<&'static Mapping, PageFailure> {
    scs::builtin_mapping().map_err(|e| {
        tracing::error!(error = %e, "SCS mapping");
        PageFailure::Internal
    })
}

fn basis_label(t: &'static Texts, b: Basis) -> &'static str {
    match b {
        Basis::Claimed => t.rate_self,
        Basis::Estimated => t.rate_suggested,
        Basis::Reviewed => t.rate_reviewed,
    }
}

fn status_label(t: &'static Texts, s: Status) -> &'static str {
    match s {
        Status::Met => t.scs_met,
        Status::Partly => t.scs_partly,
        Status::NotMet => t.scs_not_met,
        Status::NotCovered => t.scs_not_covered,
    }
}

/// A company-year's readiness as read for its page.
pub struct Loaded {
    /// The counts on each basis the caller may see, claimed first.
    pub bases: Vec<(Basis, Readiness)>,
    /// The per-criterion rows on the most informed basis the caller may
    /// see (estimated, else claimed).
    pub detail: CompanyReadiness,
}

/// Reads a company-year's readiness for its page; `None` when it has no
/// sheet that year. `shown`: whether the caller sees the year's findings.
pub fn load(
    conn: &mut DbConn,
    access: &Access,
    company_id: i64,
    year: FiscalYear,
    shown: bool,
) -> Result<Option<Loaded>, PageFailure> {
    if summaries::stored(conn, company_id, year)?.is_none() {
        return Ok(None);
    }
    let m = mapping()?;
    let visible: Vec<Basis> = Basis::ALL.into_iter().filter(|b| shown || !b.shows_findings()).collect();
    let detail_basis = if shown { Basis::Estimated } else { Basis::Claimed };
    let detail = scs::readiness(conn, access, m, company_id, year, detail_basis)?;
    let mut bases = Vec::new();
    for b in visible {
        let r = if b == detail_basis { detail.readiness } else { scs::counts(conn, access, m, company_id, year, b)? };
        bases.push((b, r));
    }
    Ok(Some(Loaded { bases, detail }))
}

/// One basis's counts, as shown.
pub struct BasisRow {
    /// Its label.
    pub label: &'static str,
    /// Its code (`self`, `estimated`, `reviewed`).
    pub code: &'static str,
    /// ★3: met, partly, not met, not covered, readiness.
    pub star3: [String; 5],
    /// ★3 and ★4 together, the same five.
    pub star4: [String; 5],
    /// The CSV of this basis.
    pub csv: String,
}

/// A flag on a cited item, as linked.
pub struct FlagLink {
    /// `/ui/submissions/{sheet}#flag-{id}`.
    pub href: String,
    /// Rule, severity and decision in words.
    pub label: String,
}

/// A cited JAMA item under a criterion not fully met.
pub struct GapItem {
    /// Item number.
    pub item: u16,
    /// `Lv2` or a dash.
    pub level: String,
    /// The claimed score in words.
    pub claimed: &'static str,
    /// The estimated score in words (a dash when hidden).
    pub estimated: &'static str,
    /// Whether this item keeps the criterion from being met.
    pub short: bool,
    /// Its flags.
    pub flags: Vec<FlagLink>,
    /// Evidence as written (escaped by the template).
    pub evidence: String,
}

/// A criterion not fully met, with what stands between the company and it.
pub struct GapRow {
    /// Criterion id.
    pub id: String,
    /// Requirement id and short name.
    pub requirement: String,
    /// Status in words.
    pub status: &'static str,
    /// Status code (CSS class).
    pub status_code: &'static str,
    /// ISO/IEC 27001:2022 references.
    pub iso: String,
    /// The cited items.
    pub items: Vec<GapItem>,
}

/// The criteria of one star not fully met.
pub struct GapGroup {
    /// Element id.
    pub id: &'static str,
    /// Heading.
    pub heading: &'static str,
    /// Shown unfolded.
    pub open: bool,
    /// The criteria, in the mapping's order.
    pub rows: Vec<GapRow>,
}

/// The SCS section of the company page.
pub struct Section {
    /// One row per basis the viewer may see.
    pub bases: Vec<BasisRow>,
    /// The basis the criteria below are judged on, in words.
    pub detail_basis: &'static str,
    /// The ★3 criteria not fully met, then the ★4 ones.
    pub gaps: [GapGroup; 2],
    /// Whether estimated and reviewed figures are hidden (not yet released).
    pub hidden: bool,
    /// The mapping's name and date.
    pub source: String,
}

fn counts(c: &Counts) -> [String; 5] {
    [
        c.met.to_string(),
        c.partly.to_string(),
        c.not_met.to_string(),
        c.not_covered.to_string(),
        i18n::percent(c.readiness()),
    ]
}

fn words(t: &'static Texts, e: Option<Evaluation>) -> &'static str {
    e.map_or(t.score_none, |e| score_words(t, e.code()))
}

/// The section as shown in `lang`.
pub fn section(lang: Lang, company_id: i64, loaded: &Loaded, shown: bool) -> Section {
    let t = lang.texts();
    let d = &loaded.detail;
    let year = d.fiscal_year.get();
    let bases = loaded
        .bases
        .iter()
        .map(|(b, r)| BasisRow {
            label: basis_label(t, *b),
            code: b.code(),
            star3: counts(&r.star3),
            star4: counts(&r.star4),
            csv: format!("/ui/companies/{company_id}/scs.csv?fiscal_year={year}&basis={}", b.code()),
        })
        .collect();
    let mut star3_gaps = Vec::new();
    let mut star4_gaps = Vec::new();
    for c in &d.criteria {
        if !matches!(c.status, Status::Partly | Status::NotMet) {
            continue;
        }
        let row = GapRow {
            id: c.id.clone(),
            requirement: format!("{} {}", c.requirement, c.requirement_name_ja),
            status: status_label(t, c.status),
            status_code: c.status.code(),
            iso: c.iso27001.join(", "),
            items: c
                .items
                .iter()
                .map(|i| GapItem {
                    item: i.item,
                    level: i.level.map_or_else(|| "—".to_owned(), |l| format!("Lv{l}")),
                    claimed: words(t, i.claimed),
                    estimated: if shown { words(t, i.estimated) } else { "—" },
                    short: i.on_basis != Some(Evaluation::DONE),
                    flags: i
                        .flags
                        .iter()
                        .map(|f| FlagLink {
                            href: format!("/ui/submissions/{}#flag-{}", f.submission_id, f.id),
                            label: format!(
                                "{} · {} · {}",
                                f.rule,
                                severity_words(t, f.severity),
                                match f.decision {
                                    Some("confirmed") => t.confirmed,
                                    Some("dismissed") => t.dismissed,
                                    _ => t.undecided,
                                }
                            ),
                        })
                        .collect(),
                    evidence: i.evidence.clone(),
                })
                .collect(),
        };
        match c.star {
            Star::Three => star3_gaps.push(row),
            Star::Four => star4_gaps.push(row),
        }
    }
    let source = scs::builtin_mapping()
        .map(|m| {
            format!(
                "{} ({})",
                if lang == Lang::Ja { &m.mapping.name_ja } else { &m.mapping.name_en },
                m.mapping.published
            )
        })
        .unwrap_or_default();
    Section {
        bases,
        detail_basis: basis_label(t, d.basis),
        gaps: [
            GapGroup { id: "scs-gaps-3", heading: t.scs_gaps3, open: true, rows: star3_gaps },
            GapGroup { id: "scs-gaps-4", heading: t.scs_gaps4, open: false, rows: star4_gaps },
        ],
        hidden: !shown,
        source,
    }
}

/// The overview's cell: ★3 readiness on the estimated basis from a kept
/// summary (the overview is for the parent's roles, who see findings).
pub fn star3_estimated(mapping: &Mapping, summary: Option<&CompanyYearSummary>) -> String {
    summary.map_or_else(
        || "—".to_owned(),
        |s| i18n::percent(mapping.readiness(&statuses_of(mapping, s, Basis::Estimated)).star3.readiness()),
    )
}

type Query = web::Query<BTreeMap<String, String>>;

/// `GET /ui/companies/{id}/scs.csv?fiscal_year=&basis=`: the bytes of
/// `GET /api/v1/scs/readiness.csv` for the same company, year and basis.
async fn csv(viewer: Viewer, id: web::Path<i64>, q: Query) -> HttpResponse {
    let id = id.into_inner();
    page!(
        viewer,
        async {
            if let Some(k) = q.keys().find(|k| !["fiscal_year", "basis"].contains(&k.as_str())) {
                return Err(PageFailure::Invalid(format!("不明な指定です / unknown parameter: {k}")));
            }
            let year = fy(q.get("fiscal_year").map(String::as_str))?
                .ok_or_else(|| PageFailure::Invalid("年度を指定してください / fiscal_year is required".into()))?;
            let basis = match q.get("basis") {
                None => Basis::Claimed,
                Some(b) => b.parse::<Basis>().map_err(|e| PageFailure::Invalid(e.to_string()))?,
            };
            let m = mapping()?;
            let access = viewer.access();
            let r = viewer.db(move |conn| Ok(scs::readiness(conn, &access, m, id, year, basis)?)).await?;
            hyoka_api::export::scs_readiness_csv(&r).map_err(|e| {
                tracing::error!(error = %e, "SCS CSV");
                PageFailure::Internal
            })
        }
        .await
    )
}
