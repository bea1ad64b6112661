//! # hyoka-generator
//!
//! Deterministic synthetic groups of subsidiaries and their yearly JAMA/JAPIA
//! self-assessment check sheets, for hyoka's demo, tests and benchmarks
//! (never used by the detector).
//!
//! - [`GroupSpec`] says what to make (seed, number of companies, fiscal
//!   years, code prefix); [`demo_group`] is the fixed demo group.
//! - [`Generator`] builds the companies up front ([`SyntheticCompany`]: name,
//!   industry, size per year, target level, business-impact tier) and any
//!   company-year's [`Sheet`](hyoka_model::sheet::Sheet) on demand, cheaply
//!   and independently of the others; [`generate`] makes a whole [`Group`].
//! - Every answer has a level ([`synthetic_levels`] fills the catalog's gaps
//!   so the totals are exactly the framework's 50/74/29) and an honest,
//!   varied Japanese evidence text that fits its score and the item.
//!   Maturity grows with company size and improves year over year.
//! - Over-rating with ground truth, the yardstick of the detectors:
//!   [`inflate_items`] over-rates 1–3 items of a sheet with a [`Pattern`]
//!   each, [`inflate_uniformly`] raises every 0 and 1 by one, and
//!   [`labelled_group`] makes a labelled group of honest and inflated sheets.
//!   Inflated evidence is worded from one of two disjoint phrase families
//!   ([`TemplateSet::Tuning`], [`TemplateSet::HeldOut`]).
//! - Group scenarios for the group-level detector: [`group_scenario`]
//!   builds a multi-year group ([`GroupScenarioSpec`]) whose last year has
//!   uniformly inflating companies, companies copying another's evidence
//!   and 0→2 jumps keeping last year's evidence, each with ground truth
//!   ([`SheetTruth`]), next to honest look-alikes: group-wide
//!   [`Rollout`]s and the generator's own year-over-year progress.
//! - [`DemoGroup`]: the demo group of `hyoka demo`, whose last year has
//!   about a third of the companies over-rating ([`DemoKind`]).
//! - Writers: [`write_xlsx`] (official-like workbook with cover sheet,
//!   two-row header and pulldown), [`write_csv_cp932`] and
//!   [`write_csv_utf8_bom`].
//!
//! Everything follows from the seed through the crate's own PRNG
//! ([`rng::Rng`], SplitMix64): the same seed gives byte-identical output,
//! whatever the dependency versions.
//!
//! ```
//! use hyoka_generator::{Generator, demo_group, write_csv_cp932};
//! use hyoka_model::catalog::Catalog;
//!
//! let catalog = Catalog::builtin()?;
//! let generator = Generator::new(demo_group(), &catalog);
//! let year = generator.spec().years[0];
//! let sheet = generator.sheet(0, year)?;
//! assert_eq!(sheet.answers.len(), 153);
//! let csv = write_csv_cp932(&sheet, &catalog)?;
//! assert!(!csv.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod company;
mod csv_out;
mod demo;
mod error;
mod evidence;
mod group;
mod levels;
mod overrating;
mod plan;
pub mod rng;
mod scenarios;
mod vocab;
mod xlsx;

pub use company::{Industry, SizeClass, SyntheticCompany, YearSize};
pub use csv_out::{CSV_HEADER, encode_cp932, write_csv_cp932, write_csv_utf8_bom};
pub use demo::{DemoGroup, DemoKind};
pub use error::GeneratorError;
pub use group::{
    DEMO_COMPANIES, DEMO_FIRST_YEAR, DEMO_SEED, DEMO_YEARS, GeneratedSheet, Generator, Group, GroupSpec, demo_group,
    generate,
};
pub use levels::synthetic_levels;
pub use overrating::{
    InjectedItem, LabelledSheet, MAX_INFLATED_ITEMS, Pattern, SheetKind, TemplateSet, inflate_items, inflate_uniformly,
    labelled_group, phrase_templates,
};
pub use scenarios::{
    GroupScenario, GroupScenarioSpec, Rollout, RolloutItem, SCENARIO_CODE_PREFIX, ScenarioSheet, SheetTruth,
    group_scenario,
};
pub use xlsx::{
    COVER_SHEET, EVALUATION_CHOICES, EVIDENCE_HEADER, ITEM_COLUMNS, ITEM_SHEET, XlsxStyle, fiscal_year_label,
    write_xlsx,
};
