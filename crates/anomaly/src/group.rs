//! Group rules: a sheet judged against its size cohort, its own previous
//! year, and the other companies' evidence. Uniform inflation — a company
//! that raises every answer — passes every check inside its own sheet; it
//! shows only here.
//!
//! Pure, like the rest of the crate: the caller passes in the group's sheets
//! for the year analysed and for the year before.
//!
//! Privacy inside the group: the reviewers at the parent see every company,
//! so a copied-evidence reason names the other company (its
//! [`GroupSheet::name`]) and the house names that point to it; no reason
//! quotes another company's evidence text, and size figures never name the
//! companies they come from.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FlagTarget, ItemNumber, Points, Severity};
use hyoka_model::sheet::Answer;

use crate::config::DetectorConfig;
use crate::size_prior::{self, SizeInput};
use crate::{CompanySize, Finding, text};

/// One company's sheet in the group.
#[derive(Debug, Clone, Copy)]
pub struct GroupSheet<'a> {
    /// The company (any stable id).
    pub company: i64,
    /// Its size that year.
    pub size: CompanySize,
    /// Its answers.
    pub answers: &'a [Answer],
    /// The day the sheet speaks for: its 回答日, else the best estimate
    /// (see [`sheet_date`]).
    pub assessed_on: NaiveDate,
    /// Where `assessed_on` came from.
    pub date_source: DateSource,
    /// The day the sheet was uploaded, when known.
    pub uploaded_on: Option<NaiveDate>,
    /// How reasons name the company (its code or name).
    pub name: &'a str,
}

/// Where a sheet's `assessed_on` came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateSource {
    /// The sheet's own 回答日.
    #[default]
    Sheet,
    /// No 回答日: the upload day (the sheet was answered by then).
    Uploaded,
    /// No 回答日 and no upload day: the end of the fiscal year.
    FiscalYearEnd,
}

impl DateSource {
    /// Whether the date was assumed (not written on the sheet).
    pub fn is_assumed(self) -> bool {
        self != DateSource::Sheet
    }
}

/// The best date for a sheet: its 回答日, else the day it was uploaded (it
/// was answered by then), else the end of its fiscal year.
pub fn sheet_date(
    answered_on: Option<NaiveDate>,
    uploaded_on: Option<NaiveDate>,
    year_end: NaiveDate,
) -> (NaiveDate, DateSource) {
    match (answered_on, uploaded_on) {
        (Some(d), _) => (d, DateSource::Sheet),
        (None, Some(u)) => (u, DateSource::Uploaded),
        (None, None) => (year_end, DateSource::FiscalYearEnd),
    }
}

impl GroupSheet<'_> {
    /// The latest day by which the sheet was surely answered, for a rule
    /// that needs "done before this sheet": the 回答日; without one, the
    /// first day of the upload month, else the first day of the fiscal year
    /// (an assumed date is taken at its earliest), with the words saying so.
    fn answered_by(&self) -> (NaiveDate, Option<(String, String)>) {
        use chrono::Datelike;
        match self.date_source {
            DateSource::Sheet => (self.assessed_on, None),
            DateSource::Uploaded => {
                let d = self.assessed_on.with_day(1).unwrap_or(self.assessed_on);
                (
                    d,
                    Some((
                        format!("回答日の記載がないためアップロード日({})の月初を回答日とみなした", self.assessed_on),
                        format!(
                            "no 回答日 on the sheet: taken as the start of its upload month ({})",
                            self.assessed_on
                        ),
                    )),
                )
            }
            DateSource::FiscalYearEnd => {
                let start = self
                    .assessed_on
                    .with_year(self.assessed_on.year() - 1)
                    .and_then(|d| d.succ_opt())
                    .unwrap_or(self.assessed_on);
                (
                    start,
                    Some((
                        format!("回答日もアップロード日も不明のため年度初め({start})を回答日とみなした"),
                        format!("no 回答日 and no upload day: taken as the start of the fiscal year ({start})"),
                    )),
                )
            }
        }
    }

    /// When the sheet reached the parent: the upload day, else its date.
    fn arrived(&self) -> NaiveDate {
        self.uploaded_on.unwrap_or(self.assessed_on)
    }
}

/// The group for one fiscal year, with the year before.
#[derive(Debug, Clone, Copy)]
pub struct GroupInput<'a> {
    /// The framework's catalog.
    pub catalog: &'a Catalog,
    /// The sheets of the year analysed, one per company.
    pub current: &'a [GroupSheet<'a>],
    /// The sheets of the year before (any order; matched by company).
    pub previous: &'a [GroupSheet<'a>],
}

/// A finding on one sheet of [`GroupInput::current`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFinding {
    /// Index into `current`.
    pub sheet: usize,
    /// The finding.
    pub finding: Finding,
}

/// Hasher for shingles: they are already well-mixed 64-bit hashes: hashing them again (the
/// standard SipHash) would only cost time.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A text's shingles: its distinct hashed 3-grams, sorted (built once per
/// text; a sorted vector costs a fraction of a hash set to make, and two are
/// compared by one merge).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shingles(Vec<u64>);

impl Shingles {
    fn of(mut hashes: Vec<u64>) -> Shingles {
        hashes.sort_unstable();
        hashes.dedup();
        Shingles(hashes)
    }

    /// The shingles, in ascending order.
    pub fn iter(&self) -> std::slice::Iter<'_, u64> {
        self.0.iter()
    }

    /// How many distinct shingles.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The shingles `keep` lets through (still sorted).
    fn filtered(&self, keep: impl Fn(u64) -> bool) -> Shingles {
        Shingles(self.0.iter().copied().filter(|x| keep(*x)).collect())
    }

    /// How many shingles the two share.
    fn shared(&self, other: &Shingles) -> usize {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        n
    }
}

