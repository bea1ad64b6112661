//! Multi-year group scenarios with ground truth: the yardstick of the
//! group-level detector (size cohorts, year over year, copied evidence).
//!
//! [`group_scenario`] generates every company's honest sheet for every
//! year of a [`GroupScenarioSpec`], lays group-wide [`Rollout`]s over them,
//! and then, in the **last** year only, makes some companies over-rate:
//!
//! - **uniform inflation** (share `share_uniform`): every 0 and 1 raised by
//!   one with the evidence unchanged ([`inflate_uniformly`]); about a third
//!   of these companies also touch up a few of their raised texts (worded
//!   from the spec's [`TemplateSet`]);
//! - **copying** (share `share_copying`): the evidence of 5–20 items copied
//!   verbatim or nearly (a name, a month, 当社/弊社, 済/済み, punctuation)
//!   from another, honest company of the group, together with its score;
//! - **0→2 jumps** (share `share_jumping`): on 1–4 items last year's 0
//!   evidence is kept word for word (or nearly) while the score becomes 2.
//!
//! Shares are of all companies, rounded to whole companies (uniform first,
//! then copying, then jumping, together at most the whole group). The three
//! groups are disjoint and drawn from a fixed shuffle of the seed, each
//! taking companies that can over-rate that way (at least three 0s or 1s to
//! raise; a previous year with a 0 to keep), so a group can have fewer
//! jumping companies than asked when too few have one; every other company
//! is honest and only honest companies are copied from. Earlier years are
//! honest everywhere, so a detector compares the last year with the one
//! before. With a single year there are no jumps.
//!
//! Honest look-alikes are part of the scenario on purpose: the generator's
//! own maturity moves items 1→2 (and now and then 0→2) with new evidence,
//! honest companies write alike from the same phrase stock, and
//! [`Rollout`]s make a third or more of the group claim 2 on the same
//! items in the same year with the same words (「グループ共通のEDR…を親会社
//! 主導で…全社導入」). None of these is in the ground truth; items of a
//! rollout are never chosen for copying or jumps.
//!
//! Everything follows from the seed. The template set changes only the
//! wording of touched-up texts: the same spec with the other set gives the
//! same companies, scores, items and truth.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate};
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FiscalYear, ItemNumber, Level, Points};
use hyoka_model::sheet::Sheet;
use serde::Serialize;

use crate::company::{SyntheticCompany, YearSize, stream};
use crate::group::{Generator, GroupSpec};
use crate::overrating::{InjectedItem, Pattern, TemplateSet, inflate_uniformly, reword};
use crate::rng::Rng;

/// Prefix of the company codes of a scenario: `GRP-001`, `GRP-002`, ….
pub const SCENARIO_CODE_PREFIX: &str = "GRP-";

/// Sub-streams of [`stream::SCENARIO`].
mod key {
    pub const ROLES: u64 = 1;
    pub const ROLLOUTS: u64 = 2;
    pub const UNIFORM: u64 = 3;
    pub const UNIFORM_TEXT: u64 = 4;
    pub const COPYING: u64 = 5;
    pub const JUMPING: u64 = 6;
    pub const COHORT: u64 = 7;
    pub const UNDATED: u64 = 8;
    pub const HOUSE: u64 = 9;
    pub const UPLOAD: u64 = 10;
}

/// Share of uniformly inflating companies that also rewrite a few texts.
const REWRITE_SHARE: f64 = 0.35;
/// Patterns a uniformly inflating company touches a raised 1→2 text up with.
const REWRITE_PATTERNS: [Pattern; 4] =
    [Pattern::PlannedAsDone, Pattern::PartialAsDone, Pattern::GuessedAsDone, Pattern::EmptyEvidence];
/// Fewest and most items a copying company copies.
const COPIED_ITEMS: (i64, i64) = (5, 20);
/// Fewest and most items a jumping company jumps 0→2.
const JUMPED_ITEMS: (i64, i64) = (1, 4);
/// Shortest source text worth copying (in characters).
const MIN_COPIED_CHARS: usize = 12;
/// Fewest 0s and 1s a uniformly inflating company has to raise.
const MIN_RAISABLE: usize = 3;
/// Share of 0s on its items (the year before) that makes a standard needed.
const NEEDED_ZERO_SHARE: f64 = 0.2;
/// Smallest share of the group that adopts a rollout.
const MIN_ROLLOUT_SHARE: f64 = 0.3;

/// What group scenario to build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScenarioSpec {
    /// Everything follows from this seed (the honest sheets are those of a
    /// [`Generator`] with this seed, see [`GroupScenarioSpec::group_spec`]).
    pub seed: u64,
    /// Number of companies.
    pub companies: usize,
    /// Fiscal years, e.g. 2 or 3 consecutive ones; each company has a sheet
    /// for each. Order and duplicates do not matter: the latest is the year
    /// with the over-rating.
    pub years: Vec<FiscalYear>,
    /// Share of companies whose last-year sheet raises every 0 and 1 by one
    /// (of all companies, rounded to whole companies; clamped to 0–1).
    pub share_uniform: f64,
    /// Share of companies that copy another company's evidence in the last
    /// year (of all companies; at most those left after the uniform ones).
    pub share_copying: f64,
    /// Share of companies with 0→2 jumps keeping last year's evidence (of
    /// all companies; at most those left after the uniform and copying ones).
    pub share_jumping: f64,
    /// The phrase family of touched-up inflated texts.
    pub templates: TemplateSet,
    /// Number of group-wide rollouts over the years (at most one per group
    /// standard, eight in all; the first falls in the last year).
    pub rollouts: usize,
    /// Small companies (the smallest, ≤ 40 employees where there are enough,
    /// one IT person) that inflate together in the last year: most of their
    /// Lv2/Lv3 answers below 2 become 2 with a short done-sounding text.
    /// Taken before the other kinds.
    pub cohort_inflators: usize,
    /// Share of honest companies whose sheets (every year) leave 回答日
    /// empty; each gets 1–2 honest improvements completed after last
    /// year's real answer and before that fiscal year's end.
    pub share_undated: f64,
    /// Every company writes its own house names (its rule, system and
    /// department) into some of its done answers, so a copy carries the
    /// source's names.
    pub house_names: bool,
}

