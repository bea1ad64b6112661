//! Over-rated sheets with ground truth: the yardstick over-rating detectors
//! are measured against.
//!
//! An honest generated sheet is turned into one that claims more than the
//! company has done, the way subsidiaries actually inflate (seed question 1:
//! small subsidiaries, one-person IT especially, rate themselves too high):
//!
//! - [`inflate_items`] over-rates a few items (at most
//!   [`MAX_INFLATED_ITEMS`]) with one [`Pattern`] each and says which, what
//!   the honest answer was and what an honest reviewer would score;
//! - [`inflate_uniformly`] is the company that raises everything by one;
//! - [`labelled_group`] makes a whole group of honest and inflated sheets,
//!   labelled, for evaluation.
//!
//! The wording of inflated evidence comes from one of two disjoint phrase
//! families ([`TemplateSet`]): tune on [`TemplateSet::Tuning`], measure on
//! [`TemplateSet::HeldOut`]. Item and pattern choices do not depend on the
//! family, so the same spec gives the same ground truth in both sets and only
//! the phrasing differs. Inflated texts follow the sheet's own writing
//! habits (era years, full-width digits, 済 or 済み, closing 「。」).

mod phrases;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use hyoka_model::catalog::{Catalog, Item};
use hyoka_model::domain::{Evaluation, FiscalYear, ItemNumber, Level, Points};
use hyoka_model::sheet::{Answer, Sheet};
use hyoka_model::text::normalize;
use serde::Serialize;

use crate::company::{YearSize, stream};
use crate::evidence::{era_year, to_fullwidth_digits};
use crate::group::{Generator, GroupSpec};
use crate::levels::synthetic_levels;
use crate::plan::{self, ItemPlan, Ym, known_subject};
use crate::rng::Rng;
use crate::vocab::Kind;
use phrases::{Family, HELD_OUT, TUNING};

/// Most items [`inflate_items`] over-rates on one sheet: a bad sheet has a
/// few over-rated items out of 153, not dozens.
pub const MAX_INFLATED_ITEMS: usize = 3;

/// Companies with fewer employees than this may give their size as the
/// reason an item does not apply (「小規模のため該当しない」).
const SMALL_COMPANY: u32 = 300;

/// A way an item gets over-rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// The score is raised while the honest evidence stays as it was: a 0 or
    /// 1 raised to 2 by [`inflate_items`] (the commonest real case), or raised
    /// by one step by [`inflate_uniformly`]. The evidence still reads as a 0
    /// or 1 (a plan, a deadline, 「未実施」).
    RaisedKeepingEvidence,
    /// 2 with evidence saying the measure is only planned, being considered,
    /// being prepared, budgeted, postponed or a draft.
    PlannedAsDone,
    /// 2 for a measure done only in part, or in some of the places or for
    /// some of the people it must cover (本社のみ, 3拠点のうち1拠点): seed
    /// questions 3 and 14, the weakest place decides.
    PartialAsDone,
    /// 2 with evidence that only believes it is done (…と思われる, …はず,
    /// 記憶している).
    GuessedAsDone,
    /// 2 with empty or contentless evidence: nothing, 済, ○, 特になし, 同上,
    /// or the item's subject restated.
    EmptyEvidence,
    /// A multi-part item (catalog `parts`) at 2 whose evidence covers some
    /// parts and denies or leaves out another (seed question 7: rules
    /// without education is 1).
    MissingPart,
    /// 2 citing a completion month after the sheet's 回答日.
    FutureDate,
    /// 該当なし instead of the honest 0 or 1: with no reason, justified only
    /// by the company's size, or on an item tagged `universal` (applies to
    /// every company).
    NotApplicableWithoutReason,
    /// A 0 raised to 1 whose evidence says nothing is done and nothing is
    /// planned.
    OneWithNothing,
    /// A company with one IT person claiming 2 with thin evidence on an item
    /// needing capacity it cannot have alone (tags `cap-24x7`, `cap-soc`,
    /// `cap-csirt`, `cap-sod`, `cap-audit`, `cap-committee`, or a Lv3 item),
    /// without naming who does the work for it.
    CapacityClaim,
}

impl Pattern {
    /// Every pattern.
    pub const ALL: [Pattern; 10] = [
        Pattern::RaisedKeepingEvidence,
        Pattern::PlannedAsDone,
        Pattern::PartialAsDone,
        Pattern::GuessedAsDone,
        Pattern::EmptyEvidence,
        Pattern::MissingPart,
        Pattern::FutureDate,
        Pattern::NotApplicableWithoutReason,
        Pattern::OneWithNothing,
        Pattern::CapacityClaim,
    ];