/// Runs `a` here and `b` on a second thread, and returns both results; a
/// panic on the second thread goes on here.
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|scope| {
        let worker = scope.spawn(b);
        let mine = a();
        (mine, worker.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}

/// `work` on each half of `items`, the halves on two threads, the results
/// in the order of `items`.
fn on_halves<T: Sync, R: Send>(items: &[T], work: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    let (left, right) = items.split_at(items.len() / 2);
    let (mut out, more) = join(|| work(left), || work(right));
    out.extend(more);
    out
}

type ShingleMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;
/// Pairs already compared, by [`pair_key`].
type PairSet = HashSet<u64, BuildHasherDefault<IdHasher>>;

/// Character 3-grams of folded text, hashed (FNV-1a over the three
/// characters), spaces and [`text::is_punctuation`] left out; a text of
/// fewer than three such characters is its characters.
fn shingles(folded: &str) -> Shingles {
    let kept = || folded.chars().filter(|c| !c.is_whitespace() && !text::is_punctuation(*c));
    let mut hashes = Vec::with_capacity(folded.len() / 2);
    let (mut a, mut b) = (None, None);
    for c in kept() {
        if let (Some(x), Some(y)) = (a, b) {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for c in [x, y, c] {
                h = (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
            }
            hashes.push(h);
        }
        (a, b) = (b, Some(c));
    }
    if hashes.is_empty() {
        return Shingles::of(kept().map(u64::from).collect());
    }
    Shingles::of(hashes)
}

/// Jaccard similarity of two shingle sets.
pub fn jaccard(a: &Shingles, b: &Shingles) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.shared(b);
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// Similarity of two evidence texts (character 3-gram Jaccard, 0–1).
pub fn similarity(a: &str, b: &str) -> f64 {
    folded_similarity(&text::fold(a), &text::fold(b))
}

/// [`similarity`] of two texts already folded.
fn folded_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    jaccard(&shingles(a), &shingles(b))
}

/// Whether two texts can be at least `threshold` similar at all: Jaccard
/// cannot exceed the ratio of the shorter to the longer.
fn may_be_similar(a: &str, b: &str, threshold: f64) -> bool {
    let (la, lb) = (a.chars().count() as f64, b.chars().count() as f64);
    la.min(lb) >= threshold * la.max(lb) - 3.0
}

fn item_finding(
    rule: &'static str,
    severity: Severity,
    answer: &Answer,
    suggested: Option<Points>,
    ja: String,
    en: String,
) -> Finding {
    Finding::on_item(answer, rule, severity, suggested, &ja, &en)
}

/// Runs every group rule.
pub fn analyse(input: &GroupInput<'_>, config: &DetectorConfig) -> Vec<GroupFinding> {
    let folds = Folds::of(input);
    let mut out = Vec::new();
    out.extend(cohort_rules(input, &folds, config));
    out.extend(year_over_year(input, &folds, config));
    out.extend(copied_evidence(input, &folds, config));
    out.sort_by_key(|f| (f.sheet, f.finding.target.item(), std::cmp::Reverse(f.finding.severity)));
    out
}

/// Every evidence text of the group, folded ([`text::fold`]) once for
/// every rule of a run: by sheet, in the order of its answers.
struct Folds {
    current: Vec<Vec<String>>,
    previous: Vec<Vec<String>>,
}

impl Folds {
    /// Folds both years' texts, on two threads.
    fn of(input: &GroupInput<'_>) -> Folds {
        let fold = |sheets: &[GroupSheet<'_>]| -> Vec<Vec<String>> {
            sheets.iter().map(|s| s.answers.iter().map(|a| text::fold(&a.evidence)).collect()).collect()
        };
        let (current, previous) = join(|| fold(input.current), || fold(input.previous));
        Folds { current, previous }
    }
}

/// Claims improbable for the company's size, judged against an estimate the
/// inflators cannot drag along (see [`crate::size_prior`]).
fn cohort_rules(input: &GroupInput<'_>, folds: &Folds, config: &DetectorConfig) -> Vec<GroupFinding> {
    let g = &config.group;
    let sizes: Vec<SizeInput<'_>> = input
        .current
        .iter()
        .map(|s| SizeInput { company: s.company, size: s.size, answers: s.answers, current: true })
        .chain(input.previous.iter().map(|s| SizeInput {
            company: s.company,
            size: s.size,
            answers: s.answers,
            current: false,
        }))
        .collect();
    // `sizes` holds the current sheets, then the year before's.
    let outsourced = |sheet: usize, answer: usize| {
        let texts = match sheet.checked_sub(input.current.len()) {
            None => &folds.current[sheet],
            Some(k) => &folds.previous[k],
        };
        config.cues.outsourced.find_in(&texts[answer]).is_some()
    };
    let judged = size_prior::judge(&sizes, &outsourced, g.size_robust_z);
    let mut out = Vec::new();
    for (i, (s, j)) in input.current.iter().zip(&judged).enumerate() {
        let (c_ja, c_en) = size_words(s.size);
        let by_item: HashMap<ItemNumber, &Answer> = s.answers.iter().map(|a| (a.item, a)).collect();
        let flagged = j.robust_z.is_some_and(|z| z > g.size_robust_z) && j.twos as f64 > j.expected_twos;
        if flagged {
            let z = j.robust_z.unwrap_or_default();
            let top: Vec<&(ItemNumber, f64)> = j.claims.iter().take(5).collect();
            let list_ja = top.iter().map(|(n, p)| format!("{n}({:.0}%)", p * 100.0)).collect::<Vec<_>>().join("、");
            let list_en = top.iter().map(|(n, p)| format!("{n} ({:.0} %)", p * 100.0)).collect::<Vec<_>>().join(", ");
            out.push(GroupFinding {
                sheet: i,
                finding: Finding {
                    target: FlagTarget::Sheet,
                    rule: "size_improbable",
                    severity: Severity::Medium,
                    claimed: Evaluation::DONE,
                    suggested: None,
                    reason_ja: format!(
                        "{c_ja}の会社としては対策完了が多すぎる: {}件(同規模の推定 {:.0}件、robust z {z:.1})。特にまれな主張: {list_ja}",
                        j.twos, j.expected_twos
                    ),
                    reason_en: format!(
                        "more 2s than is usual for a company with {c_en}: {} (about {:.0} expected for the size, robust z {z:.1}); rarest claims: {list_en}",
                        j.twos, j.expected_twos
                    ),
                },
            });
            for (n, p) in j.claims.iter().filter(|(_, p)| *p < g.size_item_share).take(g.size_max_items) {
                let Some(a) = by_item.get(n) else { continue };
                out.push(GroupFinding {
                    sheet: i,
                    finding: item_finding(
                        "improbable_for_size",
                        Severity::Low,
                        a,
                        None,
                        format!("対策完了としているが、{c_ja}の会社で対策完了は推定{:.0}%。根拠を確認", p * 100.0),
                        format!("claims 2; about {:.0} % of companies with {c_en} do; check the evidence", p * 100.0),
                    ),
                });
            }
        } else {
            // A low notice for the rarest claims of a sheet that does not stand out.
            for (n, p) in j.claims.iter().filter(|(_, p)| *p < g.rare_share).take(g.rare_max_items) {
                let Some(a) = by_item.get(n) else { continue };
                out.push(GroupFinding {
                    sheet: i,
                    finding: item_finding(
                        "rare_for_size",
                        Severity::Low,
                        a,
                        None,
                        format!("対策完了としているが、{c_ja}の会社で対策完了は推定{:.0}%", p * 100.0),
                        format!("claims 2; about {:.0} % of companies with {c_en} do", p * 100.0),
                    ),
                });
            }
        }
    }
    out
}

/// The size in words: employees and IT staff as known.
fn size_words(size: CompanySize) -> (String, String) {
    match (size.employees, size.it_staff) {
        (Some(e), Some(i)) => (format!("従業員{e}名・IT担当{i}名"), format!("{e} employees and {i} IT staff")),
        (Some(e), None) => (format!("従業員{e}名"), format!("{e} employees")),
        (None, Some(i)) => (format!("IT担当{i}名"), format!("{i} IT staff")),
        (None, None) => ("規模不明".to_owned(), "unknown size".to_owned()),
    }
}

/// Year over year: jumps with unchanged evidence, a claimed date that
/// contradicts last year's "not done", targets that passed.
fn year_over_year(input: &GroupInput<'_>, folds: &Folds, config: &DetectorConfig) -> Vec<GroupFinding> {
    let g = &config.group;
    let previous: HashMap<i64, (usize, &GroupSheet<'_>)> =
        input.previous.iter().enumerate().map(|(k, s)| (s.company, (k, s))).collect();
    if previous.is_empty() {
        return Vec::new();
    }
    // How many companies jumped to 2 on each item this year: a group rollout.
    let mut jumps: HashMap<ItemNumber, usize> = HashMap::new();
    let mut pairs = 0usize;
    for s in input.current {
        let Some((_, p)) = previous.get(&s.company) else { continue };
        pairs += 1;
        let before: HashMap<ItemNumber, &Answer> = p.answers.iter().map(|a| (a.item, a)).collect();
        for a in s.answers.iter().filter(|a| a.evaluation == Evaluation::DONE) {
            if before
                .get(&a.item)
                .is_some_and(|b| matches!(b.evaluation, Evaluation::NOT_DONE | Evaluation::Unanswered))
            {
                *jumps.entry(a.item).or_default() += 1;
            }
        }
    }
    let rollout = |item: ItemNumber| {
        let n = jumps.get(&item).copied().unwrap_or(0);
        n >= g.rollout_min && n as f64 >= g.rollout_share * pairs as f64
    };
    let mut out = Vec::new();
    for (i, s) in input.current.iter().enumerate() {
        let Some(&(pk, p)) = previous.get(&s.company) else { continue };
        let before: HashMap<ItemNumber, (&Answer, &str)> =
            p.answers.iter().zip(&folds.previous[pk]).map(|(a, f)| (a.item, (a, f.as_str()))).collect();
        for (a, a_folded) in s.answers.iter().zip(&folds.current[i]) {
            let Some(&(b, b_folded)) = before.get(&a.item) else { continue };
            let (Some(now), Some(then)) = (points(a.evaluation), points(b.evaluation)) else { continue };
            if now > then && a.evaluation == Evaluation::DONE && !rollout(a.item) {
                let sim = if may_be_similar(&a.evidence, &b.evidence, g.unchanged_similarity) {
                    folded_similarity(a_folded, b_folded)
                } else {
                    0.0
                };
                if sim >= g.unchanged_similarity {
                    let prev = b.evaluation.label_ja();
                    out.push(GroupFinding {
                        sheet: i,
                        finding: item_finding(
                            "raised_same_evidence",
                            Severity::High,
                            a,
                            Points::try_from(then).ok(),
                            format!("前年の{prev}から対策完了に上がったが、根拠文は前年とほぼ同じ(類似度 {sim:.2})"),
                            format!(
                                "raised from {} last year to 2 with nearly the same evidence (similarity {sim:.2})",
                                b.evaluation.code()
                            ),
                        ),
                    });
                    continue;
                }
                // A completion dated before last year's answer, which said 0.
                if then == 0 {
                    // Done before last year's answer: with an assumed date,
                    // before the earliest day it can stand for, and medium at most.
                    let (by, assumed) = p.answered_by();
                    let claimed = text::dates(a_folded)
                        .into_iter()
                        .filter_map(|d| d.earliest())
                        .filter(|d| if assumed.is_some() { *d < by } else { *d <= by })
                        .min();
                    if let Some(d) = claimed {
                        let severity = if assumed.is_some() { Severity::Medium } else { Severity::High };
                        let (note_ja, note_en) = assumed.map_or((String::new(), String::new()), |(ja, en)| {
                            (format!("(前年は{ja})"), format!(" (last year: {en})"))
                        });
                        out.push(GroupFinding {
                            sheet: i,
                            finding: item_finding(
                                "contradicts_last_year",
                                severity,
                                a,
                                Some(Points::Zero),
                                format!(
                                    "{}年{}月に実施済とあるが、前年({by}回答)は未実施(0点)だった{note_ja}",
                                    chrono::Datelike::year(&d),
                                    chrono::Datelike::month(&d),
                                ),
                                format!(
                                    "claims it was done in {}, but last year's sheet (answered {by}) said 0{note_en}",
                                    d.format("%Y-%m"),
                                ),
                            ),
                        });
                        continue;
                    }
                }
            }
            // A 1 whose target date has passed.
            if then == 1 {
                let target = text::dates(b_folded)
                    .into_iter()
                    .filter(|d| d.after(p.assessed_on))
                    .filter_map(|d| d.earliest())
                    .max();
                let Some(t) = target else { continue };
                // Passed by this year's answer (taken at its earliest when assumed).
                let (by, assumed) = s.answered_by();
                if t >= by {
                    continue;
                }
                let (note_ja, note_en) =
                    assumed.map_or((String::new(), String::new()), |(ja, en)| (format!("({ja})"), format!(" ({en})")));
                let when = t.format("%Y-%m");
                if now == 1 {
                    out.push(GroupFinding {
                        sheet: i,
                        finding: item_finding(
                            "overdue_target",
                            Severity::Info,
                            a,
                            None,
                            format!("前年に{when}完了予定としたが、まだ対策中{note_ja}"),
                            format!("last year's target {when} has passed and it is still in progress{note_en}"),
                        ),
                    });
                } else if now == 2 && text::dates(a_folded).is_empty() {
                    out.push(GroupFinding {
                        sheet: i,
                        finding: item_finding(
                            "overdue_target",
                            Severity::Medium,
                            a,
                            Some(Points::One),
                            format!(
                                "前年の完了予定({when})を過ぎて対策完了としたが、完了した時期が書かれていない{note_ja}"
                            ),
                            format!(
                                "claims 2 after last year's target {when}, without saying when it was done{note_en}"
                            ),
                        ),
                    });
                }
            }
        }
    }
    out
}

fn points(e: Evaluation) -> Option<u8> {
    match e {
        Evaluation::Rated(p) => Some(p.value()),
        _ => None,
    }
}

/// MinHash signature length and LSH bands (rows per band = SIG / BANDS).
const SIG: usize = 16;
const BANDS: usize = 4;

fn minhash(set: &Shingles) -> [u64; SIG] {
    let mut sig = [u64::MAX; SIG];
    for &x in set.iter() {
        for (k, slot) in sig.iter_mut().enumerate() {
            let h = (x ^ (0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(k as u64 + 1))).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            let h = h ^ (h >> 31);
            if h < *slot {
                *slot = h;
            }
        }
    }
    sig
}

/// One evidence text ready for the copy comparison: folded and cut into
/// 3-grams once per sheet, not once per comparison.
struct Prepared<'a> {
    answer: &'a Answer,
    folded: &'a str,
    set: Shingles,
    chars: usize,
}

/// Every 2 and 1 of every sheet with enough text, prepared (two threads).
fn prepare<'a>(input: &GroupInput<'a>, folds: &'a Folds, min_chars: usize) -> Vec<Vec<Prepared<'a>>> {
    let one = |(s, folded): (&GroupSheet<'a>, &'a Vec<String>)| -> Vec<Prepared<'a>> {
        s.answers
            .iter()
            .zip(folded)
            // A copied 1 is copied too.
            .filter(|(a, _)| matches!(a.evaluation, Evaluation::DONE | Evaluation::IN_PROGRESS))
            .filter_map(|(a, folded)| {
                let chars = a.evidence.chars().count();
                (chars >= min_chars).then(|| Prepared { answer: a, folded, set: shingles(folded), chars })
            })
            .collect()
    };
    let sheets: Vec<(&GroupSheet<'a>, &'a Vec<String>)> = input.current.iter().zip(&folds.current).collect();
    on_halves(&sheets, |part| part.iter().copied().map(one).collect())
}