impl GroupScenarioSpec {
    /// Default share of each kind of over-rating company.
    pub const DEFAULT_SHARE: f64 = 0.1;
    /// Default number of group-wide rollouts.
    pub const DEFAULT_ROLLOUTS: usize = 3;

    /// A scenario of `companies` companies answering in each of `years`,
    /// 10 % of them inflating uniformly, 10 % copying, 10 % jumping,
    /// [`DEFAULT_ROLLOUTS`](Self::DEFAULT_ROLLOUTS) rollouts, touched-up
    /// texts worded from [`TemplateSet::Tuning`].
    pub fn new(seed: u64, companies: usize, years: Vec<FiscalYear>) -> GroupScenarioSpec {
        GroupScenarioSpec {
            seed,
            companies,
            years,
            share_uniform: Self::DEFAULT_SHARE,
            share_copying: Self::DEFAULT_SHARE,
            share_jumping: Self::DEFAULT_SHARE,
            templates: TemplateSet::Tuning,
            rollouts: Self::DEFAULT_ROLLOUTS,
            cohort_inflators: 0,
            share_undated: 0.0,
            house_names: false,
        }
    }

    /// [`GroupScenarioSpec::new`] with `count` consecutive fiscal years from
    /// `first` (stopping at the last year [`FiscalYear`] accepts).
    pub fn consecutive(seed: u64, companies: usize, first: FiscalYear, count: usize) -> GroupScenarioSpec {
        let years = (first.get()..).take(count).map_while(|y| FiscalYear::new(y).ok()).collect();
        GroupScenarioSpec::new(seed, companies, years)
    }

    /// The same spec with touched-up texts worded from `templates`.
    pub fn with_templates(mut self, templates: TemplateSet) -> GroupScenarioSpec {
        self.templates = templates;
        self
    }

    /// The same spec with other shares of uniform, copying and jumping
    /// companies.
    pub fn with_shares(mut self, uniform: f64, copying: f64, jumping: f64) -> GroupScenarioSpec {
        self.share_uniform = uniform;
        self.share_copying = copying;
        self.share_jumping = jumping;
        self
    }

    /// The same spec with the cases part 4 of the detector answers: `inflators`
    /// small companies inflating together, `undated` of the honest
    /// companies without 回答日 (with honest improvements in the gap), and
    /// house names in every company's texts.
    pub fn with_part4(mut self, inflators: usize, undated: f64) -> GroupScenarioSpec {
        self.cohort_inflators = inflators;
        self.share_undated = undated;
        self.house_names = true;
        self
    }

    /// The same spec with another number of rollouts.
    pub fn with_rollouts(mut self, rollouts: usize) -> GroupScenarioSpec {
        self.rollouts = rollouts;
        self
    }

    /// The years in order, without duplicates: the order of a company's
    /// sheets in [`GroupScenario::sheets`].
    pub fn sorted_years(&self) -> Vec<FiscalYear> {
        let set: BTreeSet<FiscalYear> = self.years.iter().copied().collect();
        set.into_iter().collect()
    }

    /// The year with the over-rating: the latest.
    pub fn last_year(&self) -> Option<FiscalYear> {
        self.years.iter().copied().max()
    }

    /// The honest group underneath: a [`GroupSpec`] with the same seed,
    /// companies and (sorted) years, codes [`SCENARIO_CODE_PREFIX`]`001`, ….
    /// Its [`Generator`] gives every sheet before rollouts and over-rating.
    pub fn group_spec(&self) -> GroupSpec {
        GroupSpec::new(self.seed, self.companies, self.sorted_years()).with_code_prefix(SCENARIO_CODE_PREFIX)
    }
}

/// Ground truth of one scenario sheet. Empty (honest) for every year but
/// the last.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SheetTruth {
    /// Every 0 and 1 was raised by one (most evidence unchanged).
    pub uniform_inflation: bool,
    /// One of [`GroupScenarioSpec::cohort_inflators`]: most Lv2/Lv3
    /// answers below 2 raised to 2 with short done-sounding texts.
    pub cohort_inflation: bool,
    /// Items whose evidence was copied from [`SheetTruth::copied_from`],
    /// by item number.
    pub copied_items: Vec<ItemNumber>,
    /// The company the evidence was copied from (its `company_index`).
    pub copied_from: Option<usize>,
    /// Items raised to 2 from last year's 0 with last year's evidence kept
    /// (verbatim or nearly), by item number.
    pub jumped_items: Vec<ItemNumber>,
    /// Every raised score with how it was raised, by item number: each
    /// raised item of a uniformly inflating sheet
    /// ([`Pattern::RaisedKeepingEvidence`], or the pattern of a touched-up
    /// text) and each jumped item ([`Pattern::RaisedKeepingEvidence`], the
    /// honest answer being this year's). Copied items are not in this list
    /// (no [`Pattern`] describes copying): see `copied_items`.
    pub injected: Vec<InjectedItem>,
}

impl SheetTruth {
    /// Nothing over-rated on this sheet.
    pub fn is_honest(&self) -> bool {
        !self.uniform_inflation
            && !self.cohort_inflation
            && self.copied_items.is_empty()
            && self.jumped_items.is_empty()
    }
}

/// One sheet of a [`GroupScenario`] with its ground truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioSheet {
    /// Index of the company in the group.
    pub company_index: usize,
    /// The fiscal year.
    pub year: FiscalYear,
    /// The company's employees and IT staff that year.
    pub company_size: YearSize,
    /// The sheet as submitted.
    pub sheet: Sheet,
    /// The day it was uploaded (a few days after it was answered; a copier
    /// usually uploads after its source).
    pub uploaded_on: NaiveDate,
    /// Items improved honestly after last year's (unwritten) 回答日 and
    /// before that fiscal year ended, dated in the gap.
    pub window_improvements: Vec<ItemNumber>,
    /// What was over-rated (last year only).
    pub truth: SheetTruth,
}

