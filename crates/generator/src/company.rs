//! Synthetic subsidiaries: names, industries, sizes per year, target level,
//! business-impact tier, and the hidden traits that shape their answers
//! (maturity, pace of improvement, writing style).

use std::collections::BTreeSet;

use hyoka_model::domain::{FiscalYear, ImpactTier, Level};
use serde::Serialize;

use crate::rng::Rng;
use crate::xlsx::XlsxStyle;

/// The fiscal year the hidden company traits are anchored at: a company's
/// maturity is its standing in April of this year.
pub(crate) const ANCHOR_YEAR: i32 = 2024;

/// Size band of a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    /// 15–99 employees, one IT person (１人情シス).
    Small,
    /// 100–999 employees, 2–8 IT staff.
    Mid,
    /// 1,000–5,000 employees, 10–40 IT staff.
    Large,
}

impl SizeClass {
    /// Japanese label (小規模 / 中規模 / 大規模).
    pub fn label_ja(self) -> &'static str {
        match self {
            SizeClass::Small => "小規模",
            SizeClass::Mid => "中規模",
            SizeClass::Large => "大規模",
        }
    }

    /// Inclusive range of employee counts.
    pub fn employee_range(self) -> (u32, u32) {
        match self {
            SizeClass::Small => (15, 99),
            SizeClass::Mid => (100, 999),
            SizeClass::Large => (1_000, 5_000),
        }
    }

    /// Inclusive range of IT staff counts.
    pub fn it_staff_range(self) -> (u32, u32) {
        match self {
            SizeClass::Small => (1, 1),
            SizeClass::Mid => (2, 8),
            SizeClass::Large => (10, 40),
        }
    }
}

/// Line of business of a subsidiary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Industry {
    /// 部品製造.
    Parts,
    /// 樹脂成形.
    Resin,
    /// 電装品.
    Electrical,
    /// 金属加工.
    Metal,
    /// 鋳造・鍛造.
    CastingForging,
    /// 物流.
    Logistics,
    /// ソフトウェア.
    Software,
    /// 販売・サービス.
    Sales,
    /// 設計・開発受託.
    Engineering,
    /// 設備・治具製造.
    Equipment,
}

impl Industry {
    /// Every industry with its relative frequency in a group.
    const WEIGHTED: [(Industry, usize); 10] = [
        (Industry::Parts, 5),
        (Industry::Resin, 2),
        (Industry::Electrical, 2),
        (Industry::Metal, 2),
        (Industry::CastingForging, 1),
        (Industry::Logistics, 2),
        (Industry::Software, 1),
        (Industry::Sales, 1),
        (Industry::Engineering, 1),
        (Industry::Equipment, 1),
    ];

    /// Japanese label (部品製造, 樹脂成形, 電装品…).
    pub fn label_ja(self) -> &'static str {
        match self {
            Industry::Parts => "部品製造",
            Industry::Resin => "樹脂成形",
            Industry::Electrical => "電装品",
            Industry::Metal => "金属加工",
            Industry::CastingForging => "鋳造・鍛造",
            Industry::Logistics => "物流",
            Industry::Software => "ソフトウェア",
            Industry::Sales => "販売・サービス",
            Industry::Engineering => "設計・開発受託",
            Industry::Equipment => "設備・治具製造",
        }
    }

    /// Name endings typical of the industry.
    fn name_endings(self) -> &'static [&'static str] {
        match self {
            Industry::Parts => &["精密部品", "精工", "部品工業", "プレス工業", "製作所", "工業"],
            Industry::Resin => &["化成", "樹脂工業", "モールド", "プラスチック工業"],
            Industry::Electrical => &["電装", "電子工業", "電機", "ハーネス"],
            Industry::Metal => &["金属工業", "熱処理", "メタルワークス", "鋼材"],
            Industry::CastingForging => &["鋳造", "鍛造", "ダイカスト工業", "鋳工"],
            Industry::Logistics => &["ロジスティクス", "運輸", "物流サービス", "トランスポート"],
            Industry::Software => &["システム開発", "ソフトウェア", "情報システム", "ITソリューションズ"],
            Industry::Sales => &["オートサービス", "モーター販売", "自動車販売", "カーサービス"],
            Industry::Engineering => &["テクノデザイン", "エンジニアリング", "技術開発", "技研"],
            Industry::Equipment => &["機工", "治具製作所", "オートメーション", "機械"],
        }
    }

    fn draw(rng: &mut Rng) -> Industry {
        let total: usize = Self::WEIGHTED.iter().map(|(_, w)| w).sum();
        let mut x = rng.below(total);
        for (industry, w) in Self::WEIGHTED {
            if x < w {
                return industry;
            }
            x -= w;
        }
        Industry::Parts
    }
}