/// The weight of a 3-gram used by `df` of the group's companies on an item:
/// wording of one company (or of the pair compared) counts fully, wording
/// many companies share little (`1 / (df − 1)`).
fn rarity(df: usize) -> f64 {
    1.0 / (df.saturating_sub(1).max(1) as f64)
}

/// A text's 3-grams weighed by their rarity on one item (see [`rarity`]):
/// sorted, so two texts are compared by one merge, with no lookups.
struct Weighted {
    grams: Vec<(u64, f64)>,
    total: f64,
}

impl Weighted {
    fn of(set: &Shingles, df: &ShingleMap<usize>) -> Weighted {
        // Sorted, as the shingles are.
        let grams: Vec<(u64, f64)> = set.iter().map(|x| (*x, rarity(df.get(x).copied().unwrap_or(1)))).collect();
        let total = grams.iter().map(|g| g.1).sum();
        Weighted { grams, total }
    }

    /// The most [`Weighted::similarity`] can be: the shared weight is at
    /// most the lighter text's, the union at least the heavier's.
    fn bound(&self, other: &Weighted) -> f64 {
        let (lo, hi) = (self.total.min(other.total), self.total.max(other.total));
        if hi > 0.0 { lo / hi } else { 1.0 }
    }

    /// Rarity-weighted Jaccard similarity: the summed weight of the shared
    /// 3-grams over that of all of them.
    fn similarity(&self, other: &Weighted) -> f64 {
        let (a, b) = (&self.grams, &other.grams);
        let (mut i, mut j, mut inter) = (0, 0, 0.0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    inter += a[i].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        let union = self.total + other.total - inter;
        if union > 0.0 { (inter / union).min(1.0) } else { 1.0 }
    }
}

/// A pair of small indices as one key for [`ShingleMap`]-style sets, mixed
/// so that the hash table's high bits vary.
fn pair_key(a: usize, b: usize) -> u64 {
    let (lo, hi) = (a.min(b) as u64, a.max(b) as u64);
    (hi << 32 | lo).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// How many companies use each 3-gram on one item (each text counted once).
fn document_frequency<'p>(sets: impl Iterator<Item = &'p Shingles>) -> ShingleMap<usize> {
    let mut df: ShingleMap<usize> = ShingleMap::default();
    for set in sets {
        for x in set.iter() {
            *df.entry(*x).or_default() += 1;
        }
    }
    df
}

/// The same or nearly the same evidence on the same item in several
/// companies' sheets. Each text is folded once; similarity is a
/// rarity-weighted Jaccard over character 3-grams (the group's shared
/// phrase stock counts little, a company's own wording much). Candidates
/// come from MinHash banding over the rarer 3-grams, so the work grows with
/// the group, not with its square. A pair of sheets found alike on several
/// items is then compared on every item they both answer, with the lower
/// `copy_pair_similarity` (the pair pass).
fn copied_evidence<'a>(input: &GroupInput<'a>, folds: &'a Folds, config: &DetectorConfig) -> Vec<GroupFinding> {
    let g = &config.group;
    let companies = input.current.len();
    let prepared = prepare(input, folds, g.copy_min_chars.min(g.copy_pair_min_chars));
    let mut by_item: BTreeMap<ItemNumber, Vec<(usize, usize)>> = BTreeMap::new();
    for (i, texts) in prepared.iter().enumerate() {
        for (k, p) in texts.iter().enumerate() {
            by_item.entry(p.answer.item).or_default().push((i, k));
        }
    }
    // Items are independent: share them between two threads.
    let items: Vec<&Vec<(usize, usize)>> = by_item.values().filter(|e| e.len() >= 2).collect();
    let found = on_halves(&items, |part| copies_in(part, &prepared, companies, config));
    // Copying is wholesale: keep a pair of sheets only when they share nearly
    // the same wording on several items. Two honest companies may happen to
    // phrase one item alike; rarely several.
    let mut pairs: BTreeMap<(usize, usize), Vec<(ItemNumber, f64)>> = BTreeMap::new();
    let mut answer_of: HashMap<(usize, ItemNumber), &Prepared<'_>> = HashMap::new();
    for f in &found {
        answer_of.insert((f.sheet, f.text.answer.item), f.text);
        for &p in &f.partners {
            if f.sheet < p {
                pairs.entry((f.sheet, p)).or_default().push((f.text.answer.item, f.sim));
            }
        }
    }
    // The background: matches of pairs alike on fewer items than a copy
    // needs, per item (wholesale copies do not count towards it, so the
    // copiers of a group cannot raise the bar for each other).
    let mut found_counts: HashMap<ItemNumber, usize> = HashMap::new();
    for v in pairs.values().filter(|v| v.len() < g.copy_min_items) {
        for (n, _) in v {
            *found_counts.entry(*n).or_default() += 1;
        }
    }
    pairs.retain(|_, v| v.len() >= g.copy_min_items);
    // In a large group, some pairs of honest sheets match on a few items by
    // chance: keep a pair only when that many matches are unlikely to occur
    // by chance anywhere in the group.
    let chance = ChanceMatches::of(&found_counts, &by_item, companies);
    pairs.retain(|&(x, y), v| chance.expected_pairs(&prepared, x, y, v.len()) <= g.copy_chance);
    // The pair pass: every other item the two sheets both answer.
    let more = pair_pass(&pairs, &by_item, &prepared, companies, config);
    for ((x, y), n, sim) in more {
        if let (Some(a), Some(b)) = (text_of(&prepared, x, n), text_of(&prepared, y, n)) {
            answer_of.insert((x, n), a);
            answer_of.insert((y, n), b);
        }
        if let Some(v) = pairs.get_mut(&(x, y)) {
            v.push((n, sim));
        }
    }
    let mut names = Names {
        firms_using: name_use(&pairs, &answer_of, &prepared),
        per_sheet: HashMap::new(),
        folds: &folds.current,
    };
    let mut out = Vec::new();
    // Per sheet and item: the strongest role it plays (copier beats undecided beats source).
    let mut item_flags: BTreeMap<(usize, ItemNumber), (u8, Finding)> = BTreeMap::new();
    for ((x, y), mut shared) in pairs {
        shared.sort_by_key(|s| s.0);
        let items: HashSet<ItemNumber> = shared.iter().map(|s| s.0).collect();
        let (sx, sy) = (&input.current[x], &input.current[y]);
        let dir = direction(sx, sy, &items, &shared, &answer_of, (x, y), &mut names);
        let sim_max = shared.iter().map(|s| s.1).fold(0.0, f64::max);
        let list: Vec<String> = shared.iter().take(8).map(|s| s.0.to_string()).collect();
        let list = if shared.len() > 8 { format!("{}…", list.join("、")) } else { list.join("、") };
        match dir.copier {
            Some(copier) => {
                let (source, c_sheet, s_sheet) = if copier == x { (y, sx, sy) } else { (x, sy, sx) };
                let (why_ja, why_en) = dir.why();
                for (n, sim) in &shared {
                    let Some(a) = answer_of.get(&(copier, *n)).map(|p| p.answer) else { continue };
                    let f = item_finding(
                        "copied_evidence",
                        Severity::Medium,
                        a,
                        None,
                        format!(
                            "{}とほぼ同じ根拠文(類似度 {sim:.2}、{}項目で共通)。{why_ja}ため、こちらが写した側とみられる。自社の実施内容か確認を",
                            s_sheet.name,
                            shared.len()
                        ),
                        format!(
                            "nearly the same evidence as {} (similarity {sim:.2}, {} items alike); {why_en}, so this is likely the copy; check it describes this company",
                            s_sheet.name,
                            shared.len()
                        ),
                    );
                    keep(&mut item_flags, (copier, *n), 2, f);
                }
                out.push(GroupFinding {
                    sheet: source,
                    finding: Finding {
                        target: FlagTarget::Sheet,
                        rule: "copied_by_other",
                        severity: Severity::Info,
                        claimed: Evaluation::DONE,
                        suggested: None,
                        reason_ja: format!(
                            "{}の{}項目({list})の根拠文が当社とほぼ同じ(類似度 最大{sim_max:.2})。{}が写した側とみられる(お知らせ)",
                            c_sheet.name,
                            shared.len(),
                            c_sheet.name
                        ),
                        reason_en: format!(
                            "{} has nearly the same evidence on {} items ({list}; similarity up to {sim_max:.2}); it is likely the copy (notice)",
                            c_sheet.name,
                            shared.len()
                        ),
                    },
                });
            }
            None => {
                for (me, other) in [(x, sy), (y, sx)] {
                    for (n, sim) in &shared {
                        let Some(a) = answer_of.get(&(me, *n)).map(|p| p.answer) else { continue };
                        let f = item_finding(
                            "copied_evidence",
                            Severity::Medium,
                            a,
                            None,
                            format!(
                                "{}とほぼ同じ根拠文(類似度 {sim:.2}、{}項目で共通)。どちらが写したかは判断できない。自社の実施内容か確認を",
                                other.name,
                                shared.len()
                            ),
                            format!(
                                "nearly the same evidence as {} (similarity {sim:.2}, {} items alike); which side copied is unclear; check it describes this company",
                                other.name,
                                shared.len()
                            ),
                        );
                        keep(&mut item_flags, (me, *n), 1, f);
                    }
                }
            }
        }
    }
    out.extend(item_flags.into_iter().map(|((sheet, _), (_, finding))| GroupFinding { sheet, finding }));
    out
}