/// One item of a [`Rollout`] and the parent's wording of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloutItem {
    /// The item.
    pub item: ItemNumber,
    /// The evidence every adopter writes (verbatim, with a closing 「。」
    /// where the company usually writes one).
    pub evidence: String,
}

/// A group standard adopted by many companies in one year, honestly: the
/// adopters claim 2 on its items with the same words from that year on.
/// Not copying and not a suspicious jump; never in the ground truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rollout {
    /// What the standard is (「グループ共通EDRの全社導入」…).
    pub name: String,
    /// The fiscal year it was adopted in.
    pub year: FiscalYear,
    /// Its items and their wording.
    pub items: Vec<RolloutItem>,
    /// The adopting companies (at least 30 % of the group), ascending.
    pub companies: Vec<usize>,
}

impl Rollout {
    /// Whether `company_index` adopted the standard.
    pub fn adopted_by(&self, company_index: usize) -> bool {
        self.companies.binary_search(&company_index).is_ok()
    }

    /// Whether `item` is one of the standard's items.
    pub fn covers(&self, item: ItemNumber) -> bool {
        self.items.iter().any(|i| i.item == item)
    }
}

/// A generated group scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScenario {
    /// What was generated.
    pub spec: GroupScenarioSpec,
    /// The companies.
    pub companies: Vec<SyntheticCompany>,
    /// One sheet per company and year, company by company, years ascending.
    pub sheets: Vec<ScenarioSheet>,
    /// The group-wide rollouts, in the order they were drawn.
    pub rollouts: Vec<Rollout>,
}

impl GroupScenario {
    /// The sheet of `company_index` for `year`.
    pub fn sheet(&self, company_index: usize, year: FiscalYear) -> Option<&ScenarioSheet> {
        let years = self.spec.sorted_years();
        let at = years.binary_search(&year).ok()?;
        self.sheets.get(company_index.checked_mul(years.len())?.checked_add(at)?)
    }

    /// The sheets of the last year, company by company.
    pub fn last_year_sheets(&self) -> impl Iterator<Item = &ScenarioSheet> + '_ {
        let last = self.spec.last_year();
        self.sheets.iter().filter(move |s| Some(s.year) == last)
    }
}

// ------------------------------------------------------------------ rollouts

/// A group standard the parent may roll out.
struct Standard {
    name: &'static str,
    /// Products one of which fills `{p}`.
    products: &'static [&'static str],
    /// Items and wording; `{y}` year, `{m}` month, `{p}` product.
    items: &'static [(u16, &'static str)],
}

/// The group standards; no item belongs to two.
const STANDARDS: &[Standard] = &[
    Standard {
        name: "グループ共通EDRの全社導入",
        products: &["Microsoft Defender for Endpoint", "CrowdStrike Falcon", "Cybereason EDR", "Trend Vision One"],
        items: &[
            (
                136,
                "グループ共通のEDR（{p}）を親会社主導で{y}年{m}月に全社導入。定義ファイルとスキャンは親会社が一元管理",
            ),
            (142, "グループ共通のEDR（{p}）を親会社主導で{y}年{m}月に全社導入し、不審な通信・挙動を検知・遮断"),
            (145, "グループ共通のEDR（{p}）の検知アラートは親会社のSOCが24時間監視し、当社へ即時通知（{y}年{m}月〜）"),
        ],
    },
    Standard {
        name: "親会社の情報セキュリティ規程への準拠",
        products: &[],
        items: &[
            (1, "親会社の情報セキュリティ基本方針に準拠し、{y}年{m}月に当社の基本方針として制定"),
            (54, "親会社の情報セキュリティ規程（情報管理編）に準拠し、{y}年{m}月に当社規程を改定"),
            (59, "親会社の情報セキュリティ規程（IT機器・ソフトウェア管理編）に準拠し、{y}年{m}月に当社規程を改定"),
            (76, "親会社の情報セキュリティ規程（クラウドサービス利用基準）に準拠し、{y}年{m}月から適用"),
        ],
    },
    Standard {
        name: "グループ共通eラーニング",
        products: &[],
        items: &[
            (28, "グループ共通のeラーニング（標的型メール編）を{y}年度から全従業員に実施"),
            (29, "グループ共通のeラーニング（Web閲覧編）を{y}年度から全従業員に実施"),
            (34, "親会社主催のグループ情報セキュリティ月間（{y}年{m}月）に全従業員が参加。以後毎年実施"),
        ],
    },
    Standard {
        name: "グループ統合認証基盤と多要素認証",
        products: &["Microsoft Entra ID", "Okta", "HENNGE One"],
        items: &[
            (115, "グループ共通パスワードポリシー（{y}年{m}月改定）をグループ統合認証基盤（{p}）で強制適用"),
            (120, "グループ統合認証基盤（{p}）による多要素認証を{y}年{m}月にリモート接続と管理者アカウントへ適用"),
        ],
    },
    Standard {
        name: "グループ共通メールセキュリティ",
        products: &["Proofpoint", "Microsoft Defender for Office 365", "m-FILTER", "Trend Micro Email Security"],
        items: &[
            (
                139,
                "グループ共通のメールセキュリティゲートウェイ（{p}）を{y}年{m}月に導入し、全受信メールの添付ファイル・URLを検査",
            ),
            (
                130,
                "外部から受け取ったファイルはグループ共通のメールセキュリティゲートウェイ（{p}）で検査・無害化（{y}年{m}月〜）",
            ),
        ],
    },
    Standard {
        name: "グループ共通セキュアWebゲートウェイ",
        products: &["Zscaler Internet Access", "Netskope", "i-FILTER@Cloud"],
        items: &[
            (
                108,
                "グループ共通のセキュアWebゲートウェイ（{p}）を親会社主導で{y}年{m}月に全社導入し、不正サイトへのアクセスを制限",
            ),
            (146, "グループ共通のセキュアWebゲートウェイ（{p}）で不正サーバへの通信を遮断（{y}年{m}月導入）"),
        ],
    },
    Standard {
        name: "親会社指定のIT資産管理ツール",
        products: &["SKYSEA Client View", "LANSCOPE", "MaLion"],
        items: &[
            (60, "親会社指定のIT資産管理ツール（{p}）で全PC・サーバを台帳管理（{y}年{m}月導入）"),
            (
                98,
                "親会社指定のIT資産管理ツール（{p}）で許可ソフトウェア一覧を管理し、それ以外の導入を制限（{y}年{m}月〜）",
            ),
            (102, "親会社指定のIT資産管理ツール（{p}）で未許可ソフトウェアを検出し削除（{y}年{m}月〜）"),
        ],
    },
    Standard {
        name: "グループインシデント対応規程",
        products: &[],
        items: &[
            (18, "親会社のグループインシデント対応規程（{y}年{m}月制定）に準拠し、連絡先・連絡ルートと役割を定めた"),
            (24, "親会社のグループインシデント対応規程（{y}年{m}月制定）に準拠し、当社のインシデント対応手順を策定"),
        ],
    },
];