/// A company's size in one fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct YearSize {
    /// The fiscal year.
    pub year: FiscalYear,
    /// 従業員数.
    pub employees: u32,
    /// 情報システム担当者数.
    pub it_staff: u32,
}

/// How a company's respondent writes (the same person tends to write alike).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Style {
    /// Share of dates written in the Japanese era (令和4年).
    pub era_rate: f64,
    /// Writes digits full width (２０２２年).
    pub fullwidth: bool,
    /// 0 terse, 1 normal, 2 verbose.
    pub verbosity: u8,
    /// Ends texts with 「。」.
    pub period: bool,
    /// 「済」 or 「済み」.
    pub zumi: &'static str,
    /// Writes dates as 2022/10 now and then.
    pub slash_dates: bool,
    /// Breaks longer texts over lines (Alt+Enter in Excel).
    pub line_breaks: bool,
}

/// Hidden traits that drive a company's answers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Profile {
    /// Employees in [`ANCHOR_YEAR`].
    pub base_employees: u32,
    /// Yearly growth of the workforce, ‰.
    pub growth_permille: i64,
    /// Company-specific offset of the IT headcount.
    pub it_bias: i64,
    /// Security maturity in [`ANCHOR_YEAR`], roughly 0–1.
    pub maturity: f64,
    /// Months per unit of maturity gap: how fast the company improves.
    pub pace_months: f64,
    /// Small companies that lean on the parent or an outsourcer.
    pub uses_parent: bool,
    /// Chance that a group of items that can be 該当なし is (per group).
    pub na_rate: f64,
    /// Chance that a year's sheet leaves a few items unanswered.
    pub sloppy_rate: f64,
    /// How the respondent writes.
    pub style: Style,
    /// 回答部署.
    pub department: &'static str,
    /// How many years a respondent usually stays in charge.
    pub tenure_years: i32,
    /// Layout choices of the company's workbook.
    pub xlsx_style: XlsxStyle,
}

/// One synthetic subsidiary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyntheticCompany {
    /// Position in the group (0-based), the `company_index` of the API.
    pub index: usize,
    /// 会社コード, e.g. `DEMO-001`.
    pub code: String,
    /// 会社名, e.g. 「株式会社東海精密部品」; unique within a group.
    pub name: String,
    /// Line of business.
    pub industry: Industry,
    /// Size band (fixed over the years).
    pub size_class: SizeClass,
    /// The guideline level the company aims at (small → Lv1 …).
    pub target_level: Level,
    /// Business impact for the parent, 1 (highest) – 5.
    pub impact_tier: ImpactTier,
    #[serde(skip)]
    pub(crate) profile: Profile,
}

impl SyntheticCompany {
    /// Employees and IT staff in `year` (grows or shrinks a little each
    /// year, always within the company's size band).
    pub fn size(&self, year: FiscalYear) -> YearSize {
        let (lo, hi) = self.size_class.employee_range();
        let p = &self.profile;
        let mut employees = u64::from(p.base_employees);
        let dy = year.get() - ANCHOR_YEAR;
        let factor = u64::try_from(1000 + p.growth_permille).unwrap_or(1000).max(1);
        for _ in 0..dy.unsigned_abs() {
            employees = if dy > 0 { employees * factor / 1000 } else { employees * 1000 / factor };
            employees = employees.clamp(u64::from(lo), u64::from(hi));
        }
        let employees = u32::try_from(employees).unwrap_or(hi).clamp(lo, hi);
        let e = i64::from(employees);
        let it = match self.size_class {
            SizeClass::Small => 1,
            SizeClass::Mid => 2 + (e - 100) * 6 / 900 + p.it_bias,
            SizeClass::Large => 10 + (e - 1_000) * 30 / 4_000 + p.it_bias,
        };
        let (it_lo, it_hi) = self.size_class.it_staff_range();
        let it_staff = u32::try_from(it).unwrap_or(it_lo).clamp(it_lo, it_hi);
        YearSize { year, employees, it_staff }
    }

    /// Sizes for several years.
    pub fn sizes(&self, years: &[FiscalYear]) -> Vec<YearSize> {
        years.iter().map(|&y| self.size(y)).collect()
    }

    /// The workbook layout this company's sheets use.
    pub fn xlsx_style(&self) -> XlsxStyle {
        self.profile.xlsx_style.clone()
    }