fn keep(flags: &mut BTreeMap<(usize, ItemNumber), (u8, Finding)>, key: (usize, ItemNumber), rank: u8, f: Finding) {
    match flags.get(&key) {
        Some((r, _)) if *r >= rank => {}
        _ => {
            flags.insert(key, (rank, f));
        }
    }
}

/// One answer whose evidence nearly matches other sheets' on the same item.
struct Shared<'a> {
    sheet: usize,
    text: &'a Prepared<'a>,
    sim: f64,
    partners: Vec<usize>,
}

/// Which side of a copy pair is the likely copier, and why.
struct Direction {
    copier: Option<usize>,
    /// House names of the source found in the shared texts.
    names: Vec<String>,
    /// Whether the copier's sheet arrived later.
    later: Option<bool>,
}

impl Direction {
    /// The reason, Japanese and English.
    fn why(&self) -> (String, String) {
        let names =
            (!self.names.is_empty()).then(|| self.names.iter().take(3).map(|n| format!("「{n}」")).collect::<Vec<_>>());
        let later = self.later == Some(true);
        match (names, later) {
            (Some(n), true) => (
                format!("相手の他の回答にある名称({})を含み、提出も後である", n.join("")),
                format!(
                    "the texts carry names from the other company's other answers ({}) and it was submitted later",
                    n.join(", ")
                ),
            ),
            (Some(n), false) => (
                format!("相手の他の回答にある名称({})を含む", n.join("")),
                format!("the texts carry names from the other company's other answers ({})", n.join(", ")),
            ),
            (None, _) => ("提出が後である".to_owned(), "it was submitted later".to_owned()),
        }
    }
}

