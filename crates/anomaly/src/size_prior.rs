//! What is usual for a company's size, estimated so that a few inflating
//! companies cannot drag it along.
//!
//! Every sheet (the year analysed and the year before) gets a maturity
//! `m = logit((n₂ + ½) / (n + 1))`, its share of 2s among rated items, and a
//! size `c = ln(1 + employees) + 2 ln(1 + IT staff)`. The previous year's
//! maturities are moved by the median change of the companies answering in
//! both years (the group improves; five inflators barely move a median).
//! What is usual for a size is the **running median** of `m` over the sheets
//! nearest in size, the company's own sheets left out: a median is not
//! dragged by a minority, and last year's honest sheets of the same
//! companies sit in the window too.
//!
//! Each item gets a difficulty `β` (one parameter, fitted so that the
//! expected count of 2s matches the observed one over the sheets not
//! trimmed), and the chance of a 2 on item j for a company of size c is
//! `p = σ(θ(c) + β_j)`. A sheet is judged by the summed surprisal of its
//! 2s: `T = Σ −ln p · (y − p)` over its rated items (2s that name who does
//! the work for the company — 委託, 親会社, MSSP — left out), `z = T / √Var`,
//! then the robust z of `z` over every sheet of both years. Two passes: the
//! sheets that stand out in the first are trimmed from the item fit of the
//! second.

use hyoka_model::domain::{Evaluation, ItemNumber};
use hyoka_model::sheet::Answer;

use crate::CompanySize;

/// One sheet as the size model sees it.
#[derive(Debug, Clone, Copy)]
pub struct SizeInput<'a> {
    /// The company (to leave its own sheets out of its reference).
    pub company: i64,
    /// Its size.
    pub size: CompanySize,
    /// Its answers.
    pub answers: &'a [Answer],
    /// Whether this is a sheet of the year analysed (else the year before).
    pub current: bool,
}

/// What the model says of one sheet.
#[derive(Debug, Clone, Default)]
pub struct SizeJudgement {
    /// Robust z of the sheet's surprisal statistic over the whole group.
    pub robust_z: Option<f64>,
    /// Observed 2s counted (outsourced ones left out).
    pub twos: usize,
    /// Expected 2s for the size.
    pub expected_twos: f64,
    /// Each counted 2 with its chance for the size, rarest first.
    pub claims: Vec<(ItemNumber, f64)>,
}