    /// 回答者 of `year`: department and name; the person changes every few years.
    pub(crate) fn respondent(&self, seed: u64, year: FiscalYear) -> String {
        let slot = year.get().div_euclid(self.profile.tenure_years.max(1));
        let mut rng = Rng::derive(seed, &[stream::RESPONDENT, self.index as u64, slot as u64]);
        let surname = rng.pick_str(SURNAMES);
        if rng.chance(0.4) {
            format!("{} {} {}", self.profile.department, surname, rng.pick_str(GIVEN_NAMES))
        } else {
            format!("{} {}", self.profile.department, surname)
        }
    }
}

/// Stream tags of [`Rng::derive`], one per purpose.
pub(crate) mod stream {
    pub const CLASSES: u64 = 1;
    pub const COMPANY: u64 = 2;
    pub const NAME: u64 = 3;
    pub const RESPONDENT: u64 = 4;
    pub const TIMELINE: u64 = 5;
    pub const SHEET: u64 = 6;
    pub const TEXT: u64 = 7;
    pub const TEXT_YEAR: u64 = 8;
    pub const NOT_APPLICABLE: u64 = 9;
    pub const OVERRATING: u64 = 10;
    pub const LABELS: u64 = 11;
    pub const SCENARIO: u64 = 12;
    pub const DEMO: u64 = 13;
}

const PLACES: &[&str] = &[
    "東海",
    "中部",
    "三河",
    "尾張",
    "浜松",
    "豊橋",
    "岡崎",
    "刈谷",
    "安城",
    "北陸",
    "信州",
    "関東",
    "北関東",
    "東北",
    "九州",
    "北九州",
    "近畿",
    "湘南",
    "鈴鹿",
    "四日市",
    "岐阜",
    "美濃",
    "静岡",
    "富士",
    "広島",
    "山陽",
    "太田",
    "相模",
    "筑波",
    "宮城",
    "熊本",
    "大分",
    "群馬",
    "栃木",
    "滋賀",
    "北海道",
    "三重",
    "新潟",
    "丸栄",
    "大東",
    "新和",
    "共栄",
    "協和",
    "三栄",
    "太平",
    "旭",
    "明和",
    "東洋",
    "日進",
    "昭和",
    "大和",
    "中央",
    "第一",
];

const SURNAMES: &[&str] = &[
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "清水",
    "山崎",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "前田",
    "藤田",
    "後藤",
    "岡田",
    "長谷川",
];

const GIVEN_NAMES: &[&str] =
    &["太郎", "一郎", "健一", "誠", "大輔", "翔太", "直樹", "恵", "裕子", "美穂", "真理子", "智子", "浩二", "拓也"];

/// Builds the companies of a group: size classes in fixed proportions
/// (about 60 % small, 30 % mid, 10 % large, each present once the group
/// is big enough), names unique within the group.
pub(crate) fn companies(seed: u64, count: usize, code_prefix: &str) -> Vec<SyntheticCompany> {
    let mut classes = size_classes(count);
    Rng::derive(seed, &[stream::CLASSES]).shuffle(&mut classes);
    let mut taken = BTreeSet::new();
    classes
        .into_iter()
        .enumerate()
        .map(|(index, class)| {
            let mut rng = Rng::derive(seed, &[stream::COMPANY, index as u64]);
            let industry = Industry::draw(&mut rng);
            let name = unique_name(seed, index, industry, &mut taken);
            company(index, format!("{code_prefix}{:03}", index + 1), name, industry, class, &mut rng)
        })
        .collect()
}

fn size_classes(count: usize) -> Vec<SizeClass> {
    let large = if count >= 3 { (count + 5) / 10 } else { 0 }.max(usize::from(count >= 3));
    let mid = if count >= 2 { (count * 3 + 5) / 10 } else { 0 }.max(usize::from(count >= 2));
    let small = count.saturating_sub(large + mid);
    let mut classes = vec![SizeClass::Large; large.min(count)];
    classes.extend(std::iter::repeat_n(SizeClass::Mid, mid.min(count - classes.len())));
    classes.extend(std::iter::repeat_n(SizeClass::Small, small));
    classes
}

fn unique_name(seed: u64, index: usize, industry: Industry, taken: &mut BTreeSet<String>) -> String {
    let mut rng = Rng::derive(seed, &[stream::NAME, index as u64]);
    let mut core = String::new();
    for _ in 0..64 {
        let candidate = format!("{}{}", rng.pick_str(PLACES), rng.pick_str(industry.name_endings()));
        if !taken.contains(&candidate) {
            core = candidate;
            break;
        }
    }
    if core.is_empty() {
        // Exhausted (huge groups): number the name, as groups do with 第二工場.
        core = format!("{}{}第{}", rng.pick_str(PLACES), rng.pick_str(industry.name_endings()), index + 1);
    }
    taken.insert(core.clone());
    if rng.chance(0.65) { format!("株式会社{core}") } else { format!("{core}株式会社") }
}