/// Draws the rollouts and writes them into the adopters' sheets (company
/// by company, `years` ascending): standards without repetition, the first
/// in the last year, the others in any year; each adopted by 35–70 % of the
/// companies (at least 30 %), mostly those that lacked it the year before
/// (the parent rolls its standard out where it is missing). Items missing
/// from the sheets are left out.
fn roll_out(
    spec: &GroupScenarioSpec,
    years: &[FiscalYear],
    sheets: &mut [ScenarioSheet],
    companies: &[SyntheticCompany],
    items: &BTreeSet<ItemNumber>,
) -> Vec<Rollout> {
    let (Some(&last), n, ny) = (years.last(), companies.len(), years.len()) else { return Vec::new() };
    if n == 0 {
        return Vec::new();
    }
    let mut rng = Rng::derive(spec.seed, &[stream::SCENARIO, key::ROLLOUTS]);
    let mut order: Vec<usize> = (0..STANDARDS.len()).collect();
    rng.shuffle(&mut order);
    // The last year's rollout is one the group needs: the first standard
    // (in shuffled order) whose items many companies had not started the
    // year before, else the most needed one, so that it makes many honest
    // 0→2 jumps in the year the detector looks at.
    if ny >= 2 {
        let zeros = |s: &Standard| {
            let mut count = 0usize;
            for c in 0..n {
                let Some(x) = sheets.get(c * ny + ny - 2) else { continue };
                count += x
                    .sheet
                    .answers
                    .iter()
                    .filter(|a| a.evaluation == Evaluation::NOT_DONE && s.items.iter().any(|(i, _)| *i == a.item.get()))
                    .count();
            }
            count as f64 / (n * s.items.len().max(1)) as f64
        };
        let shares: Vec<f64> = order.iter().map(|&s| STANDARDS.get(s).map_or(0.0, zeros)).collect();
        let most = shares.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
        let first = shares.iter().position(|&z| z >= NEEDED_ZERO_SHARE).unwrap_or(most);
        let chosen = order.remove(first);
        order.insert(0, chosen);
    }
    let mut rollouts = Vec::new();
    for (k, &s) in order.iter().take(spec.rollouts).enumerate() {
        let Some(standard) = STANDARDS.get(s) else { continue };
        let y = if k == 0 { ny - 1 } else { rng.below(ny) };
        let year = years.get(y).copied().unwrap_or(last);
        let month = rng.range(4, 6);
        let product = rng.pick_str(standard.products);
        let share = 0.35 + 0.35 * rng.unit();
        let minimum = (n as f64 * MIN_ROLLOUT_SHARE).ceil() as usize;
        let count = ((n as f64 * share).round() as usize).max(minimum).min(n);
        let rollout_items: Vec<RolloutItem> = standard
            .items
            .iter()
            .filter_map(|&(number, template)| {
                let item = ItemNumber::new(number).ok().filter(|i| items.contains(i))?;
                let evidence = template
                    .replace("{y}", &year.get().to_string())
                    .replace("{m}", &month.to_string())
                    .replace("{p}", product);
                Some(RolloutItem { item, evidence })
            })
            .collect();
        // Need: the standard's items not done the year before (or in the
        // first year), plus a random share so that some companies that
        // had it adopt too.
        let before = y.saturating_sub(1);
        let mut keyed: Vec<(f64, usize)> = (0..n)
            .map(|c| {
                let need = sheets.get(c * ny + before).map_or(0, |x| {
                    x.sheet
                        .answers
                        .iter()
                        .filter(|a| a.evaluation != Evaluation::DONE && rollout_items.iter().any(|r| r.item == a.item))
                        .count()
                });
                (need as f64 + 1.5 * rng.unit(), c)
            })
            .collect();
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut adopters: Vec<usize> = keyed.into_iter().take(count).map(|(_, c)| c).collect();
        adopters.sort_unstable();
        for &c in &adopters {
            let period = companies.get(c).is_some_and(|company| company.profile.style.period);
            for later in y..ny {
                let Some(scenario) = sheets.get_mut(c * ny + later) else { continue };
                for ri in &rollout_items {
                    let Some(answer) = scenario.sheet.answers.iter_mut().find(|a| a.item == ri.item) else {
                        continue;
                    };
                    answer.evaluation = Evaluation::DONE;
                    answer.evidence = ri.evidence.clone();
                    if period {
                        answer.evidence.push('。');
                    }
                }
            }
        }
        rollouts.push(Rollout { name: standard.name.to_owned(), year, items: rollout_items, companies: adopters });
    }
    rollouts
}

// ------------------------------------------------------------------ scenario

