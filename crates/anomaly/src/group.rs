//! Group rules: a sheet judged against its size cohort, its own previous
//! year, and the other companies' evidence. Uniform inflation — a company
//! that raises every answer — passes every check inside its own sheet; it
//! shows only here.
//!
//! Pure, like the rest of the crate: the caller passes in the group's sheets
//! for the year analysed and for the year before.
//!
//! Privacy inside the group: no reason names another company or quotes its
//! evidence, and cohort figures are shown only for cohorts of at least
//! `min_shown` companies.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;
use hyoka_model::catalog::Catalog;
use hyoka_model::domain::{Evaluation, FlagTarget, ItemNumber, Level, Points, Severity};
use hyoka_model::scoring;
use hyoka_model::sheet::Answer;

use crate::config::DetectorConfig;
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
    /// The day the sheet speaks for.
    pub assessed_on: NaiveDate,
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

/// The size cohort of a company.
fn cohort_of(size: CompanySize) -> (&'static str, &'static str) {
    match (size.it_staff, size.employees) {
        (Some(0 | 1), _) => ("IT担当1名以下", "one IT person or none"),
        (Some(2..=5), _) => ("IT担当2〜5名", "2–5 IT staff"),
        (Some(_), _) => ("IT担当6名以上", "6 or more IT staff"),
        (None, Some(0..=99)) => ("従業員100名未満", "under 100 employees"),
        (None, Some(100..=999)) => ("従業員100〜999名", "100–999 employees"),
        (None, Some(_)) => ("従業員1000名以上", "1,000 employees or more"),
        (None, None) => ("規模不明", "size unknown"),
    }
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

/// A set of shingles.
pub type Shingles = HashSet<u64, BuildHasherDefault<IdHasher>>;
type ShingleMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// Character 3-grams of folded text, hashed.
fn shingles(folded: &str) -> Shingles {
    let chars: Vec<char> = folded.chars().filter(|c| !c.is_whitespace() && !"。、・()「」".contains(*c)).collect();
    if chars.len() < 3 {
        return chars.iter().map(|c| u64::from(*c)).collect();
    }
    chars
        .windows(3)
        .map(|w| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for c in w {
                h = (h ^ u64::from(*c)).wrapping_mul(0x0100_0000_01b3);
            }
            h
        })
        .collect()
}

/// Jaccard similarity of two shingle sets.
pub fn jaccard(a: &Shingles, b: &Shingles) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.intersection(b).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// Similarity of two evidence texts (character 3-gram Jaccard, 0–1).
pub fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    jaccard(&shingles(&text::fold(a)), &shingles(&text::fold(b)))
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
    let mut out = Vec::new();
    out.extend(cohort_rules(input, config));
    out.extend(year_over_year(input, config));
    out.extend(copied_evidence(input, config));
    out.sort_by_key(|f| (f.sheet, f.finding.target.item(), std::cmp::Reverse(f.finding.severity)));
    out
}