    /// Stable snake_case code (as serialised): `raised_keeping_evidence`, ….
    pub fn code(self) -> &'static str {
        match self {
            Pattern::RaisedKeepingEvidence => "raised_keeping_evidence",
            Pattern::PlannedAsDone => "planned_as_done",
            Pattern::PartialAsDone => "partial_as_done",
            Pattern::GuessedAsDone => "guessed_as_done",
            Pattern::EmptyEvidence => "empty_evidence",
            Pattern::MissingPart => "missing_part",
            Pattern::FutureDate => "future_date",
            Pattern::NotApplicableWithoutReason => "not_applicable_without_reason",
            Pattern::OneWithNothing => "one_with_nothing",
            Pattern::CapacityClaim => "capacity_claim",
        }
    }

    /// Short Japanese description, for reports.
    pub fn label_ja(self) -> &'static str {
        match self {
            Pattern::RaisedKeepingEvidence => "根拠は未完了のまま評価だけ引上げ",
            Pattern::PlannedAsDone => "予定・検討段階を対策完了",
            Pattern::PartialAsDone => "一部のみの実施を対策完了",
            Pattern::GuessedAsDone => "推測による対策完了",
            Pattern::EmptyEvidence => "根拠なしの対策完了",
            Pattern::MissingPart => "達成条件の一部欠落",
            Pattern::FutureDate => "回答日より後の完了日",
            Pattern::NotApplicableWithoutReason => "理由なき該当なし",
            Pattern::OneWithNothing => "計画なしの対策中",
            Pattern::CapacityClaim => "体制上困難な対策完了",
        }
    }

    /// Relative frequency among the patterns a sheet allows.
    fn weight(self) -> usize {
        match self {
            Pattern::RaisedKeepingEvidence => 4,
            Pattern::PlannedAsDone | Pattern::PartialAsDone | Pattern::EmptyEvidence | Pattern::CapacityClaim => 2,
            Pattern::GuessedAsDone
            | Pattern::MissingPart
            | Pattern::FutureDate
            | Pattern::NotApplicableWithoutReason
            | Pattern::OneWithNothing => 1,
        }
    }
}

/// Which of the two disjoint phrase families inflated evidence is worded
/// from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateSet {
    /// The phrasings a detector may be tuned on.
    Tuning,
    /// Different phrasings (vocabulary and sentence shapes) to measure a
    /// tuned detector on honestly.
    HeldOut,
}

impl TemplateSet {
    /// Both sets.
    pub const ALL: [TemplateSet; 2] = [TemplateSet::Tuning, TemplateSet::HeldOut];

    fn family(self) -> &'static Family {
        match self {
            TemplateSet::Tuning => &TUNING,
            TemplateSet::HeldOut => &HELD_OUT,
        }
    }
}

/// The evidence templates of `pattern` in `set`, slots (`{n}`, `{d}`…) left
/// in: for audits of the yardstick and for tests. Empty for
/// [`Pattern::RaisedKeepingEvidence`], which keeps the sheet's own text.
pub fn phrase_templates(pattern: Pattern, set: TemplateSet) -> Vec<&'static str> {
    let f = set.family();
    let lists: Vec<&'static [&'static str]> = match pattern {
        Pattern::RaisedKeepingEvidence => Vec::new(),
        Pattern::PlannedAsDone => vec![f.planned_not_started, f.planned_underway],
        Pattern::PartialAsDone => vec![f.partial],
        Pattern::GuessedAsDone => vec![f.guessed],
        Pattern::EmptyEvidence => vec![f.empty],
        Pattern::MissingPart => vec![f.part_covered, f.part_denied],
        Pattern::FutureDate => vec![f.future],
        Pattern::NotApplicableWithoutReason => vec![f.na_bare, f.na_size, f.na_universal],
        Pattern::OneWithNothing => vec![f.nothing],
        Pattern::CapacityClaim => f.capacity.iter().map(|(_, list)| *list).collect(),
    };
    lists.into_iter().flatten().copied().collect()
}

/// Ground truth of one over-rated item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct InjectedItem {
    /// The item.
    pub item: ItemNumber,
    /// How it was over-rated.
    pub pattern: Pattern,
    /// The answer on the honest sheet.
    pub honest: Evaluation,
    /// The answer on the inflated sheet.
    pub claimed: Evaluation,
    /// The score an honest reviewer would give from the inflated evidence;
    /// `None` when the evidence gives nothing to score on (empty, guessed,
    /// unverifiable capacity, 該当なし without a reason): the reviewer has to
    /// ask.
    pub suggested: Option<Points>,
}

/// What a labelled sheet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetKind {
    /// The honest generated sheet.
    Honest,
    /// A few items over-rated by [`inflate_items`].
    ItemInflated,
    /// Every 0 and 1 raised by one by [`inflate_uniformly`].
    UniformlyInflated,
}