/// Builds the scenario of `spec`: every company's sheet for every year
/// (company by company, years ascending), the rollouts, and the over-rating
/// of the last year with its ground truth. Deterministic from `spec.seed`;
/// `spec.templates` changes only the wording of touched-up texts.
pub fn group_scenario(spec: &GroupScenarioSpec, catalog: &Catalog) -> GroupScenario {
    let years = spec.sorted_years();
    let generator = Generator::new(spec.group_spec(), catalog);
    let mut sheets: Vec<ScenarioSheet> = generator
        .sheets()
        .map(|g| {
            let company_size = generator.size_of(g.company_index, g.year);
            let mut up =
                Rng::derive(spec.seed, &[stream::SCENARIO, key::UPLOAD, g.company_index as u64, g.year.get() as u64]);
            let answered = g.sheet.cover.answered_on.unwrap_or_else(|| g.year.last_day());
            let uploaded_on = answered.checked_add_days(Days::new(up.below(10) as u64)).unwrap_or(answered);
            ScenarioSheet {
                company_index: g.company_index,
                year: g.year,
                company_size,
                sheet: g.sheet,
                uploaded_on,
                window_improvements: Vec::new(),
                truth: SheetTruth::default(),
            }
        })
        .collect();
    let items: BTreeSet<ItemNumber> = generator.plans().iter().map(|p| p.number).collect();
    let rollouts = roll_out(spec, &years, &mut sheets, generator.companies(), &items);

    let ny = years.len();
    let n = generator.companies().len();
    if ny == 0 || n == 0 {
        return GroupScenario { spec: spec.clone(), companies: generator.companies().to_vec(), sheets, rollouts };
    }
    let last = ny - 1;
    let at = |company: usize, year: usize| company * ny + year;
    let excluded: BTreeSet<ItemNumber> = rollouts.iter().flat_map(|r| r.items.iter().map(|i| i.item)).collect();

    // Who does what: a fixed shuffle of the seed, walked once per kind in
    // turn (uniform, jumping, copying), each taking the next companies that
    // have something to over-rate that way; the rest stay honest.
    let mut order: Vec<usize> = (0..n).collect();
    Rng::derive(spec.seed, &[stream::SCENARIO, key::ROLES]).shuffle(&mut order);
    let uniform = whole_share(n, spec.share_uniform);
    let copying = whole_share(n, spec.share_copying).min(n - uniform);
    let jumping = whole_share(n, spec.share_jumping).min(n - uniform - copying);
    let mut taken = vec![false; n];
    // Several small companies inflating together: the smallest of the
    // group (≤ 40 employees where there are enough), one IT person.
    let cohort_cs: Vec<usize> = {
        let mut small: Vec<(u32, usize)> = (0..n)
            .filter_map(|c| sheets.get(at(c, last)).map(|x| (x.company_size, c)))
            .filter(|(size, _)| size.it_staff <= 1)
            .map(|(size, c)| (size.employees, c))
            .collect();
        small.sort_unstable();
        let chosen: Vec<usize> = small.into_iter().take(spec.cohort_inflators).map(|(_, c)| c).collect();
        for &c in &chosen {
            if let Some(t) = taken.get_mut(c) {
                *t = true;
            }
        }
        chosen
    };
    let mut take = |wanted: usize, eligible: &dyn Fn(usize) -> bool| -> Vec<usize> {
        let mut out = Vec::new();
        for &c in &order {
            if out.len() >= wanted {
                break;
            }
            if taken.get(c) == Some(&false) && eligible(c) {
                taken[c] = true;
                out.push(c);
            }
        }
        out
    };
    let raisable = |c: usize| {
        sheets.get(at(c, last)).is_some_and(|x| {
            x.sheet
                .answers
                .iter()
                .filter(|a| matches!(a.evaluation, Evaluation::Rated(Points::Zero | Points::One)))
                .count()
                >= MIN_RAISABLE
        })
    };
    let uniform_cs = take(uniform, &raisable);
    let jumpable = |c: usize| {
        last > 0
            && match (sheets.get(at(c, last - 1)), sheets.get(at(c, last))) {
                (Some(before), Some(now)) => !jump_candidates(&before.sheet, &now.sheet, &excluded).is_empty(),
                _ => false,
            }
    };
    let jumping_cs = take(jumping, &jumpable);
    let copying_cs = take(copying, &|_| true);
    let honest_cs: Vec<usize> = order.iter().copied().filter(|&c| taken.get(c) == Some(&false)).collect();

    for &c in &uniform_cs {
        let Some(scenario) = sheets.get_mut(at(c, last)) else { continue };
        inflate_company(spec, catalog, &generator, c, scenario);
    }
    for &c in &cohort_cs {
        let Some(scenario) = sheets.get_mut(at(c, last)) else { continue };
        inflate_cohort(spec, c, scenario, &excluded);
    }
    if spec.house_names {
        for c in 0..n {
            let Some(company) = generator.companies().get(c) else { continue };
            write_house_names(spec, company, &mut sheets[c * ny..(c + 1) * ny]);
        }
    }
    for &c in &copying_cs {
        copy_company(spec, &mut sheets, generator.companies(), &honest_cs, c, &|c| at(c, last), &excluded);
    }
    if last > 0 {
        for &c in &jumping_cs {
            let Some(previous) = sheets.get(at(c, last - 1)).map(|s| s.sheet.clone()) else { continue };
            let Some(scenario) = sheets.get_mut(at(c, last)) else { continue };
            jump_company(spec, &previous, scenario, &excluded);
        }
    }
    // Sheets without 回答日, with honest improvements in the gap.
    let undated = whole_share(honest_cs.len(), spec.share_undated);
    for &c in honest_cs.iter().take(undated) {
        for y in 0..ny {
            if let Some(x) = sheets.get_mut(at(c, y)) {
                x.sheet.cover.answered_on = None;
            }
        }
        if last > 0 {
            let Some(before) = sheets.get(at(c, last - 1)).cloned() else { continue };
            let Some(now) = sheets.get_mut(at(c, last)) else { continue };
            improve_in_window(spec, &before, now, &excluded);
        }
    }
    GroupScenario { spec: spec.clone(), companies: generator.companies().to_vec(), sheets, rollouts }
}

/// Short done-sounding texts of the cohort inflators; `{y}` a year, `{m}` a month.
fn short_done(set: TemplateSet) -> &'static [&'static str] {
    match set {
        TemplateSet::Tuning => {
            &["{y}年に導入済", "{y}年度より運用中", "{y}年{m}月に整備済", "対策済({y}年)", "{y}年に対応完了"]
        }
        TemplateSet::HeldOut => &[
            "{y}年{m}月から実施しています",
            "{y}年に仕組みを整えた",
            "社内で{y}年に対応を終えた",
            "{y}年度に整備し運用",
            "{y}年{m}月に構築",
        ],
    }
}