/// Achievement far above the cohort, and 2s that are rare for the size.
fn cohort_rules(input: &GroupInput<'_>, config: &DetectorConfig) -> Vec<GroupFinding> {
    let g = &config.group;
    let n = input.current.len();
    let rates: Vec<Option<f64>> = input
        .current
        .iter()
        .map(|s| {
            let items: Vec<_> = s.answers.iter().map(Answer::scored).collect();
            scoring::achievement(&items, Level::Lv3).overall.rate
        })
        .collect();
    let mut cohorts: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in input.current.iter().enumerate() {
        cohorts.entry(cohort_of(s.size).0).or_default().push(i);
    }
    // Share of 2s per item: in the whole group, and per cohort.
    let mut all_two: HashMap<ItemNumber, (usize, usize)> = HashMap::new();
    let mut cohort_two: HashMap<(&str, ItemNumber), (usize, usize)> = HashMap::new();
    for s in input.current {
        let c = cohort_of(s.size).0;
        for a in s.answers.iter().filter(|a| matches!(a.evaluation, Evaluation::Rated(_))) {
            let two = usize::from(a.evaluation == Evaluation::DONE);
            let e = all_two.entry(a.item).or_default();
            e.0 += two;
            e.1 += 1;
            let e = cohort_two.entry((c, a.item)).or_default();
            e.0 += two;
            e.1 += 1;
        }
    }
    // Median and spread once per cohort (and for the whole group): the
    // company itself is in them, which the median and MAD shrug off.
    let rated = |idx: &mut dyn Iterator<Item = usize>| -> Vec<f64> { idx.filter_map(|j| rates[j]).collect() };
    let pooled_stats = Spread::of(&rated(&mut (0..n)));
    let cohort_stats: HashMap<&str, Option<Spread>> =
        cohorts.iter().map(|(c, m)| (*c, Spread::of(&rated(&mut m.iter().copied())))).collect();
    let mut out = Vec::new();
    for (i, s) in input.current.iter().enumerate() {
        let (c_ja, c_en) = cohort_of(s.size);
        let members = &cohorts[c_ja];
        let pooled = members.len() < g.min_cohort;
        let (stats, peers) = if pooled { (pooled_stats, n - 1) } else { (cohort_stats[c_ja], members.len() - 1) };
        if let (Some(x), Some((med, z))) = (rates[i], stats.and_then(|st| st.z(rates[i])))
            && z > g.robust_z
        {
            let (scope_ja, scope_en) = if pooled {
                (
                    "同規模の会社が少ないためグループ全体".to_owned(),
                    "the whole group (too few companies of the same size)".to_owned(),
                )
            } else {
                (format!("同規模({c_ja})"), format!("companies with {c_en}"))
            };
            let shown = peers + 1 >= g.min_shown;
            let (fig_ja, fig_en) = if shown {
                (
                    format!("の{peers}社の中央値 {:.0}%", med * 100.0),
                    format!(" ({peers} companies, median {:.0}%)", med * 100.0),
                )
            } else {
                (String::new(), String::new())
            };
            out.push(GroupFinding {
                sheet: i,
                finding: Finding {
                    target: FlagTarget::Sheet,
                    rule: "cohort_outlier",
                    severity: Severity::Medium,
                    claimed: Evaluation::DONE,
                    suggested: None,
                    reason_ja: format!("達成率 {:.0}% が{scope_ja}{fig_ja}を大きく上回る (robust z {z:.1})", x * 100.0),
                    reason_en: format!(
                        "achievement {:.0}% stands far above {scope_en}{fig_en} (robust z {z:.1})",
                        x * 100.0
                    ),
                },
            });
        }
        // Rare 2s for the size: only in cohorts big enough to say so.
        if pooled {
            continue;
        }
        for a in s.answers.iter().filter(|a| a.evaluation == Evaluation::DONE) {
            let (all2, alln) = all_two.get(&a.item).copied().unwrap_or((0, 0));
            let (c2, cn) = cohort_two.get(&(c_ja, a.item)).copied().unwrap_or((0, 0));
            // Leave the company itself out of its peers.
            let (c2, cn, all2, alln) =
                (c2.saturating_sub(1), cn.saturating_sub(1), all2.saturating_sub(1), alln.saturating_sub(1));
            if alln == 0 {
                continue;
            }
            let p_all = all2 as f64 / alln as f64;
            let p = (c2 as f64 + g.smoothing * p_all) / (cn as f64 + g.smoothing);
            if p < g.rare_share {
                let (fig_ja, fig_en) = if cn + 1 >= g.min_shown {
                    (
                        format!("同規模({c_ja})の{cn}社で対策完了は{c2}社"),
                        format!("{c2} of {cn} companies with {c_en} do"),
                    )
                } else {
                    (format!("同規模({c_ja})では対策完了がまれ"), format!("rare among companies with {c_en}"))
                };
                out.push(GroupFinding {
                    sheet: i,
                    finding: item_finding(
                        "rare_for_size",
                        Severity::Low,
                        a,
                        None,
                        format!("対策完了としているが、{fig_ja}"),
                        format!("claims 2; {fig_en}"),
                    ),
                });
            }
        }
    }
    out
}

/// Median and spread of a set of rates: the MAD, or the mean absolute
/// deviation (scaled to match) when more than half the values are equal.
#[derive(Debug, Clone, Copy)]
struct Spread {
    median: f64,
    mad: f64,
    mean_ad: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Option<Spread> {
        if values.len() < 4 {
            return None;
        }
        let median = median(values);
        let deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
        let mad = crate::group::median(&deviations);
        let mean_ad = deviations.iter().sum::<f64>() / deviations.len() as f64;
        Some(Spread { median, mad, mean_ad })
    }