/// One sheet of a [`labelled_group`] with its ground truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelledSheet {
    /// Index of the company in the group.
    pub company_index: usize,
    /// The fiscal year.
    pub year: FiscalYear,
    /// The company's employees and IT staff that year.
    pub company_size: YearSize,
    /// The sheet as submitted (honest or inflated).
    pub sheet: Sheet,
    /// Honest or how it was inflated.
    pub kind: SheetKind,
    /// The over-rated items, by item number (empty for honest sheets).
    pub injected: Vec<InjectedItem>,
}

/// Over-rates up to `count` items of `sheet` (at most
/// [`MAX_INFLATED_ITEMS`]; 0 leaves it unchanged), each with a [`Pattern`]
/// the item and company allow, worded from `templates`.
///
/// Only honestly rated 0s and 1s are inflated (a 2 cannot be over-rated);
/// `RaisedKeepingEvidence` needs evidence to keep, `OneWithNothing` an
/// honest 0, `MissingPart` an item with parts, `FutureDate` a 回答日 on the
/// cover, `CapacityClaim` a company with one IT person. Fewer items are
/// inflated when the sheet has too few suitable ones. Returns the inflated
/// sheet (every other answer and the cover unchanged) and the ground truth
/// ordered by item number. Items and patterns depend on `rng` only, not on
/// `templates`.
pub fn inflate_items(
    sheet: &Sheet,
    catalog: &Catalog,
    size: YearSize,
    count: usize,
    templates: TemplateSet,
    rng: &mut Rng,
) -> (Sheet, Vec<InjectedItem>) {
    let plans = plan::item_plans(catalog, &synthetic_levels(catalog));
    let ctx = Context::new(sheet, catalog, &plans, size, templates);
    inflate(sheet, &ctx, count, rng, &mut Vec::new())
}

/// The company that raises everything: every 0 becomes 1 and every 1
/// becomes 2, evidence unchanged; 2, 該当なし and unanswered items stay.
/// Each raised item is reported as [`Pattern::RaisedKeepingEvidence`] with
/// the honest score as the suggested one.
pub fn inflate_uniformly(sheet: &Sheet) -> (Sheet, Vec<InjectedItem>) {
    let mut out = sheet.clone();
    let mut injected = Vec::new();
    for answer in &mut out.answers {
        let raised = match answer.evaluation {
            Evaluation::Rated(Points::Zero) => Evaluation::IN_PROGRESS,
            Evaluation::Rated(Points::One) => Evaluation::DONE,
            _ => continue,
        };
        injected.push(InjectedItem {
            item: answer.item,
            pattern: Pattern::RaisedKeepingEvidence,
            honest: answer.evaluation,
            claimed: raised,
            suggested: rated(answer.evaluation),
        });
        answer.evaluation = raised;
    }
    (out, injected)
}

/// Rewords answer `index` of `sheet` with `pattern` worded from
/// `templates`, as [`inflate_items`] would: the claimed answer, its
/// evidence and the score an honest reviewer would give; `None` when the
/// pattern does not suit the answer. For the group scenarios, whose
/// uniformly inflating companies touch up a few texts.
#[expect(clippy::too_many_arguments, reason = "the inflation context spelled out for one crate-internal caller")]
pub(crate) fn reword(
    sheet: &Sheet,
    catalog: &Catalog,
    plans: &[ItemPlan],
    size: YearSize,
    templates: TemplateSet,
    index: usize,
    pattern: Pattern,
    rng: &mut Rng,
) -> Option<(Evaluation, String, Option<Points>)> {
    let ctx = Context::new(sheet, catalog, plans, size, templates);
    let answer = sheet.answers.get(index)?;
    if !ctx.suits(pattern, answer) {
        return None;
    }
    let (item, plan) = (catalog.item(answer.item)?, ctx.plan(answer.item)?);
    Some(apply(pattern, answer, item, plan, &ctx, rng))
}