/// A cohort inflator's last-year sheet: most Lv2/Lv3 answers below 2
/// (not of a rollout) become 2 with a short done-sounding text.
fn inflate_cohort(spec: &GroupScenarioSpec, c: usize, scenario: &mut ScenarioSheet, excluded: &BTreeSet<ItemNumber>) {
    let mut rng = Rng::derive(spec.seed, &[stream::SCENARIO, key::COHORT, c as u64]);
    let year = scenario.year.get();
    let share = 0.7 + 0.25 * rng.unit();
    let mut injected = Vec::new();
    for a in &mut scenario.sheet.answers {
        if !matches!(a.level, Level::Lv2 | Level::Lv3)
            || excluded.contains(&a.item)
            || !matches!(a.evaluation, Evaluation::Rated(Points::Zero | Points::One))
            || !rng.chance(share)
        {
            continue;
        }
        let honest = a.evaluation;
        let y = year - i32::try_from(rng.below(3)).unwrap_or(0);
        a.evidence = rng
            .pick_str(short_done(spec.templates))
            .replace("{y}", &y.to_string())
            .replace("{m}", &rng.range(4, 12).to_string());
        a.evaluation = Evaluation::DONE;
        injected.push(InjectedItem {
            item: a.item,
            pattern: Pattern::RaisedKeepingEvidence,
            honest,
            claimed: Evaluation::DONE,
            suggested: match honest {
                Evaluation::Rated(p) => Some(p),
                _ => None,
            },
        });
    }
    scenario.truth.cohort_inflation = !injected.is_empty();
    scenario.truth.injected = injected;
}

/// Each company's house names: its own rule, in-house system and department.
fn write_house_names(spec: &GroupScenarioSpec, company: &SyntheticCompany, sheets: &mut [ScenarioSheet]) {
    let core = company.name.replace("株式会社", "");
    let mut names = Rng::derive(spec.seed, &[stream::SCENARIO, key::HOUSE, company.index as u64]);
    let letters: String = (0..3).map(|_| char::from(b'A' + names.below(26) as u8)).collect();
    let system = format!("{letters}{}", names.pick_str(&["Portal", "Net", "Guard", "Desk", "Base"]));
    let rule = format!("{core}{}", names.pick_str(&["情報管理規程", "セキュリティ規則", "IT運用基準", "情報取扱規程"]));
    let department = company.profile.department;
    let suffixes = [
        format!("（{rule}に基づく）"),
        format!("（{system}で管理）"),
        format!("（{department}が所管、{rule}）"),
        format!("。{system}に記録"),
    ];
    for x in sheets {
        // The same answers carry them every year.
        let mut pick = Rng::derive(spec.seed, &[stream::SCENARIO, key::HOUSE, company.index as u64, 1]);
        for a in &mut x.sheet.answers {
            let k = pick.below(suffixes.len());
            if pick.chance(0.35) && a.evaluation == Evaluation::DONE && !a.evidence.is_empty() {
                a.evidence.push_str(&suffixes[k]);
            }
        }
    }
}

/// 1–2 honest improvements of an undated sheet: 0 last year, done this
/// year, completed in a month after last year's real answer and before
/// that fiscal year's end.
fn improve_in_window(
    spec: &GroupScenarioSpec,
    before: &ScenarioSheet,
    now: &mut ScenarioSheet,
    excluded: &BTreeSet<ItemNumber>,
) {
    let mut rng = Rng::derive(spec.seed, &[stream::SCENARIO, key::UNDATED, now.company_index as u64]);
    // The real answer of last year (the upload is a few days later).
    let answered = before.uploaded_on;
    let end = before.year.last_day();
    let mut months = Vec::new();
    let mut d = answered.with_day(1).and_then(|d| d.checked_add_months(chrono::Months::new(1)));
    while let Some(m) = d.filter(|m| *m <= end) {
        months.push(m);
        d = m.checked_add_months(chrono::Months::new(1));
    }
    if months.is_empty() {
        return;
    }
    let mut candidates: Vec<usize> = now
        .sheet
        .answers
        .iter()
        .zip(&before.sheet.answers)
        .enumerate()
        .filter(|(_, (a, b))| {
            a.item == b.item
                && !excluded.contains(&a.item)
                && b.evaluation == Evaluation::NOT_DONE
                && matches!(a.evaluation, Evaluation::Rated(_))
        })
        .map(|(i, _)| i)
        .collect();
    rng.shuffle(&mut candidates);
    let count = usize::try_from(rng.range(1, 2)).unwrap_or(1);
    for i in candidates.into_iter().take(count) {
        let Some(a) = now.sheet.answers.get_mut(i) else { continue };
        let m = months[rng.below(months.len())];
        let what = rng.pick_str(&[
            "全拠点でMFA導入完了",
            "対策を導入し運用を開始",
            "規程を制定し全社に周知",
            "全PCへの適用を完了",
        ]);
        a.evaluation = Evaluation::DONE;
        a.evidence = format!("{}年{}月に{what}", m.year(), m.month());
        now.window_improvements.push(a.item);
    }
}