    /// The median and the robust z of `x`: 0.6745 (x − median) / MAD.
    fn z(&self, x: Option<f64>) -> Option<(f64, f64)> {
        let x = x?;
        let z = if self.mad > 1e-9 {
            0.6745 * (x - self.median) / self.mad
        } else if self.mean_ad > 1e-9 {
            (x - self.median) / (1.2533 * self.mean_ad)
        } else {
            return None;
        };
        Some((self.median, z))
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len().is_multiple_of(2) { (s[m - 1] + s[m]) / 2.0 } else { s[m] }
}

/// Year over year: jumps with unchanged evidence, a claimed date that
/// contradicts last year's "not done", targets that passed.
fn year_over_year(input: &GroupInput<'_>, config: &DetectorConfig) -> Vec<GroupFinding> {
    let g = &config.group;
    let previous: HashMap<i64, &GroupSheet<'_>> = input.previous.iter().map(|s| (s.company, s)).collect();
    if previous.is_empty() {
        return Vec::new();
    }
    // How many companies jumped to 2 on each item this year: a group rollout.
    let mut jumps: HashMap<ItemNumber, usize> = HashMap::new();
    let mut pairs = 0usize;
    for s in input.current {
        let Some(p) = previous.get(&s.company) else { continue };
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
        let Some(p) = previous.get(&s.company) else { continue };
        let before: HashMap<ItemNumber, &Answer> = p.answers.iter().map(|a| (a.item, a)).collect();
        for a in s.answers {
            let Some(b) = before.get(&a.item) else { continue };
            let (Some(now), Some(then)) = (points(a.evaluation), points(b.evaluation)) else { continue };
            if now > then && a.evaluation == Evaluation::DONE && !rollout(a.item) {
                let sim = if may_be_similar(&a.evidence, &b.evidence, g.unchanged_similarity) {
                    similarity(&a.evidence, &b.evidence)
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
                    let claimed = text::dates(&text::fold(&a.evidence))
                        .into_iter()
                        .filter_map(|d| d.earliest())
                        .filter(|d| *d <= p.assessed_on)
                        .min();
                    if let Some(d) = claimed {
                        out.push(GroupFinding {
                            sheet: i,
                            finding: item_finding(
                                "contradicts_last_year",
                                Severity::High,
                                a,
                                Some(Points::Zero),
                                format!(
                                    "{}年{}月に実施済とあるが、前年({}回答)は未実施(0点)だった",
                                    chrono::Datelike::year(&d),
                                    chrono::Datelike::month(&d),
                                    p.assessed_on
                                ),
                                format!(
                                    "claims it was done in {}, but last year's sheet (answered {}) said 0",
                                    d.format("%Y-%m"),
                                    p.assessed_on
                                ),
                            ),
                        });
                        continue;
                    }
                }
            }
            // A 1 whose target date has passed.
            if then == 1 {
                let target = text::dates(&text::fold(&b.evidence))
                    .into_iter()
                    .filter(|d| d.after(p.assessed_on))
                    .filter_map(|d| d.earliest())
                    .max();
                let Some(t) = target else { continue };
                if t >= s.assessed_on {
                    continue;
                }
                let when = t.format("%Y-%m");
                if now == 1 {
                    out.push(GroupFinding {
                        sheet: i,
                        finding: item_finding(
                            "overdue_target",
                            Severity::Info,
                            a,
                            None,
                            format!("前年に{when}完了予定としたが、まだ対策中"),
                            format!("last year's target {when} has passed and it is still in progress"),
                        ),
                    });
                } else if now == 2 && text::dates(&text::fold(&a.evidence)).is_empty() {
                    out.push(GroupFinding {
                        sheet: i,
                        finding: item_finding(
                            "overdue_target",
                            Severity::Medium,
                            a,
                            Some(Points::One),
                            format!("前年の完了予定({when})を過ぎて対策完了としたが、完了した時期が書かれていない"),
                            format!("claims 2 after last year's target {when}, without saying when it was done"),
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
    for &x in set {
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

/// The same or nearly the same evidence on the same item in several
/// companies' sheets, compared on the wording few companies share.
/// Candidates come from MinHash banding, so the work grows with the group,
/// not with its square; every candidate pair is checked with the exact
/// Jaccard similarity.
fn copied_evidence(input: &GroupInput<'_>, config: &DetectorConfig) -> Vec<GroupFinding> {
    let g = &config.group;
    let companies = input.current.len();
    let mut by_item: BTreeMap<ItemNumber, Vec<(usize, &Answer)>> = BTreeMap::new();
    for (i, s) in input.current.iter().enumerate() {
        for a in s.answers.iter().filter(|a| a.evaluation == Evaluation::DONE) {
            if a.evidence.chars().count() >= g.copy_min_chars {
                by_item.entry(a.item).or_default().push((i, a));
            }
        }
    }
    // Items are independent: share them between two threads.
    let items: Vec<&Vec<(usize, &Answer)>> = by_item.values().filter(|e| e.len() >= 2).collect();
    let (left, right) = items.split_at(items.len() / 2);
    let (mut found, other) = std::thread::scope(|scope| {
        let worker = scope.spawn(|| copies_in(right, companies, config));
        let mine = copies_in(left, companies, config);
        (mine, worker.join().unwrap_or_default())
    });
    found.extend(other);
    // Copying is wholesale: keep an item only when its sheet shares nearly the
    // same wording with one other sheet on several items. Two honest
    // companies may happen to phrase one item alike; rarely several.
    let mut pairs: HashMap<(usize, usize), usize> = HashMap::new();
    for (f, partners) in &found {
        for p in partners {
            *pairs.entry((f.sheet.min(*p), f.sheet.max(*p))).or_default() += 1;
        }
    }
    // Each shared item was counted once from each side.
    let together = |a: usize, b: usize| pairs.get(&(a.min(b), a.max(b))).copied().unwrap_or(0) / 2;
    found
        .into_iter()
        .filter(|(f, partners)| partners.iter().any(|p| together(f.sheet, *p) >= config.group.copy_min_items))
        .map(|(f, _)| f)
        .collect()
}

/// [`copied_evidence`] for some items: each finding with the other sheets
/// whose evidence on that item is nearly the same.
fn copies_in(
    items: &[&Vec<(usize, &Answer)>],
    companies: usize,
    config: &DetectorConfig,
) -> Vec<(GroupFinding, Vec<usize>)> {
    let g = &config.group;
    let mut out = Vec::new();
    for entries in items {
        let folded: Vec<String> = entries.iter().map(|(_, a)| text::fold(&a.evidence)).collect();
        let mut sets: Vec<Shingles> = folded.iter().map(|f| shingles(f)).collect();
        // Wording many of the group's companies use on this item (a sheet's
        // example answer, a common phrase) says nothing about copying: keep only the shingles at
        // most a few companies share, and compare on those.
        let mut df: ShingleMap<usize> = ShingleMap::default();
        for set in &sets {
            for x in set {
                *df.entry(*x).or_default() += 1;
            }
        }
        let common = ((companies as f64) * g.common_share).ceil().max(2.0) as usize;
        for set in &mut sets {
            set.retain(|x| df.get(x).copied().unwrap_or(0) <= common);
        }
        let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
        for (k, set) in sets.iter().enumerate() {
            // Too little of its own wording left to compare (and an empty set
            // would share every bucket with every other).
            if set.len() < g.copy_min_distinct {
                continue;
            }
            let sig = minhash(set);
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
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        for members in buckets.values().filter(|m| m.len() > 1) {
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    if entries[a].0 == entries[b].0 || !seen.insert((a.min(b), a.max(b))) {
                        continue;
                    }
                    if sets[a].len().min(sets[b].len()) < g.copy_min_distinct {
                        continue;
                    }
                    let sim = jaccard(&sets[a], &sets[b]);
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
            let named = members.iter().any(|k| g.group_cues.find_in(&folded[*k]).is_some());
            let many = firms.len() >= g.rollout_min && firms.len() as f64 >= g.rollout_share * companies as f64;
            if (named && firms.len() >= g.rollout_min) || many {
                continue;
            }
            for k in members {
                let (sheet, a) = entries[*k];
                let sim = best.get(k).copied().unwrap_or(0.0);
                let partners: Vec<usize> = firms.iter().copied().filter(|f| *f != sheet).collect();
                out.push((GroupFinding {
                    sheet,
                    finding: item_finding(
                        "copied_evidence",
                        Severity::Medium,
                        a,
                        None,
                        format!("同じ項目で他社とほぼ同じ根拠文(類似度 {sim:.2}、{}社)。自社の実施内容か確認を", firms.len()),
                        format!(
                            "nearly the same evidence as another company's on this item (similarity {sim:.2}, {} companies); check it describes this company",
                            firms.len()
                        ),
                    ),
                }, partners));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_sees_copies_not_templates() {
        let a = "情報セキュリティ基本規程を2019年4月に制定し、2023年6月に改定済。全社員にイントラで周知している。";
        let copy = "情報セキュリティ基本規程を2019年4月に制定し、2023年6月に改定済。全社員にイントラで周知しています。";
        let other = "ファイアウォールを2022年に更新し、通信を制限済";
        assert!(similarity(a, copy) > 0.85, "{}", similarity(a, copy));
        assert!(similarity(a, other) < 0.3);
    }

    #[test]
    fn robust_z_by_hand() {
        let peers = [0.4, 0.5, 0.5, 0.6, 0.45, 0.55];
        let (med, z) = Spread::of(&peers).and_then(|s| s.z(Some(0.95))).unwrap_or_default();
        assert!((med - 0.5).abs() < 1e-9);
        // MAD = median(|0.1, 0, 0, 0.1, 0.05, 0.05|) = 0.05 → z = 0.6745 × 0.45 / 0.05
        assert!((z - 6.0705).abs() < 1e-3, "{z}");
    }
}