/// A labelled group for evaluating detectors: every sheet of `spec` (company
/// by company, years in spec order), of which a share `share_bad` has 1–3
/// items over-rated by [`inflate_items`] and a share `share_uniform` is
/// raised throughout by [`inflate_uniformly`]; the rest stay honest. Shares
/// are of all sheets, rounded to whole sheets (clamped to 0–1, the uniform
/// share first); which sheets are which is a fixed shuffle of the seed.
///
/// Deterministic from `spec.seed`. The same spec with the other
/// [`TemplateSet`] gives the same kinds, items, patterns and scores: only
/// the inflated evidence is worded differently. A sheet with nothing to
/// inflate (no honest 0 or 1) stays [`SheetKind::Honest`].
pub fn labelled_group(
    spec: &GroupSpec,
    catalog: &Catalog,
    templates: TemplateSet,
    share_bad: f64,
    share_uniform: f64,
) -> Vec<LabelledSheet> {
    let generator = Generator::new(spec.clone(), catalog);
    let mut sheets: Vec<LabelledSheet> = generator
        .sheets()
        .map(|g| {
            let company_size = generator.size_of(g.company_index, g.year);
            LabelledSheet {
                company_index: g.company_index,
                year: g.year,
                company_size,
                sheet: g.sheet,
                kind: SheetKind::Honest,
                injected: Vec::new(),
            }
        })
        .collect();
    let total = sheets.len();
    let uniform = whole_share(total, share_uniform);
    let bad = whole_share(total, share_bad).min(total - uniform);
    let mut order: Vec<usize> = (0..total).collect();
    Rng::derive(spec.seed, &[stream::LABELS]).shuffle(&mut order);

    for &index in order.iter().take(uniform) {
        let Some(labelled) = sheets.get_mut(index) else { continue };
        let (sheet, injected) = inflate_uniformly(&labelled.sheet);
        if !injected.is_empty() {
            labelled.sheet = sheet;
            labelled.kind = SheetKind::UniformlyInflated;
            labelled.injected = injected;
        }
    }

    // Bad sheets in shuffled order; each starts with the next pattern of a
    // rotating queue it allows, so every pattern shows up in a group of
    // modest size; further items follow the realistic weights.
    let mut wanted: Vec<Pattern> = Vec::new();
    let mut queue_rng = Rng::derive(spec.seed, &[stream::LABELS, 1]);
    for &index in order.iter().skip(uniform).take(bad) {
        let Some(labelled) = sheets.get_mut(index) else { continue };
        if wanted.len() < Pattern::ALL.len() {
            let mut round = Pattern::ALL.to_vec();
            queue_rng.shuffle(&mut round);
            wanted.extend(round);
        }
        let keys = [stream::OVERRATING, labelled.company_index as u64, labelled.year.get() as u64];
        let mut rng = Rng::derive(spec.seed, &keys);
        let count = match rng.below(10) {
            0..=4 => 1,
            5..=7 => 2,
            _ => 3,
        };
        let ctx = Context::new(&labelled.sheet, catalog, generator.plans(), labelled.company_size, templates);
        let (sheet, injected) = inflate(&labelled.sheet, &ctx, count, &mut rng, &mut wanted);
        if !injected.is_empty() {
            labelled.sheet = sheet;
            labelled.kind = SheetKind::ItemInflated;
            labelled.injected = injected;
        }
    }
    sheets
}

/// `share` of `total`, rounded, as a count in `0..=total`.
fn whole_share(total: usize, share: f64) -> usize {
    let share = if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 };
    ((total as f64 * share).round() as usize).min(total)
}

/// The points of a rated answer.
fn rated(evaluation: Evaluation) -> Option<Points> {
    match evaluation {
        Evaluation::Rated(p) => Some(p),
        _ => None,
    }
}

// ------------------------------------------------------------------ inflation

/// Everything inflating one sheet needs.
struct Context<'a> {
    catalog: &'a Catalog,
    plans: &'a [ItemPlan],
    size: YearSize,
    family: &'static Family,
    style: SheetStyle,
    /// The month of 回答日, when the cover states it.
    answered: Option<Ym>,
    /// What past dates count back from: 回答日, else the end of the fiscal
    /// year, else a fixed month.
    anchor: Ym,
}

