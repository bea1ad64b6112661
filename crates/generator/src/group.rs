//! Groups of synthetic subsidiaries and their yearly sheets.

use chrono::{Days, NaiveDate};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FiscalYear, Level};
use hyoka_model::sheet::{Answer, CoverFacts, Sheet};
use serde::Serialize;

use crate::company::{self, SyntheticCompany, YearSize, stream};
use crate::error::GeneratorError;
use crate::evidence::{self, Input};
use crate::levels::synthetic_levels;
use crate::plan::{self, ItemPlan, Ym};
use crate::rng::Rng;
use crate::xlsx::write_xlsx;

/// What group to generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupSpec {
    /// Everything follows from this seed.
    pub seed: u64,
    /// Number of subsidiaries.
    pub companies: usize,
    /// Fiscal years with one sheet per company each.
    pub years: Vec<FiscalYear>,
    /// Prefix of company codes: `DEMO-` gives `DEMO-001`, `DEMO-002`, ….
    pub code_prefix: String,
}

impl GroupSpec {
    /// A group of `companies` subsidiaries answering in each of `years`,
    /// with codes `SYN-001`, ….
    pub fn new(seed: u64, companies: usize, years: Vec<FiscalYear>) -> GroupSpec {
        GroupSpec { seed, companies, years, code_prefix: "SYN-".to_owned() }
    }

    /// `count` consecutive fiscal years from `first` (stopping at the last
    /// year [`FiscalYear`] accepts).
    pub fn consecutive(seed: u64, companies: usize, first: FiscalYear, count: usize) -> GroupSpec {
        let years = (first.get()..).take(count).map_while(|y| FiscalYear::new(y).ok()).collect();
        GroupSpec::new(seed, companies, years)
    }

    /// The same spec with another company-code prefix.
    pub fn with_code_prefix(mut self, prefix: impl Into<String>) -> GroupSpec {
        self.code_prefix = prefix.into();
        self
    }
}

/// Seed of the demo group.
pub const DEMO_SEED: u64 = 20_231_117; // the seed's consultation date
/// Number of subsidiaries in the demo group.
pub const DEMO_COMPANIES: usize = 40;
/// First fiscal year of the demo group.
pub const DEMO_FIRST_YEAR: i32 = 2023;
/// Number of fiscal years of the demo group.
pub const DEMO_YEARS: usize = 3;

/// The fixed demo group: 40 subsidiaries answering in fiscal years
/// 2023–2025, codes `DEMO-001` … `DEMO-040`.
pub fn demo_group() -> GroupSpec {
    let years = (DEMO_FIRST_YEAR..).take(DEMO_YEARS).filter_map(|y| FiscalYear::new(y).ok()).collect();
    GroupSpec::new(DEMO_SEED, DEMO_COMPANIES, years).with_code_prefix("DEMO-")
}

/// One generated sheet and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeneratedSheet {
    /// Index of the company in the group.
    pub company_index: usize,
    /// The fiscal year.
    pub year: FiscalYear,
    /// The sheet (cover facts filled in, one answer per item).
    pub sheet: Sheet,
}

/// A whole generated group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// What was generated.
    pub spec: GroupSpec,
    /// The level of every item on the sheets (see [`synthetic_levels`]).
    pub levels: Vec<Level>,
    /// The subsidiaries.
    pub companies: Vec<SyntheticCompany>,
    /// One sheet per company and year, company by company, years in spec order.
    pub sheets: Vec<GeneratedSheet>,
}

/// Generates a group's companies up front and any company-year's sheet on
/// demand: each sheet depends only on the seed, the company and the year,
/// so sheets can be made one at a time, in any order, or in parallel.
#[derive(Debug, Clone)]
pub struct Generator {
    spec: GroupSpec,
    framework_id: String,
    levels: Vec<Level>,
    plans: Vec<ItemPlan>,
    companies: Vec<SyntheticCompany>,
    catalog: Catalog,
}

impl Generator {
    /// Prepares a group: its companies and the wording plan of every item.
    pub fn new(spec: GroupSpec, catalog: &Catalog) -> Generator {
        let levels = synthetic_levels(catalog);
        let plans = plan::item_plans(catalog, &levels);
        let companies = company::companies(spec.seed, spec.companies, &spec.code_prefix);
        Generator {
            spec,
            framework_id: catalog.framework.id.clone(),
            levels,
            plans,
            companies,
            catalog: catalog.clone(),
        }
    }

    /// The spec this generator follows.
    pub fn spec(&self) -> &GroupSpec {
        &self.spec
    }

    /// The catalog the sheets answer.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The level of every item, in item order.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// The wording plan of every item, in item order.
    pub(crate) fn plans(&self) -> &[ItemPlan] {
        &self.plans
    }

    /// The group's companies.
    pub fn companies(&self) -> &[SyntheticCompany] {
        &self.companies
    }

    /// The size of the company at `index` in `year`.
    pub(crate) fn size_of(&self, index: usize, year: FiscalYear) -> YearSize {
        // Sheets come from this generator's own companies, so the fallback
        // never shows; it keeps the labelled builders total.
        self.company(index).map_or(YearSize { year, employees: 0, it_staff: 0 }, |c| c.size(year))
    }