/// Name-like words of a folded text: runs of Latin letters and digits,
/// katakana, or kanji, at least three characters (four for kanji).
fn name_tokens(folded: &str, into: &mut HashSet<String>) {
    let class = |c: char| -> u8 {
        if c.is_ascii_alphanumeric() {
            1
        } else if ('\u{30a0}'..='\u{30ff}').contains(&c) {
            2
        } else if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            3
        } else {
            0
        }
    };
    let mut run = String::new();
    let mut kind = 0u8;
    let mut flush = |run: &mut String, kind: u8| {
        let n = run.chars().count();
        let long = match kind {
            1 => n >= 3 && run.chars().any(|c| c.is_ascii_alphabetic()),
            2 => n >= 3,
            3 => n >= 4,
            _ => false,
        };
        if long {
            into.insert(std::mem::take(run));
        } else {
            run.clear();
        }
    };
    for c in folded.chars() {
        let k = class(c);
        if k != kind {
            flush(&mut run, kind);
            kind = k;
        }
        if k != 0 {
            run.push(c);
        }
    }
    flush(&mut run, kind);
}

/// How many companies use each name-like word of the texts the kept pairs
/// share, in their 2s and 1s (one scan of the prepared texts).
fn name_use(
    pairs: &BTreeMap<(usize, usize), Vec<(ItemNumber, f64)>>,
    answer_of: &HashMap<(usize, ItemNumber), &Prepared<'_>>,
    prepared: &[Vec<Prepared<'_>>],
) -> HashMap<String, usize> {
    let mut tokens = HashSet::new();
    for (&(x, y), shared) in pairs {
        for (n, _) in shared {
            for k in [x, y] {
                if let Some(a) = answer_of.get(&(k, *n)) {
                    name_tokens(a.folded, &mut tokens);
                }
            }
        }
    }
    let tokens: Vec<String> = tokens.into_iter().collect();
    let mut count = vec![0usize; tokens.len()];
    if let Ok(ac) = aho_corasick::AhoCorasick::new(&tokens) {
        let mut seen = vec![usize::MAX; tokens.len()];
        for (i, texts) in prepared.iter().enumerate() {
            for p in texts {
                for m in ac.find_overlapping_iter(p.folded) {
                    let t = m.pattern().as_usize();
                    if seen[t] != i {
                        seen[t] = i;
                        count[t] += 1;
                    }
                }
            }
        }
    }
    tokens.into_iter().zip(count).collect()
}

/// The name-like words [`direction`] weighs: how many companies use each,
/// and each sheet's per item, found once (a sheet in many pairs was folded
/// again for each of them).
struct Names<'f> {
    firms_using: HashMap<String, usize>,
    per_sheet: HashMap<usize, Vec<(ItemNumber, HashSet<String>)>>,
    /// The current sheets' folded texts ([`Folds::current`]).
    folds: &'f [Vec<String>],
}