/// Uniform inflation of company `c`'s last-year sheet, now and then with a
/// few raised 1→2 texts touched up.
fn inflate_company(
    spec: &GroupScenarioSpec,
    catalog: &Catalog,
    generator: &Generator,
    c: usize,
    scenario: &mut ScenarioSheet,
) {
    let base = scenario.sheet.clone();
    let (mut raised, mut injected) = inflate_uniformly(&base);
    if injected.is_empty() {
        return;
    }
    // Choices and wording draw from separate streams, so the choices do
    // not depend on the template set.
    let mut choose = Rng::derive(spec.seed, &[stream::SCENARIO, key::UNIFORM, c as u64]);
    let mut text = Rng::derive(spec.seed, &[stream::SCENARIO, key::UNIFORM_TEXT, c as u64]);
    if choose.chance(REWRITE_SHARE) {
        let mut ones: Vec<usize> = base
            .answers
            .iter()
            .enumerate()
            .filter(|(_, a)| a.evaluation == Evaluation::IN_PROGRESS)
            .map(|(i, _)| i)
            .collect();
        choose.shuffle(&mut ones);
        let count = usize::try_from(choose.range(1, 4)).unwrap_or(1);
        for index in ones.into_iter().take(count) {
            let pattern = REWRITE_PATTERNS[choose.below(REWRITE_PATTERNS.len())];
            let reworded = reword(
                &base,
                catalog,
                generator.plans(),
                scenario.company_size,
                spec.templates,
                index,
                pattern,
                &mut text,
            );
            let Some((Evaluation::Rated(Points::Two), evidence, suggested)) = reworded else { continue };
            let Some(answer) = raised.answers.get_mut(index) else { continue };
            answer.evidence = evidence;
            let item = answer.item;
            if let Some(entry) = injected.iter_mut().find(|i| i.item == item) {
                entry.pattern = pattern;
                entry.suggested = suggested;
            }
        }
    }
    scenario.sheet = raised;
    scenario.truth.uniform_inflation = true;
    scenario.truth.injected = injected;
}

/// Company `c` copies 5–20 items' evidence and scores from an honest source
/// company's last-year sheet.
fn copy_company(
    spec: &GroupScenarioSpec,
    sheets: &mut [ScenarioSheet],
    companies: &[SyntheticCompany],
    honest: &[usize],
    c: usize,
    last_sheet: &dyn Fn(usize) -> usize,
    excluded: &BTreeSet<ItemNumber>,
) {
    let mut rng = Rng::derive(spec.seed, &[stream::SCENARIO, key::COPYING, c as u64]);
    let Some(copier) = sheets.get(last_sheet(c)).map(|s| s.sheet.clone()) else { return };
    // Candidate sources: three honest companies (any other when none is
    // honest); the one with the most done items the copier lacks wins.
    let pool: Vec<usize> =
        if honest.is_empty() { (0..companies.len()).filter(|&o| o != c).collect() } else { honest.to_vec() };
    if pool.is_empty() {
        return;
    }
    let mut best: Option<SourceChoice> = None;
    for _ in 0..3 {
        let Some(&s) = pool.get(rng.below(pool.len())) else { continue };
        let Some(source) = sheets.get(last_sheet(s)) else { continue };
        let (mut gain, mut same, mut ones) = (Vec::new(), Vec::new(), Vec::new());
        for (i, (a, mine)) in source.sheet.answers.iter().zip(&copier.answers).enumerate() {
            if excluded.contains(&a.item) || a.item != mine.item || a.evidence.chars().count() < MIN_COPIED_CHARS {
                continue;
            }
            match (a.evaluation, mine.evaluation) {
                (Evaluation::Rated(Points::Two), Evaluation::Rated(Points::Two)) => same.push(i),
                (Evaluation::Rated(Points::Two), _) => gain.push(i),
                (Evaluation::Rated(Points::One), _) => ones.push(i),
                _ => {}
            }
        }
        if best.as_ref().is_none_or(|b| gain.len() > b.1.len()) {
            best = Some((s, gain, same, ones));
        }
    }
    let Some((s, mut gain, mut same, mut ones)) = best else { return };
    rng.shuffle(&mut gain);
    rng.shuffle(&mut same);
    rng.shuffle(&mut ones);
    let count = usize::try_from(rng.range(COPIED_ITEMS.0, COPIED_ITEMS.1)).unwrap_or(5);
    let mut chosen: Vec<usize> = gain.into_iter().chain(same).chain(ones).take(count).collect();
    chosen.sort_unstable();
    if chosen.is_empty() {
        return;
    }
    let Some(source) = sheets.get(last_sheet(s)).map(|x| x.sheet.clone()) else { return };
    let names = match (companies.get(s), companies.get(c)) {
        (Some(from), Some(to)) => Some((from.name.clone(), to.name.clone())),
        _ => None,
    };
    let Some(scenario) = sheets.get_mut(last_sheet(c)) else { return };
    let mut copied = Vec::new();
    for index in chosen {
        let (Some(from), Some(to)) = (source.answers.get(index), scenario.sheet.answers.get_mut(index)) else {
            continue;
        };
        to.evaluation = from.evaluation;
        to.evidence = if rng.chance(0.5) {
            from.evidence.clone()
        } else {
            let edits = if from.evidence.chars().count() >= 24 { rng.range(1, 2) } else { 1 };
            let names = names.as_ref().map(|(a, b)| (a.as_str(), b.as_str()));
            retouch(&from.evidence, usize::try_from(edits).unwrap_or(1), &mut rng, names)
        };
        copied.push(to.item);
    }
    scenario.truth.copied_items = copied;
    scenario.truth.copied_from = Some(s);
    // A copier mostly uploads after its source (it had the source's file).
    let source_up = sheets.get(last_sheet(s)).map(|x| x.uploaded_on);
    let Some(scenario) = sheets.get_mut(last_sheet(c)) else { return };
    if let Some(up) = source_up {
        let days = Days::new(1 + rng.below(20) as u64);
        let moved = if rng.chance(0.8) { up.checked_add_days(days) } else { up.checked_sub_days(days) };
        let answered = scenario.sheet.cover.answered_on.unwrap_or(scenario.uploaded_on);
        scenario.uploaded_on = moved.unwrap_or(up).max(answered);
    }
}

/// A candidate source company and the answers a copier could take from it:
/// done ones the copier lacks, done ones it has too, and ones under way.
type SourceChoice = (usize, Vec<usize>, Vec<usize>, Vec<usize>);