    /// The company at `index`.
    pub fn company(&self, index: usize) -> Result<&SyntheticCompany, GeneratorError> {
        self.companies.get(index).ok_or(GeneratorError::UnknownCompany { index, count: self.companies.len() })
    }

    /// The sheet of company `company_index` for `year` (any fiscal year,
    /// not only the spec's).
    pub fn sheet(&self, company_index: usize, year: FiscalYear) -> Result<Sheet, GeneratorError> {
        Ok(self.build_sheet(self.company(company_index)?, year))
    }

    /// Every sheet of the spec, company by company, lazily.
    pub fn sheets(&self) -> impl Iterator<Item = GeneratedSheet> + '_ {
        self.companies.iter().flat_map(move |c| {
            self.spec.years.iter().map(move |&year| GeneratedSheet {
                company_index: c.index,
                year,
                sheet: self.build_sheet(c, year),
            })
        })
    }

    /// Every item's timeline for one company. Honest sheets respect the
    /// catalog's dependencies: an item is not started or done before the items
    /// it presupposes (checking the asset register needs the register), and
    /// does not apply where they do not.
    fn timelines(&self, seed: u64, company: &SyntheticCompany) -> Vec<plan::Timeline> {
        let mut timelines: Vec<plan::Timeline> = self.plans.iter().map(|p| plan::timeline(seed, company, p)).collect();
        for (i, p) in self.plans.iter().enumerate() {
            let Some(item) = self.catalog.item(p.number) else { continue };
            for dep in &item.depends_on {
                let Some(j) = self.plans.iter().position(|q| q.number == *dep) else { continue };
                let pre = timelines[j];
                let t = &mut timelines[i];
                t.start = t.start.max(pre.start);
                t.done = t.done.max(pre.done);
                t.revised = t.revised.max(t.done.plus(12));
                t.not_applicable |= pre.not_applicable;
            }
        }
        timelines
    }

    /// The whole group with every sheet.
    pub fn group(&self) -> Group {
        Group {
            spec: self.spec.clone(),
            levels: self.levels.clone(),
            companies: self.companies.clone(),
            sheets: self.sheets().collect(),
        }
    }

    /// The sheet of company `company_index` for `year` as an `.xlsx`
    /// workbook in that company's layout.
    pub fn xlsx(&self, company_index: usize, year: FiscalYear) -> Result<Vec<u8>, GeneratorError> {
        let company = self.company(company_index)?;
        write_xlsx(&self.build_sheet(company, year), &self.catalog, &company.xlsx_style())
    }

    fn build_sheet(&self, company: &SyntheticCompany, year: FiscalYear) -> Sheet {
        let seed = self.spec.seed;
        let ci = company.index as u64;
        let y = year.get();
        let mut rng = Rng::derive(seed, &[stream::SHEET, ci, y as u64]);
        let answered_on = NaiveDate::from_ymd_opt(y, 7, 1)
            .and_then(|d| d.checked_add_days(Days::new(rng.below(170) as u64)))
            .unwrap_or_else(|| year.last_day());
        let answered = Ym::of(answered_on);
        let mut unanswered = Vec::new();
        if rng.chance(company.profile.sloppy_rate) {
            for _ in 0..rng.range(1, 3) {
                unanswered.push(rng.below(self.plans.len()));
            }
        }
        let size = company.size(year);
        let cover = CoverFacts {
            company_name: Some(company.name.clone()),
            company_code: Some(company.code.clone()),
            fiscal_year: Some(year),
            employees: Some(size.employees),
            it_staff: Some(size.it_staff),
            respondent: Some(company.respondent(seed, year)),
            answered_on: Some(answered_on),
        };
        let timelines = self.timelines(seed, company);
        let answers = self
            .plans
            .iter()
            .enumerate()
            .map(|(index, plan)| {
                let number = u64::from(plan.number.get());
                let timeline = timelines[index];
                let evaluation = if timeline.not_applicable {
                    Evaluation::NotApplicable
                } else if unanswered.contains(&index) {
                    Evaluation::Unanswered
                } else if timeline.done <= answered {
                    Evaluation::DONE
                } else if timeline.start <= answered {
                    Evaluation::IN_PROGRESS
                } else {
                    Evaluation::NOT_DONE
                };
                let score_key =
                    evaluation.code().bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
                let evidence = evidence::compose(Input {
                    plan,
                    company,
                    year: y,
                    answered,
                    timeline: &timeline,
                    evaluation,
                    item: Rng::derive(seed, &[stream::TEXT, ci, number]),
                    stable: Rng::derive(seed, &[stream::TEXT, ci, number, score_key]),
                    yearly: Rng::derive(seed, &[stream::TEXT_YEAR, ci, number, y as u64]),
                });
                Answer {
                    item: plan.number,
                    level: plan.level,
                    evaluation,
                    evidence,
                    responsible_area: Some(plan.topic.area.to_owned()),
                    source_cell: None,
                }
            })
            .collect();
        Sheet { framework_id: self.framework_id.clone(), cover, answers }
    }
}

/// Generates the whole group of `spec`.
pub fn generate(spec: GroupSpec, catalog: &Catalog) -> Group {
    Generator::new(spec, catalog).group()
}