impl<'a> Context<'a> {
    fn new(
        sheet: &Sheet,
        catalog: &'a Catalog,
        plans: &'a [ItemPlan],
        size: YearSize,
        templates: TemplateSet,
    ) -> Context<'a> {
        let answered = sheet.cover.answered_on.map(Ym::of);
        let fiscal_end = sheet.cover.fiscal_year.map(|y| Ym::of(y.last_day()));
        let anchor = answered.or(fiscal_end).unwrap_or(Ym::new(2025, 3));
        Context { catalog, plans, size, family: templates.family(), style: SheetStyle::infer(sheet), answered, anchor }
    }

    fn plan(&self, number: ItemNumber) -> Option<&'a ItemPlan> {
        self.plans.iter().find(|p| p.number == number)
    }

    /// Whether `pattern` may inflate `answer`.
    fn suits(&self, pattern: Pattern, answer: &Answer) -> bool {
        let Some(honest) = rated(answer.evaluation) else { return false };
        if honest == Points::Two || self.plan(answer.item).is_none() {
            return false;
        }
        let Some(item) = self.catalog.item(answer.item) else { return false };
        match pattern {
            Pattern::RaisedKeepingEvidence => !answer.evidence.trim().is_empty(),
            Pattern::PlannedAsDone
            | Pattern::PartialAsDone
            | Pattern::GuessedAsDone
            | Pattern::EmptyEvidence
            | Pattern::NotApplicableWithoutReason => true,
            Pattern::MissingPart => item.parts.len() >= 2,
            Pattern::FutureDate => self.answered.is_some(),
            Pattern::OneWithNothing => honest == Points::Zero,
            Pattern::CapacityClaim => {
                self.size.it_staff == 1 && (capability_tag(item, self.family).is_some() || answer.level == Level::Lv3)
            }
        }
    }

    /// Indices of the answers `pattern` may inflate, leaving out `used`.
    /// Patterns that read most naturally on an item under way (a part done,
    /// a date set) take honest 1s when the sheet has any.
    fn candidates(&self, sheet: &Sheet, pattern: Pattern, used: &BTreeSet<usize>) -> Vec<usize> {
        let all: Vec<usize> = sheet
            .answers
            .iter()
            .enumerate()
            .filter(|(i, a)| !used.contains(i) && self.suits(pattern, a))
            .map(|(i, _)| i)
            .collect();
        if matches!(pattern, Pattern::PartialAsDone | Pattern::MissingPart | Pattern::FutureDate) {
            let ones: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| sheet.answers.get(i).is_some_and(|a| a.evaluation == Evaluation::IN_PROGRESS))
                .collect();
            if !ones.is_empty() {
                return ones;
            }
        }
        all
    }
}

/// The first capability tag of `item` the family has phrases for.
fn capability_tag(item: &Item, family: &Family) -> Option<&'static str> {
    family.capacity.iter().map(|(tag, _)| *tag).find(|tag| tag.starts_with("cap-") && item.has_tag(tag))
}

/// Inflates up to `count` items. The first item takes the first pattern of
/// `wanted` the sheet allows (and removes it from `wanted`); the others are
/// drawn by weight.
fn inflate(
    sheet: &Sheet,
    ctx: &Context<'_>,
    count: usize,
    rng: &mut Rng,
    wanted: &mut Vec<Pattern>,
) -> (Sheet, Vec<InjectedItem>) {
    // Choices and wording draw from separate streams, so the choices do not
    // depend on the template set.
    let mut pick = Rng::new(rng.next_u64());
    let mut text = Rng::new(rng.next_u64());
    let mut out = sheet.clone();
    let mut injected = Vec::new();
    let mut used = BTreeSet::new();
    for round in 0..count.min(MAX_INFLATED_ITEMS) {
        let options: Vec<(Pattern, Vec<usize>)> =
            Pattern::ALL.iter().map(|&p| (p, ctx.candidates(sheet, p, &used))).filter(|(_, c)| !c.is_empty()).collect();
        let preferred = if round == 0 { wanted.iter().position(|w| options.iter().any(|(p, _)| p == w)) } else { None };
        let chosen = match preferred {
            Some(at) => {
                let pattern = wanted.remove(at);
                options.iter().find(|(p, _)| *p == pattern)
            }
            None => weighted(&options, &mut pick),
        };
        let Some((pattern, candidates)) = chosen else { break };
        let Some(&index) = pick.pick(candidates) else { break };
        let (Some(answer), Some(slot)) = (sheet.answers.get(index), out.answers.get_mut(index)) else { break };
        let (Some(item), Some(plan)) = (ctx.catalog.item(answer.item), ctx.plan(answer.item)) else { break };
        let (claimed, evidence, suggested) = apply(*pattern, answer, item, plan, ctx, &mut text);
        slot.evaluation = claimed;
        slot.evidence = evidence;
        injected.push(InjectedItem {
            item: answer.item,
            pattern: *pattern,
            honest: answer.evaluation,
            claimed,
            suggested,
        });
        used.insert(index);
    }
    injected.sort_by_key(|i| i.item);
    (out, injected)
}

/// One option by pattern weight.
fn weighted<'o>(options: &'o [(Pattern, Vec<usize>)], rng: &mut Rng) -> Option<&'o (Pattern, Vec<usize>)> {
    let total: usize = options.iter().map(|(p, _)| p.weight()).sum();
    let mut x = rng.below(total);
    for option in options {
        let w = option.0.weight();
        if x < w {
            return Some(option);
        }
        x -= w;
    }
    options.first()
}