/// 0→2 on 1–4 items of the last-year sheet, keeping last year's evidence.
fn jump_company(
    spec: &GroupScenarioSpec,
    previous: &Sheet,
    scenario: &mut ScenarioSheet,
    excluded: &BTreeSet<ItemNumber>,
) {
    let mut rng = Rng::derive(spec.seed, &[stream::SCENARIO, key::JUMPING, scenario.company_index as u64]);
    let mut candidates = jump_candidates(previous, &scenario.sheet, excluded);
    rng.shuffle(&mut candidates);
    let count = usize::try_from(rng.range(JUMPED_ITEMS.0, JUMPED_ITEMS.1)).unwrap_or(1);
    candidates.truncate(count);
    candidates.sort_unstable();
    let mut jumped = Vec::new();
    let mut injected = Vec::new();
    for index in candidates {
        let (Some(before), Some(now)) = (previous.answers.get(index), scenario.sheet.answers.get_mut(index)) else {
            continue;
        };
        let honest = now.evaluation;
        now.evaluation = Evaluation::DONE;
        now.evidence =
            if rng.chance(0.6) { before.evidence.clone() } else { retouch(&before.evidence, 1, &mut rng, None) };
        jumped.push(now.item);
        injected.push(InjectedItem {
            item: now.item,
            pattern: Pattern::RaisedKeepingEvidence,
            honest,
            claimed: Evaluation::DONE,
            suggested: match honest {
                Evaluation::Rated(p) => Some(p),
                _ => None,
            },
        });
    }
    scenario.truth.jumped_items = jumped;
    scenario.truth.injected = injected;
}

/// Answers that can jump: 0 last year with evidence, 0 or 1 now, not of a
/// rollout.
fn jump_candidates(previous: &Sheet, now: &Sheet, excluded: &BTreeSet<ItemNumber>) -> Vec<usize> {
    now.answers
        .iter()
        .zip(&previous.answers)
        .enumerate()
        .filter(|(_, (now, before))| {
            now.item == before.item
                && !excluded.contains(&now.item)
                && before.evaluation == Evaluation::NOT_DONE
                && !before.evidence.trim().is_empty()
                && matches!(now.evaluation, Evaluation::Rated(Points::Zero | Points::One))
        })
        .map(|(i, _)| i)
        .collect()
}

/// `share` of `total`, rounded, as a count in `0..=total`.
fn whole_share(total: usize, share: f64) -> usize {
    let share = if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 };
    ((total as f64 * share).round() as usize).min(total)
}

// ------------------------------------------------------------------ retouching

/// A small edit of a copied text.
#[derive(Debug, Clone, Copy)]
enum Edit {
    /// The source company's name for the copier's.
    Name,
    /// 当社 ↔ 弊社.
    We,
    /// 済 ↔ 済み.
    Zumi,
    /// A month one later (or earlier).
    Month,
    /// 来年度 ↔ 今年度.
    FiscalYear,
    /// One 「、」 dropped.
    Comma,
    /// The closing 「。」 added or dropped.
    Period,
}

impl Edit {
    const ALL: [Edit; 7] = [Edit::Name, Edit::We, Edit::Zumi, Edit::Month, Edit::FiscalYear, Edit::Comma, Edit::Period];

    /// The edited text, or `None` when the edit does not apply.
    fn apply(self, text: &str, names: Option<(&str, &str)>) -> Option<String> {
        let swap = |a: &str, b: &str| {
            if text.contains(a) {
                Some(text.replacen(a, b, 1))
            } else if text.contains(b) {
                Some(text.replacen(b, a, 1))
            } else {
                None
            }
        };
        match self {
            Edit::Name => names.filter(|(from, _)| text.contains(from)).map(|(from, to)| text.replacen(from, to, 1)),
            Edit::We => swap("当社", "弊社"),
            Edit::Zumi => {
                if text.contains("済み") {
                    Some(text.replacen("済み", "済", 1))
                } else if text.contains('済') {
                    Some(text.replacen('済', "済み", 1))
                } else {
                    None
                }
            }
            Edit::Month => shift_month(text),
            Edit::FiscalYear => swap("来年度", "今年度"),
            Edit::Comma => text.contains('、').then(|| text.replacen('、', "", 1)),
            Edit::Period => Some(match text.strip_suffix('。') {
                Some(rest) => rest.to_owned(),
                None => format!("{text}。"),
            }),
        }
    }
}

/// `text` with `edits` small edits (at least one), drawn from those that
/// apply.
fn retouch(text: &str, edits: usize, rng: &mut Rng, names: Option<(&str, &str)>) -> String {
    let mut kinds = Edit::ALL;
    rng.shuffle(&mut kinds);
    let mut out = text.to_owned();
    let mut done = 0;
    for kind in kinds {
        if done >= edits.max(1) {
            break;
        }
        if let Some(next) = kind.apply(&out, names).filter(|next| *next != out) {
            out = next;
            done += 1;
        }
    }
    out
}

/// The first month written as 年N月 or /N (ASCII digits) moved by one.
fn shift_month(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c != '年' && c != '/' {
            continue;
        }
        let digits: String = chars.iter().skip(i + 1).take_while(|d| d.is_ascii_digit()).collect();
        let end = i + 1 + digits.chars().count();
        let Ok(month) = digits.parse::<u32>() else { continue };
        if !(1..=12).contains(&month) || (c == '年' && chars.get(end) != Some(&'月')) {
            continue;
        }
        let moved = if month == 12 { 11 } else { month + 1 };
        let mut out: String = chars.iter().take(i + 1).collect();
        out.push_str(&moved.to_string());
        out.extend(chars.iter().skip(end));
        return Some(out);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retouching_changes_little() {
        assert_eq!(shift_month("2024年3月に導入済").as_deref(), Some("2024年4月に導入済"));
        assert_eq!(shift_month("2024/12から運用").as_deref(), Some("2024/11から運用"));
        assert_eq!(shift_month("2024年度に導入"), None);
        let mut rng = Rng::new(3);
        for _ in 0..200 {
            let text = "当社は2024年3月に規程を制定済、全社に周知した。";
            let out = retouch(text, 2, &mut rng, None);
            assert_ne!(out, text);
            let diff = text.chars().count().abs_diff(out.chars().count());
            assert!(diff <= 2, "{out}");
        }
        assert_eq!(Edit::Period.apply("未実施", None).as_deref(), Some("未実施。"));
    }

    #[test]
    fn standards_share_no_item() {
        let mut seen = BTreeSet::new();
        for s in STANDARDS {
            for (item, template) in s.items {
                assert!(seen.insert(*item), "No.{item} in two standards");
                assert!(!template.contains("{p}") || !s.products.is_empty(), "{template}");
            }
        }
    }
}