/// The capacity scalar of a size.
pub fn capacity(size: CompanySize) -> Option<f64> {
    let e = size.employees.map(|e| f64::from(e).ln_1p());
    let i = size.it_staff.map(|i| 2.0 * f64::from(i).ln_1p());
    match (e, i) {
        (Some(e), Some(i)) => Some(e + i),
        // One known: the typical relation (IT staff about 1 % of employees, at least one).
        (Some(e), None) => Some(e + 2.0 * (e.exp() / 100.0).max(1.0).ln_1p()),
        (None, Some(i)) => Some(i + ((i / 2.0).exp_m1() * 100.0).ln_1p()),
        (None, None) => None,
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn median_of(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let m = v.len() / 2;
    let (_, hi, _) = v.select_nth_unstable_by(m, f64::total_cmp);
    let hi = *hi;
    if v.len().is_multiple_of(2) {
        let lo = v[..m].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some((lo + hi) / 2.0)
    } else {
        Some(hi)
    }
}

/// Rated answers of a sheet as (item index in `items`, is a 2, outsourced).
struct Prepared {
    company: i64,
    current: bool,
    c: Option<f64>,
    m: f64,
    rated: Vec<(usize, bool, bool)>,
}

/// Judges every sheet of `sheets`; `outsourced(sheet, answer)` says whether
/// the evidence of a 2 (by its sheet's index in `sheets` and its own in the
/// sheet's answers) names who does the work for the company. The result is
/// in input order.
pub fn judge(sheets: &[SizeInput<'_>], outsourced: &dyn Fn(usize, usize) -> bool, cutoff: f64) -> Vec<SizeJudgement> {
    // Items by number, densely indexed.
    let mut numbers: Vec<ItemNumber> = sheets.iter().flat_map(|s| s.answers.iter().map(|a| a.item)).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let index = |n: ItemNumber| numbers.binary_search(&n).ok();
    let prepared: Vec<Prepared> = sheets
        .iter()
        .enumerate()
        .map(|(j, s)| {
            let rated: Vec<(usize, bool, bool)> = s
                .answers
                .iter()
                .enumerate()
                .filter(|(_, a)| matches!(a.evaluation, Evaluation::Rated(_)))
                .filter_map(|(k, a)| {
                    let two = a.evaluation == Evaluation::DONE;
                    Some((index(a.item)?, two, two && outsourced(j, k)))
                })
                .collect();
            let n2 = rated.iter().filter(|r| r.1).count() as f64;
            let m = ((n2 + 0.5) / (rated.len() as f64 + 1.0)).ln()
                - ((rated.len() as f64 - n2 + 0.5) / (rated.len() as f64 + 1.0)).ln();
            Prepared { company: s.company, current: s.current, c: capacity(s.size), m, rated }
        })
        .collect();
    // The previous year moved by the median change of companies in both years.
    let mut now: Vec<(i64, f64)> = prepared.iter().filter(|p| p.current).map(|p| (p.company, p.m)).collect();
    now.sort_by_key(|x| x.0);
    let mut changes: Vec<f64> = prepared
        .iter()
        .filter(|p| !p.current)
        .filter_map(|p| now.binary_search_by_key(&p.company, |x| x.0).ok().map(|k| now[k].1 - p.m))
        .collect();
    let shift = median_of(&mut changes).unwrap_or(0.0);
    let m: Vec<f64> = prepared.iter().map(|p| if p.current { p.m } else { p.m + shift }).collect();
    // Running median of m by size, own company left out.
    let mut order: Vec<usize> = (0..prepared.len()).filter(|&k| prepared[k].c.is_some()).collect();
    order.sort_by(|&a, &b| prepared[a].c.unwrap_or(0.0).total_cmp(&prepared[b].c.unwrap_or(0.0)));
    let n = order.len();
    let half = (n / 8).clamp(5, 150);
    let mut theta: Vec<Option<f64>> = vec![None; prepared.len()];
    let mut window = Vec::with_capacity(2 * half + 1);
    for (r, &k) in order.iter().enumerate() {
        let lo = r.saturating_sub(half).min(n.saturating_sub(2 * half + 1));
        let hi = (lo + 2 * half + 1).min(n);
        window.clear();
        window.extend(order[lo..hi].iter().filter(|&&o| prepared[o].company != prepared[k].company).map(|&o| m[o]));
        theta[k] = median_of(&mut window);
    }
    let mut trimmed = vec![false; prepared.len()];
    let mut out = Vec::new();
    for _pass in 0..2 {
        let beta = difficulties(&prepared, &m, &trimmed, numbers.len());
        out = prepared
            .iter()
            .zip(&theta)
            .map(|(p, t)| {
                let Some(t) = t else { return (None, SizeJudgement::default()) };
                let (mut tsum, mut var, mut twos, mut expected) = (0.0, 0.0, 0, 0.0);
                let mut claims = Vec::new();
                for &(j, two, out_sourced) in &p.rated {
                    if out_sourced {
                        continue;
                    }
                    let q = sigmoid(t + beta[j]).clamp(1e-4, 1.0 - 1e-4);
                    let w = -q.ln();
                    let y = if two { 1.0 } else { 0.0 };
                    tsum += w * (y - q);
                    var += q * (1.0 - q) * w * w;
                    expected += q;
                    if two {
                        twos += 1;
                        claims.push((numbers[j], q));
                    }
                }
                claims.sort_by(|a, b| a.1.total_cmp(&b.1));
                let z = if var > 1e-9 { Some(tsum / var.sqrt()) } else { None };
                (z, SizeJudgement { robust_z: None, twos, expected_twos: expected, claims })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(z, mut j)| {
                j.robust_z = z;
                j
            })
            .collect();
        // Robust z of z over every sheet.
        let mut zs: Vec<f64> = out.iter().filter_map(|j| j.robust_z).collect();
        let Some(med) = median_of(&mut zs) else { break };
        let mut dev: Vec<f64> = zs.iter().map(|z| (z - med).abs()).collect();
        let mad = median_of(&mut dev).unwrap_or(0.0).max(0.25);
        for j in &mut out {
            j.robust_z = j.robust_z.map(|z| 0.6745 * (z - med) / mad);
        }
        for (k, j) in out.iter().enumerate() {
            trimmed[k] = j.robust_z.is_some_and(|z| z > cutoff);
        }
    }
    out
}

/// Item difficulties: β_j with Σ σ(m_s + β_j) = Σ y_sj over untrimmed sheets.
fn difficulties(prepared: &[Prepared], m: &[f64], trimmed: &[bool], items: usize) -> Vec<f64> {
    let mut per_item: Vec<Vec<(f64, bool)>> = vec![Vec::new(); items];
    for (k, p) in prepared.iter().enumerate() {
        if trimmed[k] {
            continue;
        }
        for &(j, two, _) in &p.rated {
            per_item[j].push((m[k], two));
        }
    }
    per_item
        .iter()
        .map(|obs| {
            if obs.is_empty() {
                return 0.0;
            }
            let n = obs.len() as f64;
            let y = obs.iter().filter(|o| o.1).count() as f64;
            // Shrunk a little so that an item nobody (or everybody) has stays finite.
            let target = (y + 0.5) / (n + 1.0) * n;
            let mean_m = obs.iter().map(|o| o.0).sum::<f64>() / n;
            let p0 = target / n;
            let mut b = (p0 / (1.0 - p0)).ln() - mean_m;
            for _ in 0..8 {
                let (mut f, mut d) = (0.0, 0.0);
                for &(mm, _) in obs {
                    let q = sigmoid(mm + b);
                    f += q;
                    d += q * (1.0 - q);
                }
                if d < 1e-9 {
                    break;
                }
                let step = ((f - target) / d).clamp(-2.0, 2.0);
                b -= step;
                if step.abs() < 1e-4 {
                    break;
                }
            }
            b.clamp(-10.0, 10.0)
        })
        .collect()
}