/// The claimed answer, its evidence and the score an honest reviewer would
/// give.
fn apply(
    pattern: Pattern,
    answer: &Answer,
    item: &Item,
    plan: &ItemPlan,
    ctx: &Context<'_>,
    rng: &mut Rng,
) -> (Evaluation, String, Option<Points>) {
    let honest = rated(answer.evaluation);
    let family = ctx.family;
    let mut w = Writer::new(ctx, plan, item, rng);
    match pattern {
        Pattern::RaisedKeepingEvidence => (Evaluation::DONE, answer.evidence.clone(), honest),
        Pattern::PlannedAsDone => {
            let list = if honest == Some(Points::Zero) { family.planned_not_started } else { family.planned_underway };
            (Evaluation::DONE, w.one(list), honest)
        }
        Pattern::PartialAsDone => (Evaluation::DONE, w.one(family.partial), Some(Points::One)),
        Pattern::GuessedAsDone => (Evaluation::DONE, w.one(family.guessed), None),
        Pattern::EmptyEvidence => (Evaluation::DONE, w.one(family.empty), None),
        Pattern::MissingPart => (Evaluation::DONE, w.missing_part(), Some(Points::One)),
        Pattern::FutureDate => (Evaluation::DONE, w.one(family.future), Some(Points::One)),
        Pattern::NotApplicableWithoutReason => {
            let mut groups = vec![family.na_bare];
            if ctx.size.employees < SMALL_COMPANY {
                groups.push(family.na_size);
            }
            if item.has_tag("universal") {
                groups.push(family.na_universal);
            }
            let list = w.rng.pick(&groups).copied().unwrap_or(family.na_bare);
            (Evaluation::NotApplicable, w.one(list), None)
        }
        Pattern::OneWithNothing => (Evaluation::IN_PROGRESS, w.one(family.nothing), Some(Points::Zero)),
        Pattern::CapacityClaim => {
            let tag = capability_tag(item, family).unwrap_or("lv3");
            (Evaluation::DONE, w.one(family.capacity_for(tag)), None)
        }
    }
}

// ------------------------------------------------------------------ wording

/// How a sheet's respondent writes, read off the sheet itself so inflated
/// texts do not stand out by style alone.
#[derive(Debug, Clone)]
struct SheetStyle {
    /// Most texts end with 「。」.
    period: bool,
    /// Digits are written full width.
    fullwidth: bool,
    /// 「済」 or 「済み」.
    zumi: &'static str,
    /// Share of dated texts written in the Japanese era.
    era_share: f64,
    /// Dates like 2023/4 occur.
    slash: bool,
    /// Sentences are broken over lines.
    line_breaks: bool,
}

impl SheetStyle {
    fn infer(sheet: &Sheet) -> SheetStyle {
        let texts: Vec<&str> =
            sheet.answers.iter().map(|a| a.evidence.as_str()).filter(|t| !t.trim().is_empty()).collect();
        let count = |f: &dyn Fn(&str) -> bool| texts.iter().filter(|t| f(t)).count();
        let with_period = count(&|t| t.ends_with('。'));
        let zumi_mi: usize = texts.iter().map(|t| t.matches("済み").count()).sum();
        let zumi_all: usize = texts.iter().map(|t| t.matches('済').count()).sum();
        let era = count(&|t| t.contains("令和") || t.contains("平成"));
        let dated = count(&|t| t.contains('年') || t.contains('/') || t.contains('／'));
        SheetStyle {
            period: with_period * 2 > texts.len(),
            fullwidth: texts.iter().any(|t| t.chars().any(|c| ('０'..='９').contains(&c))),
            zumi: if zumi_mi * 2 > zumi_all { "済み" } else { "済" },
            era_share: if dated == 0 { 0.0 } else { era as f64 / dated as f64 },
            slash: texts.iter().any(|t| t.contains('/') || t.contains('／')),
            line_breaks: texts.iter().any(|t| t.contains("。\n")),
        }
    }
}

/// How the dates of one text are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateFmt {
    /// 2023年4月.
    Western,
    /// 令和5年4月.
    Era,
    /// 2023/4.
    Slash,
}

/// Fills templates for one item.
struct Writer<'a, 'r> {
    ctx: &'a Context<'a>,
    plan: &'a ItemPlan,
    item: &'a Item,
    rng: &'r mut Rng,
    noun: String,
    fmt: DateFmt,
    /// Sites in all, once `{k}` has been filled.
    sites: i64,
    /// The covered part (`{w}`).
    covered: String,
    /// The missing part (`{x}`).
    missing: String,
}

impl<'a, 'r> Writer<'a, 'r> {
    fn new(ctx: &'a Context<'a>, plan: &'a ItemPlan, item: &'a Item, rng: &'r mut Rng) -> Writer<'a, 'r> {
        let noun = if plan.kind == Kind::Review {
            plan.object.clone()
        } else {
            rng.pick(&plan.nouns).cloned().unwrap_or_else(|| plan.object.clone())
        };
        let style = &ctx.style;
        let fmt = if rng.chance(style.era_share) {
            DateFmt::Era
        } else if style.slash && rng.chance(0.3) {
            DateFmt::Slash
        } else {
            DateFmt::Western
        };
        Writer { ctx, plan, item, rng, noun, fmt, sites: 3, covered: String::new(), missing: String::new() }
    }