fn company(
    index: usize,
    code: String,
    name: String,
    industry: Industry,
    size_class: SizeClass,
    rng: &mut Rng,
) -> SyntheticCompany {
    let u = rng.unit();
    let (lo, hi) = size_class.employee_range();
    let base_employees = lo + ((f64::from(hi - lo)) * u * u) as u32;
    let (target_level, tier, maturity_lo, uses_parent, na_rate, sloppy_rate) = match size_class {
        SizeClass::Small => {
            let level = if rng.chance(0.9) { Level::Lv1 } else { Level::Lv2 };
            (level, rng.range(3, 5), 0.17, rng.chance(0.6), 0.2, 0.10)
        }
        SizeClass::Mid => {
            let x = rng.unit();
            let level = if x < 0.05 {
                Level::Lv1
            } else if x < 0.9 {
                Level::Lv2
            } else {
                Level::Lv3
            };
            (level, rng.range(2, 4), 0.3, rng.chance(0.2), 0.06, 0.05)
        }
        SizeClass::Large => {
            let level = if rng.chance(0.8) { Level::Lv3 } else { Level::Lv2 };
            (level, rng.range(1, 2), 0.52, false, 0.02, 0.02)
        }
    };
    let impact_tier = impact_tier(tier);
    let tier_bonus = if tier <= 2 { 0.05 } else { 0.0 };
    let maturity = maturity_lo + 0.3 * rng.unit() + tier_bonus;
    let pace_months = 90.0 + 70.0 * rng.unit();
    let it_bias = match size_class {
        SizeClass::Small => 0,
        SizeClass::Mid => rng.range(-1, 1),
        SizeClass::Large => rng.range(-3, 3),
    };
    let department = match size_class {
        SizeClass::Small => rng.pick_str(&["総務部", "管理部", "総務課", "業務部"]),
        SizeClass::Mid => {
            rng.pick_str(&["情報システム課", "管理部 情報システム課", "業務改革推進室", "総務部 IT推進課"])
        }
        SizeClass::Large => rng.pick_str(&["情報システム部", "情報セキュリティ推進室", "デジタル推進部", "IT統括部"]),
    };
    let style = Style {
        era_rate: if rng.chance(0.35) { 0.8 } else { 0.05 },
        fullwidth: rng.chance(0.15),
        verbosity: match rng.below(10) {
            0..=2 => 0,
            3..=7 => 1,
            _ => 2,
        },
        period: rng.chance(0.55),
        zumi: if rng.chance(0.7) { "済" } else { "済み" },
        slash_dates: rng.chance(0.2),
        line_breaks: rng.chance(0.3),
    };
    let xlsx_style = XlsxStyle {
        era_year: style.era_rate > 0.5 || rng.chance(0.3),
        level_as_number: rng.chance(0.3),
        answered_on_as_text: rng.chance(0.25),
        extra_title_row: rng.chance(0.5),
    };
    let profile = Profile {
        base_employees,
        growth_permille: rng.range(-20, 50),
        it_bias,
        maturity,
        pace_months,
        uses_parent,
        na_rate,
        sloppy_rate,
        style,
        department,
        tenure_years: i32::try_from(rng.range(2, 4)).unwrap_or(3),
        xlsx_style,
    };
    SyntheticCompany { index, code, name, industry, size_class, target_level, impact_tier, profile }
}

#[expect(clippy::expect_used, reason = "the tier is clamped to 1..=5, which ImpactTier accepts")]
fn impact_tier(tier: i64) -> ImpactTier {
    let tier = u8::try_from(tier.clamp(1, 5)).unwrap_or(3);
    ImpactTier::new(tier).expect("1..=5 is a valid tier")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_proportions() {
        let count = |v: &[SizeClass], c| v.iter().filter(|x| **x == c).count();
        let v = size_classes(40);
        assert_eq!((count(&v, SizeClass::Large), count(&v, SizeClass::Mid), count(&v, SizeClass::Small)), (4, 12, 24));
        let v = size_classes(3);
        assert_eq!((count(&v, SizeClass::Large), count(&v, SizeClass::Mid), count(&v, SizeClass::Small)), (1, 1, 1));
        assert_eq!(size_classes(1), vec![SizeClass::Small]);
        assert!(size_classes(0).is_empty());
        assert_eq!(size_classes(1000).len(), 1000);
    }

    #[test]
    fn names_are_unique_in_a_large_group() {
        let cs = companies(9, 1000, "T-");
        let names: BTreeSet<_> = cs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 1000);
        assert_eq!(cs[0].code, "T-001");
        assert_eq!(cs[999].code, "T-1000");
    }
}