/// Weighs the two sides of a copy pair: the side whose shared texts carry
/// the other side's house names (words found in the other's answers on
/// other items and not in its own), and the later upload, is the copier.
fn direction(
    sx: &GroupSheet<'_>,
    sy: &GroupSheet<'_>,
    items: &HashSet<ItemNumber>,
    shared: &[(ItemNumber, f64)],
    answer_of: &HashMap<(usize, ItemNumber), &Prepared<'_>>,
    (x, y): (usize, usize),
    names: &mut Names<'_>,
) -> Direction {
    let (firms_using, sheet_names, folds) = (&names.firms_using, &mut names.per_sheet, names.folds);
    let mut in_shared = HashSet::new();
    for (n, _) in shared {
        for k in [x, y] {
            if let Some(a) = answer_of.get(&(k, *n)) {
                name_tokens(a.folded, &mut in_shared);
            }
        }
    }
    let mut others = |k: usize, s: &GroupSheet<'_>| {
        let per_item = sheet_names.entry(k).or_insert_with(|| {
            s.answers
                .iter()
                .zip(&folds[k])
                .map(|(a, folded)| {
                    let mut t = HashSet::new();
                    name_tokens(folded, &mut t);
                    (a.item, t)
                })
                .collect()
        });
        let mut t = HashSet::new();
        for (_, names) in per_item.iter().filter(|(n, _)| !items.contains(n)) {
            t.extend(names.iter().cloned());
        }
        t
    };
    // A name is a house name only when the pair alone uses it: JPCERT, IPA
    // or SOC in other companies' answers too say nothing about who wrote it.
    in_shared.retain(|t| firms_using.get(t).copied().unwrap_or(0) <= 2);
    let (ox, oy) = (others(x, sx), others(y, sy));
    let mut of_x: Vec<String> = in_shared.iter().filter(|t| ox.contains(*t) && !oy.contains(*t)).cloned().collect();
    let mut of_y: Vec<String> = in_shared.iter().filter(|t| oy.contains(*t) && !ox.contains(*t)).cloned().collect();
    // The other company's own name in the shared texts says the same.
    let core = |name: &str| text::fold(name).replace("株式会社", "").replace("(株)", "");
    let (nx, ny) = (core(sx.name), core(sy.name));
    if nx.chars().count() >= 2 && in_shared.iter().any(|t| t.contains(&nx)) {
        of_x.push(nx.clone());
    }
    if ny.chars().count() >= 2 && in_shared.iter().any(|t| t.contains(&ny)) {
        of_y.push(ny.clone());
    }
    of_x.sort();
    of_y.sort();
    // Positive: y copied from x.
    let names = (of_x.len() as i64 - of_y.len() as i64).clamp(-3, 3) * 2;
    let upload = match sy.arrived().cmp(&sx.arrived()) {
        std::cmp::Ordering::Greater => 1,
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
    };
    let score = names + upload;
    match score.cmp(&0) {
        std::cmp::Ordering::Greater => {
            Direction { copier: Some(y), names: if names > 0 { of_x } else { vec![] }, later: Some(upload > 0) }
        }
        std::cmp::Ordering::Less => {
            Direction { copier: Some(x), names: if names < 0 { of_y } else { vec![] }, later: Some(upload < 0) }
        }
        std::cmp::Ordering::Equal => Direction { copier: None, names: vec![], later: None },
    }
}