    /// One template of `list`, filled and styled.
    fn one(&mut self, list: &[&str]) -> String {
        let template = self.rng.pick(list).copied().unwrap_or("");
        let text = self.fill(template);
        self.finish(vec![text])
    }

    /// Clauses for the covered parts of a multi-part item, and for the
    /// missing one either a denial or nothing at all.
    fn missing_part(&mut self) -> String {
        let parts = &self.item.parts;
        let mut order: Vec<usize> = (0..parts.len()).collect();
        self.rng.shuffle(&mut order);
        // The missing part must not be named by the covered parts' labels
        // (「消去記録」 would say the erasing was done).
        let clean = |m: usize| {
            let covered: String =
                parts.iter().enumerate().filter(|(i, _)| *i != m).map(|(_, p)| normalize(&p.label_ja)).collect();
            let covered = covered.to_lowercase();
            parts.get(m).is_some_and(|p| {
                !p.synonyms.iter().any(|s| !s.trim().is_empty() && covered.contains(&normalize(s).to_lowercase()))
            })
        };
        let valid = order.iter().copied().find(|&m| clean(m));
        let missing = valid.or(order.first().copied()).unwrap_or(0);
        let family = self.ctx.family;
        let mut sentences = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if i == missing {
                continue;
            }
            self.covered = labelled_part(part, self.rng);
            let template = self.rng.pick_str(family.part_covered);
            let clause = self.fill(template);
            sentences.push(clause);
        }
        if valid.is_none() || self.rng.chance(0.6) {
            self.missing = parts.get(missing).map(|p| p.label_ja.clone()).unwrap_or_default();
            let template = self.rng.pick_str(family.part_denied);
            let clause = self.fill(template);
            sentences.push(clause);
        }
        self.finish(sentences)
    }

    fn finish(&self, sentences: Vec<String>) -> String {
        let style = &self.ctx.style;
        let joiner = if style.line_breaks && sentences.len() > 1 { "。\n" } else { "。" };
        let mut text = sentences.join(joiner);
        if style.period && text.chars().count() >= 6 && !text.ends_with('。') {
            text.push('。');
        }
        if style.fullwidth { to_fullwidth_digits(&text) } else { text }
    }

    fn fill(&mut self, template: &str) -> String {
        crate::evidence::fill_template(template, |key, out| self.slot(key, out))
    }

    fn slot(&mut self, key: &str, out: &mut String) {
        let plan = self.plan;
        match key {
            "n" => out.push_str(&self.noun),
            "o" => out.push_str(&plan.object),
            "s" if known_subject(self.item) => out.push_str(self.item.subject_ja.trim()),
            "s" | "g" => out.push_str(plan.topic.generic),
            "a" => out.push_str(if plan.topic.area == "リスク" { "リスク管理" } else { plan.topic.area }),
            "vn" => out.push_str(plan.kind.verb_noun()),
            "vs" => out.push_str(if plan.kind == Kind::Agreement { "締結" } else { plan.kind.verb_noun() }),
            "pv" => out.push_str(if plan.kind == Kind::Rule { "適用" } else { plan.kind.verb_noun() }),
            "z" => out.push_str(self.ctx.style.zumi),
            "d" => {
                let back = i32::try_from(self.rng.range(3, 40)).unwrap_or(12);
                self.date(self.ctx.anchor.plus(-back), out);
            }
            "fd" => {
                let ahead = i32::try_from(self.rng.range(1, 14)).unwrap_or(6);
                self.date(self.ctx.answered.unwrap_or(self.ctx.anchor).plus(ahead), out);
            }
            "k" => {
                self.sites = self.rng.range(2, 5);
                let _ = write!(out, "{}", self.sites);
            }
            "j" => {
                let _ = write!(out, "{}", self.rng.range(1, self.sites - 1));
            }
            "pc" => {
                let _ = write!(out, "{}", self.rng.range(3, 8) * 10);
            }
            "w" => out.push_str(&self.covered),
            "x" => out.push_str(&self.missing),
            other => {
                // Unknown slot: leave it visible so tests catch it.
                let _ = write!(out, "{{{other}}}");
            }
        }
    }

    fn date(&self, at: Ym, out: &mut String) {
        let (y, m) = (at.year(), at.month());
        let _ = match self.fmt {
            DateFmt::Western => write!(out, "{y}年{m}月"),
            DateFmt::Era => write!(out, "{}{m}月", era_year(y, m)),
            DateFmt::Slash => write!(out, "{y}/{m}"),
        };
    }
}

