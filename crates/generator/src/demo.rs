//! The demo group as a parent would meet it: honest sheets in the earlier
//! years and, in the last year, about a third of the subsidiaries
//! over-rating in the ways hyoka's detector knows.

use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FiscalYear};
use hyoka_model::sheet::Sheet;
use serde::Serialize;

use crate::company::{SyntheticCompany, stream};
use crate::group::{Generator, GroupSpec};
use crate::levels::synthetic_levels;
use crate::overrating::{InjectedItem, Pattern, TemplateSet, reword};
use crate::plan;
use crate::rng::Rng;
use crate::scenarios::{GroupScenario, GroupScenarioSpec, group_scenario};

/// How a demo company over-rates in the last year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemoKind {
    /// Every 0 and 1 raised by one, evidence unchanged.
    Uniform,
    /// A small company with one IT person raising most Lv2/Lv3 answers
    /// with short done-sounding texts.
    Cohort,
    /// Evidence copied from another company of the group.
    Copying,
    /// 0→2 keeping last year's evidence.
    Jumping,
    /// A few items over-rated one way each: plans scored 2, a part missing,
    /// partial coverage, thin evidence at a one-person IT company.
    Items,
}

/// Share of the group that over-rates item by item (the scenario's kinds
/// take 5 % uniform, 7.5 % copying, 7.5 % jumping and one cohort company in
/// twenty).
const ITEM_SHARE: f64 = 0.1;

/// The demo group: the companies of `spec` (codes and names as the spec
/// says) and their sheets, built once.
#[derive(Debug, Clone)]
pub struct DemoGroup {
    companies: Vec<SyntheticCompany>,
    years: Vec<FiscalYear>,
    scenario: GroupScenario,
    items: Vec<Option<(Sheet, Vec<InjectedItem>)>>,
}

impl DemoGroup {
    /// Builds the demo group of `spec`: its honest sheets with group-wide
    /// rollouts, and in the latest year the over-rating companies. Everything
    /// follows from the spec's seed.
    pub fn new(spec: &GroupSpec, catalog: &Catalog) -> DemoGroup {
        let generator = Generator::new(spec.clone(), catalog);
        let n = spec.companies;
        let cohort = n / 20;
        let scenario_spec = GroupScenarioSpec::new(spec.seed, n, spec.years.clone())
            .with_shares(0.05, 0.075, 0.075)
            .with_part4(cohort, 0.0);
        let scenario = group_scenario(&scenario_spec, catalog);
        let years = scenario_spec.sorted_years();
        let mut items = vec![None; n];
        if let Some(last) = scenario_spec.last_year() {
            let plans = plan::item_plans(catalog, &synthetic_levels(catalog));
            let mut rng = Rng::derive(spec.seed, &[stream::DEMO]);
            // The first company (whose user the demo logs in as) and then a
            // fixed shuffle of the honest rest.
            let mut order: Vec<usize> = (1..n).collect();
            rng.shuffle(&mut order);
            order.insert(0, 0);
            let wanted = (n as f64 * ITEM_SHARE).round() as usize;
            let mut taken = 0;
            for index in order {
                if taken >= wanted {
                    break;
                }
                let Some(s) = scenario.sheet(index, last) else { continue };
                if !s.truth.is_honest() {
                    continue;
                }
                let one_person = s.company_size.it_staff <= 1;
                let patterns: &[Pattern] = if one_person {
                    &[Pattern::CapacityClaim, Pattern::PlannedAsDone, Pattern::CapacityClaim]
                } else {
                    match taken % 3 {
                        0 => &[Pattern::PlannedAsDone, Pattern::MissingPart, Pattern::PartialAsDone],
                        1 => &[Pattern::MissingPart, Pattern::PartialAsDone, Pattern::PlannedAsDone],
                        _ => &[Pattern::PartialAsDone, Pattern::PlannedAsDone, Pattern::MissingPart],
                    }
                };
                let mut sheet = s.sheet.clone();
                let mut injected = Vec::new();
                let mut rng = Rng::derive(spec.seed, &[stream::DEMO, index as u64]);
                let mut indices: Vec<usize> = (0..sheet.answers.len()).collect();
                rng.shuffle(&mut indices);
                for &pattern in patterns {
                    for &i in &indices {
                        if injected.iter().any(|j: &InjectedItem| Some(j.item) == sheet.answers.get(i).map(|a| a.item))
                        {
                            continue;
                        }
                        let Some((claimed, evidence, suggested)) =
                            reword(&sheet, catalog, &plans, s.company_size, TemplateSet::Tuning, i, pattern, &mut rng)
                        else {
                            continue;
                        };
                        let answer = &mut sheet.answers[i];
                        injected.push(InjectedItem {
                            item: answer.item,
                            pattern,
                            honest: answer.evaluation,
                            claimed,
                            suggested,
                        });
                        answer.evaluation = claimed;
                        answer.evidence = evidence;
                        break;
                    }
                }
                if !injected.is_empty() {
                    injected.sort_by_key(|j| j.item);
                    items[index] = Some((sheet, injected));
                    taken += 1;
                }
            }
        }
        DemoGroup { companies: generator.companies().to_vec(), years, scenario, items }
    }

    /// The companies.
    pub fn companies(&self) -> &[SyntheticCompany] {
        &self.companies
    }

    /// The fiscal years, ascending.
    pub fn years(&self) -> &[FiscalYear] {
        &self.years
    }

    /// The latest fiscal year (the one with the over-rating).
    pub fn last_year(&self) -> Option<FiscalYear> {
        self.years.last().copied()
    }

    /// How company `index` over-rates in the last year (`None`: honest).
    pub fn kind(&self, index: usize) -> Option<DemoKind> {
        if self.items.get(index).is_some_and(Option::is_some) {
            return Some(DemoKind::Items);
        }
        let truth = &self.scenario.sheet(index, self.last_year()?)?.truth;
        if truth.cohort_inflation {
            Some(DemoKind::Cohort)
        } else if truth.uniform_inflation {
            Some(DemoKind::Uniform)
        } else if !truth.copied_items.is_empty() {
            Some(DemoKind::Copying)
        } else if !truth.jumped_items.is_empty() {
            Some(DemoKind::Jumping)
        } else {
            None
        }
    }

    /// The sheet company `index` submits for `year`, its cover naming the
    /// company as [`DemoGroup::companies`] does.
    pub fn sheet(&self, index: usize, year: FiscalYear) -> Option<Sheet> {
        let company = self.companies.get(index)?;
        let mut sheet = match (&self.items[index], Some(year) == self.last_year()) {
            (Some((sheet, _)), true) => sheet.clone(),
            _ => self.scenario.sheet(index, year)?.sheet.clone(),
        };
        sheet.cover.company_code = Some(company.code.clone());
        sheet.cover.company_name = Some(company.name.clone());
        Some(sheet)
    }

    /// The sheet a company sends back after its reviewer returned the
    /// over-rated one: every over-rated item at the score an honest reviewer
    /// gives (or its honest answer), evidence as it was.
    pub fn corrected_sheet(&self, index: usize, year: FiscalYear) -> Option<Sheet> {
        let mut sheet = self.sheet(index, year)?;
        let injected: &[InjectedItem] = match (&self.items[index], Some(year) == self.last_year()) {
            (Some((_, injected)), true) => injected,
            _ => &self.scenario.sheet(index, year)?.truth.injected,
        };
        for j in injected {
            if let Some(a) = sheet.answers.iter_mut().find(|a| a.item == j.item) {
                a.evaluation = j.suggested.map_or(j.honest, Evaluation::Rated);
            }
        }
        Some(sheet)
    }
}