/// How often two sheets of this group match on an item by chance, from the
/// background of pairs alike on only one or two items.
struct ChanceMatches {
    /// Per item, the share of pairs of its texts found alike.
    rate: HashMap<ItemNumber, f64>,
    /// The pairs of sheets compared.
    pairs: f64,
}

impl ChanceMatches {
    fn of(
        background: &HashMap<ItemNumber, usize>,
        by_item: &BTreeMap<ItemNumber, Vec<(usize, usize)>>,
        sheets: usize,
    ) -> ChanceMatches {
        let pairs_of = |n: usize| (n * n.saturating_sub(1) / 2).max(1) as f64;
        let rate = background
            .iter()
            .map(|(item, count)| (*item, *count as f64 / pairs_of(by_item.get(item).map_or(0, Vec::len))))
            .collect();
        ChanceMatches { rate, pairs: pairs_of(sheets) }
    }

    /// How many pairs of sheets in the group would be expected to match on
    /// at least `matched` items by chance, given the items sheets `x` and
    /// `y` both answer: the number of pairs times a Poisson tail (which is
    /// wider than that of the independent items it stands for).
    fn expected_pairs(&self, prepared: &[Vec<Prepared<'_>>], x: usize, y: usize, matched: usize) -> f64 {
        let mut of_y: Vec<ItemNumber> = prepared[y].iter().map(|p| p.answer.item).collect();
        of_y.sort_unstable();
        let lambda: f64 = prepared[x]
            .iter()
            .filter(|p| of_y.binary_search(&p.answer.item).is_ok())
            .filter_map(|p| self.rate.get(&p.answer.item))
            .sum();
        self.pairs * poisson_tail(matched, lambda)
    }
}

/// P(X ≥ k) for X ~ Poisson(λ).
fn poisson_tail(k: usize, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    // The term of k, in logarithms (k! can be large).
    let ln_fact: f64 = (2..=k).map(|i| (i as f64).ln()).sum();
    let mut term = (-lambda + k as f64 * lambda.ln() - ln_fact).exp();
    if (k as f64) <= lambda {
        // The head is the smaller sum here.
        let mut head = 0.0;
        let mut t = (-lambda).exp();
        for i in 0..k {
            head += t;
            t *= lambda / (i + 1) as f64;
        }
        return (1.0 - head).max(0.0);
    }
    let mut sum = 0.0;
    let mut i = k;
    while term > sum * 1e-12 && i < k + 1000 {
        sum += term;
        i += 1;
        term *= lambda / i as f64;
    }
    sum
}

/// The prepared text of sheet `i` on item `n`.
fn text_of<'p, 'a>(prepared: &'p [Vec<Prepared<'a>>], i: usize, n: ItemNumber) -> Option<&'p Prepared<'a>> {
    prepared.get(i)?.iter().find(|p| p.answer.item == n)
}

/// Whether a text is group-wide wording (a rollout's text, the parent's
/// template): nearly all (nine in ten) of its 3-grams used by at least the
/// rollout count, so a common phrase with a date of its own still counts.
fn widespread(set: &Shingles, df: &ShingleMap<usize>, companies: usize, config: &DetectorConfig) -> bool {
    let g = &config.group;
    let many = (g.rollout_share * companies as f64).max(g.rollout_min as f64);
    let common = set.iter().filter(|x| df.get(*x).copied().unwrap_or(0) as f64 >= many).count();
    10 * common >= 9 * set.len()
}