/// A part's label, with one of its synonyms added when the label itself
/// contains none (so the part is recognisably mentioned).
fn labelled_part(part: &hyoka_model::catalog::Part, rng: &mut Rng) -> String {
    let label = normalize(&part.label_ja).to_lowercase();
    let named = part.synonyms.iter().any(|s| !s.trim().is_empty() && label.contains(&normalize(s).to_lowercase()));
    let synonyms: Vec<&String> = part.synonyms.iter().filter(|s| !s.trim().is_empty()).collect();
    match rng.pick(&synonyms) {
        Some(word) if !named => format!("{}（{word}）", part.label_ja),
        _ => part.label_ja.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Literal pieces of a template between its slots.
    fn literals(template: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push(rest[..open].to_owned());
            let Some(close) = rest[open..].find('}') else { break };
            rest = &rest[open + close + 1..];
        }
        out.push(rest.to_owned());
        out.into_iter().filter(|s| !s.is_empty()).collect()
    }

    #[test]
    fn families_share_no_template_and_no_literal_piece() {
        let tuning = TUNING.all();
        let held_out = HELD_OUT.all();
        for t in &tuning {
            assert!(!held_out.contains(t), "shared template {t:?}");
        }
        for (ours, theirs) in [(&tuning, &held_out), (&held_out, &tuning)] {
            for t in ours.iter() {
                for piece in literals(t) {
                    if piece.chars().count() < 3 {
                        continue;
                    }
                    let hit = theirs.iter().find(|o| o.contains(piece.as_str()));
                    assert!(hit.is_none(), "{piece:?} of {t:?} also in {hit:?}");
                }
            }
        }
    }

    #[test]
    fn held_out_is_at_least_as_varied() {
        for pattern in Pattern::ALL {
            let (t, h) =
                (phrase_templates(pattern, TemplateSet::Tuning), phrase_templates(pattern, TemplateSet::HeldOut));
            assert!(h.len() >= t.len(), "{pattern:?}: {} < {}", h.len(), t.len());
            if pattern != Pattern::RaisedKeepingEvidence {
                assert!(t.len() >= 4, "{pattern:?}");
            }
        }
        for f in [&TUNING, &HELD_OUT] {
            for tag in ["cap-24x7", "cap-soc", "cap-csirt", "cap-sod", "cap-audit", "cap-committee", "lv3"] {
                assert!(!f.capacity_for(tag).is_empty(), "{tag}");
            }
        }
    }

    #[test]
    fn templates_use_known_slots_only() {
        let known = ["n", "o", "s", "g", "a", "vn", "vs", "pv", "z", "d", "fd", "k", "j", "pc", "w", "x"];
        for t in TUNING.all().into_iter().chain(HELD_OUT.all()) {
            let mut rest = t;
            while let Some(open) = rest.find('{') {
                let Some(close) = rest[open..].find('}') else { panic!("unclosed slot in {t:?}") };
                let key = &rest[open + 1..open + close];
                assert!(known.contains(&key), "{key} in {t:?}");
                rest = &rest[open + close + 1..];
            }
            assert!(!rest.contains('}'), "{t:?}");
        }
        for f in [&TUNING, &HELD_OUT] {
            // {j} needs {k} first; future dates alone in FutureDate texts.
            for t in f.all() {
                if let Some(j) = t.find("{j}") {
                    assert!(t.find("{k}").is_some_and(|k| k < j), "{t:?}");
                }
            }
            for t in f.future {
                assert!(t.contains("{fd}") && !t.contains("{d}"), "{t:?}");
            }
            for t in f.part_covered.iter().chain(f.part_denied) {
                assert!(t.contains("{w}") || t.contains("{x}"), "{t:?}");
            }
        }
    }

    #[test]
    fn missing_part_phrases_name_no_part() {
        let Ok(catalog) = Catalog::builtin() else { panic!("catalog") };
        let synonyms: Vec<String> = catalog
            .items
            .iter()
            .flat_map(|i| &i.parts)
            .flat_map(|p| &p.synonyms)
            .filter(|s| !s.trim().is_empty())
            .map(|s| normalize(s).to_lowercase())
            .collect();
        for f in [&TUNING, &HELD_OUT] {
            for t in f.part_covered.iter().chain(f.part_denied) {
                for piece in literals(t) {
                    let piece = normalize(&piece).to_lowercase();
                    assert!(!synonyms.iter().any(|s| piece.contains(s.as_str())), "{t:?} names a part");
                }
            }
        }
    }
}