/// The pair pass: for every pair of sheets kept, each item both answer and
/// not yet found alike, compared (rarity-weighted) with the lower
/// `copy_pair_similarity` when both texts have at least
/// `copy_pair_min_chars`. Group-wide wording is left out. Items are shared
/// between two threads.
fn pair_pass(
    pairs: &BTreeMap<(usize, usize), Vec<(ItemNumber, f64)>>,
    by_item: &BTreeMap<ItemNumber, Vec<(usize, usize)>>,
    prepared: &[Vec<Prepared<'_>>],
    companies: usize,
    config: &DetectorConfig,
) -> Vec<((usize, usize), ItemNumber, f64)> {
    let g = &config.group;
    // Per item, the pairs to compare on it.
    let mut todo: BTreeMap<ItemNumber, Vec<(usize, usize)>> = BTreeMap::new();
    for (&(x, y), shared) in pairs {
        let done: HashSet<ItemNumber> = shared.iter().map(|s| s.0).collect();
        for p in prepared.get(x).into_iter().flatten() {
            let n = p.answer.item;
            if !done.contains(&n) && text_of(prepared, y, n).is_some() {
                todo.entry(n).or_default().push((x, y));
            }
        }
    }
    let work: Vec<(ItemNumber, Vec<(usize, usize)>)> = todo.into_iter().collect();
    let run = |work: &[(ItemNumber, Vec<(usize, usize)>)]| {
        let mut out = Vec::new();
        for (n, pairs) in work {
            let Some(entries) = by_item.get(n) else { continue };
            let df = document_frequency(entries.iter().map(|&(i, k)| &prepared[i][k].set));
            for &(x, y) in pairs {
                let (Some(a), Some(b)) = (text_of(prepared, x, *n), text_of(prepared, y, *n)) else { continue };
                if a.chars.min(b.chars) < g.copy_pair_min_chars
                    || !may_be_similar(a.folded, b.folded, g.copy_pair_similarity)
                    || widespread(&a.set, &df, companies, config)
                    || widespread(&b.set, &df, companies, config)
                {
                    continue;
                }
                let sim = Weighted::of(&a.set, &df).similarity(&Weighted::of(&b.set, &df));
                if sim >= g.copy_pair_similarity {
                    out.push(((x, y), *n, sim));
                }
            }
        }
        out
    };
    on_halves(&work, run)
}

/// [`copied_evidence`] for some items: each finding with the other sheets
/// whose evidence on that item is nearly the same.
fn copies_in<'a>(
    items: &[&Vec<(usize, usize)>],
    prepared: &'a [Vec<Prepared<'a>>],
    companies: usize,
    config: &DetectorConfig,
) -> Vec<Shared<'a>> {
    let g = &config.group;
    let mut out = Vec::new();
    for all in items {
        let df = document_frequency(all.iter().map(|&(i, k)| &prepared[i][k].set));
        let entries: Vec<(usize, &Prepared<'a>)> =
            all.iter().map(|&(i, k)| (i, &prepared[i][k])).filter(|(_, p)| p.chars >= g.copy_min_chars).collect();
        // Candidates come from the wording at most a few companies share on
        // this item (a sheet's example answer, a common phrase say nothing
        // about copying); similarity weighs every 3-gram by its rarity.
        let common = ((companies as f64) * g.common_share).ceil().max(2.0) as usize;
        // Keyed by (band, band hash); the band hash is already mixed.
        let mut buckets: HashMap<(usize, u64), Vec<usize>, BuildHasherDefault<IdHasher>> = HashMap::default();
        for (k, (_, p)) in entries.iter().enumerate() {
            let rare = p.set.filtered(|x| df.get(&x).copied().unwrap_or(0) <= common);
            // Too little of its own wording left to compare (and an empty set
            // would share every bucket with every other).
            if rare.len() < g.copy_min_distinct {
                continue;
            }
            let sig = minhash(&rare);
            for (b, band) in sig.chunks(SIG / BANDS).enumerate() {
                let h = band.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, x| (h ^ x).wrapping_mul(0x0100_0000_01b3));
                buckets.entry((b, h)).or_default().push(k);
            }
        }
        // Union-find over verified similar pairs.
        let mut parent: Vec<usize> = (0..entries.len()).collect();
        fn root(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        let mut best: HashMap<usize, f64> = HashMap::new();
        let mut seen = PairSet::default();
        // Weighed once per text and item, only for texts in a shared bucket.
        let mut weighed: Vec<Option<Weighted>> = (0..entries.len()).map(|_| None).collect();
        for members in buckets.values().filter(|m| m.len() > 1) {
            for &k in members {
                if weighed[k].is_none() {
                    weighed[k] = Some(Weighted::of(&entries[k].1.set, &df));
                }
            }
        }
        for members in buckets.values().filter(|m| m.len() > 1) {
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    // The cheap checks first: a pair that cannot reach the
                    // threshold never will, in whichever bucket it meets.
                    if entries[a].0 == entries[b].0 {
                        continue;
                    }
                    let (Some(wa), Some(wb)) = (&weighed[a], &weighed[b]) else { continue };
                    if wa.bound(wb) < g.copy_similarity || !seen.insert(pair_key(a, b)) {
                        continue;
                    }
                    let sim = wa.similarity(wb);
                    if sim >= g.copy_similarity {
                        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                        parent[ra] = rb;
                        for k in [a, b] {
                            let e = best.entry(k).or_insert(0.0);
                            *e = e.max(sim);
                        }
                    }
                }
            }
        }
        let mut clusters: HashMap<usize, Vec<usize>> = HashMap::new();
        for k in best.keys() {
            let r = root(&mut parent, *k);
            clusters.entry(r).or_default().push(*k);
        }
        for members in clusters.values() {
            let firms: HashSet<usize> = members.iter().map(|k| entries[*k].0).collect();
            // A group-wide rollout: many companies, naming a group system.
            let named = members.iter().any(|k| g.group_cues.find_in(entries[*k].1.folded).is_some());
            let many = firms.len() >= g.rollout_min && firms.len() as f64 >= g.rollout_share * companies as f64;
            if (named && firms.len() >= g.rollout_min) || many {
                continue;
            }
            for k in members {
                let (sheet, p) = entries[*k];
                let sim = best.get(k).copied().unwrap_or(0.0);
                let partners: Vec<usize> = firms.iter().copied().filter(|f| *f != sheet).collect();
                out.push(Shared { sheet, text: p, sim, partners });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poisson_tail_matches_its_sums() {
        // P(X ≥ 1) = 1 − e^−λ; P(X ≥ 3) for λ = 0.5 and λ = 4 (the head
        // branch) by the closed sums.
        assert!((poisson_tail(1, 0.3) - (1.0 - (-0.3f64).exp())).abs() < 1e-12);
        let head = |l: f64| (-l).exp() * (1.0 + l + l * l / 2.0);
        assert!((poisson_tail(3, 0.5) - (1.0 - head(0.5))).abs() < 1e-12);
        assert!((poisson_tail(3, 4.0) - (1.0 - head(4.0))).abs() < 1e-12);
        assert_eq!(poisson_tail(0, 0.0), 1.0);
        assert_eq!(poisson_tail(3, 0.0), 0.0);
        // Far in the tail, still positive and tiny: 0.01^20 / 20!.
        let t = poisson_tail(20, 0.01);
        assert!(t > 0.0 && t < 1e-57, "{t}");
    }

    #[test]
    fn similarity_sees_copies_not_templates() {
        let a = "情報セキュリティ基本規程を2019年4月に制定し、2023年6月に改定済。全社員にイントラで周知している。";
        let copy = "情報セキュリティ基本規程を2019年4月に制定し、2023年6月に改定済。全社員にイントラで周知しています。";
        let other = "ファイアウォールを2022年に更新し、通信を制限済";
        assert!(similarity(a, copy) > 0.85, "{}", similarity(a, copy));
        assert!(similarity(a, other) < 0.3);
    }
}
