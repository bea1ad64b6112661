//! The rules. Each returns findings whose reasons quote what triggered them.
//!
//! | rule | claimed | severity | suggests |
//! |---|---|---|---|
//! | `not_done` | 2 | high | 0 |
//! | `plan_only` | 2 | high | 0 (plan, postponed) or 1 (under way, draft) |
//! | `future_date` | 2 | high | 1 |
//! | `parts_missing` | 2 | high when a part is denied, else medium | 1 |
//! | `partial` | 2 | medium | 1 |
//! | `guessed` | 2 | medium | 1 |
//! | `empty_evidence` | 2 | medium | 1 |
//! | `placeholder` | 2 or 1 | medium | — |
//! | `copies_example` | 2 | medium | — |
//! | `restates_requirement` | 2 | medium | 1 |
//! | `capacity` | 2 | medium | 1 |
//! | `dependency` | 2 | medium | the prerequisite's score |
//! | `no_named_basis` | 2 | low | — |
//! | `one_without_progress` | 1 | medium | 0 |
//! | `one_without_target` | 1 | info | — |
//! | `zero_without_plan` | 0 | info | — |
//! | `na_without_reason` | 該当なし | medium | 0 |
//! | `na_universal_item` | 該当なし | medium (high without a reason) | 0 |
//! | `na_size_reason` | 該当なし | medium | 0 |
//! | `guttman` (sheet) | — | low / medium | — |
//! | `pasted_evidence` (sheet) | — | medium | — |
//! | `all_two` (sheet) | — | info | — |

use std::collections::BTreeMap;

use hyoka_model::catalog::Item;
use hyoka_model::domain::{Evaluation, FlagTarget, ItemNumber, Level, Points, Severity};
use hyoka_model::sheet::Answer;

use crate::config::DetectorConfig;
use crate::text::{self, Clause};
use crate::{Finding, SheetInput};

/// Quotes at most 40 characters of a clause.
fn quote(s: &str) -> String {
    let cleaned: String = s.chars().filter(|c| *c != '□').collect();
    let mut q: String = cleaned.chars().take(40).collect();
    if cleaned.chars().count() > 40 {
        q.push('…');
    }
    q
}

/// A reason citing a clause and then the cue found in it, `「X」(「Y」)`,
/// without the cue when it is the whole clause (`「X」(「X」)` → `「X」`).
/// `quotes` are the opening and closing quote marks, `cue` what stands
/// between the clause's closing mark and the cue's opening one.
fn without_repeated_cue(reason: &str, (open, close): (&str, &str), cue: &str) -> String {
    let middle = format!("{close}{cue}{open}");
    let end = format!("{close})");
    let mut out = String::with_capacity(reason.len());
    let mut rest = reason;
    while let Some(m) = rest.find(&middle) {
        let (before, after) = (&rest[..m], &rest[m + middle.len()..]);
        let cited = before.rfind(open).map(|o| &before[o + open.len()..]);
        match (cited, after.find(&end)) {
            (Some(c), Some(e)) if after[..e].trim() == c.trim() => {
                out.push_str(before);
                out.push_str(close);
                rest = &after[e + end.len()..];
            }
            _ => {
                out.push_str(&rest[..m + middle.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

struct Ctx<'a> {
    answer: &'a Answer,
    item: Option<&'a Item>,
    config: &'a DetectorConfig,
    input: &'a SheetInput<'a>,
    /// The sheet's own condition text for this item, else the catalog's.
    condition: Option<&'a str>,
}

impl Ctx<'_> {
    fn finding(
        &self,
        rule: &'static str,
        severity: Severity,
        suggested: Option<Points>,
        ja: String,
        en: String,
    ) -> Finding {
        let (ja, en) = (without_repeated_cue(&ja, ("「", "」"), "("), without_repeated_cue(&en, ("“", "”"), " ("));
        Finding::on_item(self.answer, rule, severity, suggested, &ja, &en)
    }

    fn small_company(&self) -> bool {
        let t = &self.config.thresholds;
        match (self.input.company.it_staff, self.input.company.employees) {
            (Some(it), _) => it <= t.small_it_staff,
            (None, Some(e)) => e <= t.small_employees,
            (None, None) => false,
        }
    }
}

/// Per-answer findings, in item order.
pub fn item_findings(
    input: &SheetInput<'_>,
    config: &DetectorConfig,
    conditions: &[(ItemNumber, &str)],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for answer in input.answers {
        let item = input.catalog.item(answer.item);
        let condition = conditions
            .iter()
            .find(|(n, _)| *n == answer.item)
            .map(|(_, c)| *c)
            .or_else(|| item.and_then(|i| i.condition.as_deref()));
        let ctx = Ctx { answer, item, config, input, condition };
        let found = match answer.evaluation {
            Evaluation::Rated(Points::Two) => check_two(&ctx),
            Evaluation::Rated(Points::One) => check_one(&ctx),
            Evaluation::Rated(Points::Zero) => check_zero(&ctx),
            Evaluation::NotApplicable => check_na(&ctx),
            Evaluation::Unanswered => Vec::new(),
        };
        out.extend(found);
    }
    out.extend(dependencies(input));
    out.sort_by_key(|f| (f.target.item(), std::cmp::Reverse(f.severity)));
    out
}

fn is_contentless(folded: &str, config: &DetectorConfig) -> bool {
    let bare: String =
        folded.chars().filter(|c| c.is_alphanumeric() || !c.is_ascii()).filter(|c| !text::is_punctuation(*c)).collect();
    bare.is_empty() || config.cues.contentless.contains_word(&bare)
}

fn has_placeholder(folded: &str, config: &DetectorConfig) -> Option<String> {
    // A masked company name (〇〇ホールディングス, ○○社) is not a template.
    const NAME_TAILS: [&str; 8] = ["ホールディングス", "株式会社", "(株)", "社", "工業", "グループ", "銀行", "商事"];
    config
        .cues
        .placeholders
        .matches(folded)
        .find(|(i, w)| !NAME_TAILS.iter().any(|t| folded[i + w.len()..].starts_with(t)))
        .map(|(_, w)| w.to_owned())
}

/// An English frequency: every month, nightly, weekly, each year.
fn frequency_en(text: &str) -> bool {
    static FREQ: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b(daily|nightly|weekly|monthly|quarterly|yearly|annually|every (day|night|week|month|year|april|quarter)|since 20\d\d|(once|twice|\d+ times) (a|per) (year|month|week|quarter))\b").ok()
    });
    FREQ.as_ref().is_some_and(|re| re.is_match(text))
}

fn has_named_basis(folded: &str, config: &DetectorConfig) -> bool {
    !text::dates(folded).is_empty()
        || text::find(folded, &config.cues.artefacts).is_some()
        || folded.chars().filter(char::is_ascii_alphabetic).count() >= 2
}

fn check_two(ctx: &Ctx<'_>) -> Vec<Finding> {
    let cfg = ctx.config;
    let folded = text::fold(&ctx.answer.evidence);
    if is_contentless(&folded, cfg) {
        let shown = if folded.is_empty() { "(空欄)".to_owned() } else { format!("「{}」", quote(&folded)) };
        let shown_en = if folded.is_empty() { "(empty)".to_owned() } else { format!("“{}”", quote(&folded)) };
        return vec![ctx.finding(
            "empty_evidence",
            Severity::Medium,
            Some(Points::One),
            format!("対策完了(2点)だが根拠が{shown}のみで、規程名・システム名・時期が書かれていない"),
            format!("claimed 2 but the evidence is only {shown_en}: no rule, system or date is named"),
        )];
    }
    let clauses = text::analyse(&ctx.answer.evidence, &cfg.cues);
    let mut out = Vec::new();
    if let Some(p) = has_placeholder(&folded, cfg) {
        out.push(ctx.finding(
            "placeholder",
            Severity::Medium,
            None,
            format!("根拠に記入例の「{p}」が残っている"),
            format!("the evidence still holds the template placeholder “{p}”"),
        ));
    }
    // Multi-part conditions first: a denied part is reported as the part it is.
    let parts = parts_findings(ctx, &clauses);
    let parts_flagged = !parts.is_empty();
    out.extend(parts);

    // Something reported done: a completion cue, or a recurring practice
    // stated with its frequency (月1回で共有, nightly backups).
    let any_completion = clauses.iter().any(|c| {
        (c.completion.is_some() || text::find(&c.text, &cfg.cues.frequency).is_some() || frequency_en(&c.text))
            && !c.preparatory
            && !c.not_done()
    });
    if !parts_flagged && let Some(f) = status_finding(ctx, &clauses, any_completion) {
        out.push(f);
    }
    if out.iter().all(|f| f.severity < Severity::High) {
        out.extend(future_date(ctx, &clauses));
    }
    // Weaker signals, in order, only while nothing of medium or more was found.
    let weaker: [&dyn Fn() -> Option<Finding>; 5] = [
        &|| partial_or_guess(ctx, &clauses),
        &|| stale(ctx, &folded, &clauses),
        &|| copies_example(ctx, &folded),
        &|| restates(ctx, &folded),
        &|| capacity(ctx, &folded),
    ];
    for rule in weaker {
        if out.iter().any(|f| f.severity >= Severity::Medium) {
            break;
        }
        out.extend(rule());
    }
    if out.is_empty() && !has_named_basis(&folded, cfg) {
        out.push(ctx.finding(
            "no_named_basis",
            Severity::Low,
            None,
            format!("対策完了(2点)だが規程名・システム名・制定/導入年が書かれていない:「{}」", quote(&folded)),
            format!("claimed 2 but names no rule, system or year: “{}”", quote(&folded)),
        ));
    }
    out
}

/// Contradicted, not done, only planned, in preparation, postponed, a draft.
fn status_finding(ctx: &Ctx<'_>, clauses: &[Clause], any_completion: bool) -> Option<Finding> {
    let whole: String = ctx
        .answer
        .evidence
        .lines()
        .map(|l| hyoka_model::text::normalize(l).to_lowercase())
        .collect::<Vec<_>>()
        .join("。");
    let whole: String = whole.chars().filter(|c| !c.is_whitespace()).collect();
    let english = clauses.iter().find_map(|c| c.contradiction.clone().map(|cue| (cue, c.original.clone())));
    let found = english.or_else(|| {
        text::contradiction_cue(&whole, &ctx.config.cues).map(|cue| {
            let at = whole.find(cue.as_str()).unwrap_or(0);
            (cue, whole[at..].split('。').next().unwrap_or_default().to_owned())
        })
    });
    if let Some((cue, sentence)) = found {
        let cue = cue.trim().to_owned();
        return Some(ctx.finding(
            "contradiction",
            Severity::High,
            Some(Points::Zero),
            format!("対策完了(2点)だが根拠が達成条件と矛盾する運用を述べている:「{}」(「{cue}」)", quote(&sentence)),
            format!(
                "claimed 2 but the evidence describes a practice that contradicts the condition: “{}” (“{cue}”)",
                quote(&sentence)
            ),
        ));
    }
    // Negation: the measure is not done. A negation about the next round of
    // something done (更新は未定) is not.
    // A negation about the next round (更新は未定, 次回は未定) is not.
    let next_round = |c: &Clause| {
        any_completion && c.forward && (c.plan.is_some() || c.negation.as_deref().is_some_and(|n| n.contains("未定")))
    };
    if let Some(c) = clauses.iter().find(|c| c.stopped.is_some()) {
        let cue = c.stopped.clone().unwrap_or_default();
        return Some(ctx.finding(
            "not_done",
            Severity::High,
            Some(Points::Zero),
            format!(
                "対策完了(2点)だが根拠は運用の停止・廃止・形骸化を示している:「{}」(「{}」)",
                quote(&c.original),
                cue.trim()
            ),
            format!(
                "claimed 2 but the evidence says the measure is stopped, abolished or a formality: “{}” (“{}”)",
                quote(&c.original),
                cue.trim()
            ),
        ));
    }
    if let Some(c) = clauses.iter().find(|c| c.negation.is_some() && !next_round(c)) {
        let cue = c.negation.clone().unwrap_or_default().trim().to_owned();
        return Some(ctx.finding(
            "not_done",
            Severity::High,
            Some(Points::Zero),
            format!("対策完了(2点)だが根拠に未実施を示す記述がある:「{}」(「{cue}」)", quote(&c.original)),
            format!("claimed 2 but the evidence says it is not done: “{}” (“{cue}”)", quote(&c.original)),
        ));
    }
    // Under way, a draft or postponed: whatever else the clause reports.
    // Only planned: when the clause reports nothing done, and the plan is not
    // the next round of something done elsewhere in the text.
    let planned = clauses.iter().find(|c| {
        let strong = c.postponed.is_some() || c.progress.is_some() || c.draft.is_some() || c.stage.is_some();
        let forward_ok = any_completion && c.forward;
        !forward_ok && (strong || (c.plan.is_some() && c.completion.is_none()))
    })?;
    // A completed measure with a plan for something else in the same text is
    // ambiguous (FW 導入済、IDS は来年度予定): leave it to a person.
    // A done measure with a plan in another clause: a part of the measure
    // still to come (MFA on VPN; admin accounts will follow later). A next
    // step beyond the condition (二重化, an extra layer) is `forward` and
    // was left out above.
    if any_completion
        && planned.progress.is_none()
        && planned.draft.is_none()
        && planned.postponed.is_none()
        && planned.stage.is_none()
    {
        let cue = planned.plan.clone().unwrap_or_default();
        return Some(ctx.finding(
            "partial",
            Severity::Medium,
            Some(Points::One),
            format!(
                "対策完了(2点)だが根拠の一部は今後の予定として書かれている:「{}」(「{}」)。残りを満たして完了",
                quote(&planned.original),
                cue.trim()
            ),
            format!(
                "claimed 2 but part of the evidence is still a plan: “{}” (“{}”); done means every part",
                quote(&planned.original),
                cue.trim()
            ),
        ));
    }
    let (cue, kind_ja, kind_en, suggest) = if let Some(p) = &planned.postponed {
        (p.clone(), "延期・見送り", "postponed", Points::Zero)
    } else if let Some(p) = &planned.stage {
        (
            p.clone(),
            "完了前の段階(購入・承認・選定・試行など)",
            "at a stage short of done (bought, approved, selected, a trial)",
            Points::One,
        )
    } else if let Some(p) = &planned.draft {
        (p.clone(), "案の段階", "only a draft", Points::One)
    } else if let Some(p) = &planned.progress {
        (p.clone(), "対応中", "still under way", Points::One)
    } else {
        (planned.plan.clone().unwrap_or_default(), "予定・検討段階", "only planned", Points::Zero)
    };
    Some(ctx.finding(
        "plan_only",
        Severity::High,
        Some(suggest),
        format!("対策完了(2点)だが根拠は{kind_ja}を示している:「{}」(「{}」)", quote(&planned.original), cue.trim()),
        format!("claimed 2 but the evidence says it is {kind_en}: “{}” (“{}”)", quote(&planned.original), cue.trim()),
    ))
}

/// A recurring activity (点検, 研修, 見直し) whose latest mention is years
/// before the assessment, with no frequency stated.
fn stale(ctx: &Ctx<'_>, folded: &str, clauses: &[Clause]) -> Option<Finding> {
    let cues = &ctx.config.cues;
    let item = ctx.item?;
    let about = text::fold(&format!("{}{}", item.subject_ja, ctx.condition.unwrap_or("")));
    if text::find(&about, &cues.periodic_items).is_none() || text::find(folded, &cues.frequency).is_some() {
        return None;
    }
    // The latest date must stand in the clause that names the activity.
    let latest = text::dates(folded).into_iter().map(|d| d.year).max()?;
    let clause = clauses.iter().find(|c| {
        text::dates(&c.text).iter().any(|d| d.year == latest) && text::find(&c.text, &cues.recurring).is_some()
    })?;
    let activity = text::find(&clause.text, &cues.recurring).unwrap_or_default();
    let assessed = chrono::Datelike::year(&ctx.input.assessed_on);
    if assessed - latest < ctx.config.thresholds.stale_years {
        return None;
    }
    Some(ctx.finding(
        "stale_periodic",
        Severity::Medium,
        Some(Points::One),
        format!("定期的に行うべき「{activity}」の直近の実施が{latest}年で、回答時点({assessed}年)で時期・頻度を満たしていない"),
        format!("the recurring “{activity}” was last done in {latest}, years before the assessment ({assessed}); timing and frequency are not met"),
    ))
}

fn partial_or_guess(ctx: &Ctx<'_>, clauses: &[Clause]) -> Option<Finding> {
    if let Some(c) = clauses.iter().find(|c| c.guess.is_some()) {
        let cue = c.guess.clone().unwrap_or_default().trim().to_owned();
        return Some(ctx.finding(
            "guessed",
            Severity::Medium,
            Some(Points::One),
            format!("対策完了(2点)だが根拠が推測・個人任せにとどまる:「{}」(「{cue}」)", quote(&c.original)),
            format!(
                "claimed 2 but the evidence only guesses or leaves it to each person: “{}” (“{cue}”)",
                quote(&c.original)
            ),
        ));
    }
    // A company with one site: "本社のみ" is the whole company.
    let single_site = text::find(&text::fold(&ctx.answer.evidence), &ctx.config.cues.single_site).is_some();
    let c = clauses.iter().find(|c| {
        c.partial.as_deref().is_some_and(|p| !(single_site && ctx.config.cues.partial_scopes.find_in(p).is_some()))
    })?;
    let cue = c.partial.clone().unwrap_or_default().trim().to_owned();
    Some(ctx.finding(
        "partial",
        Severity::Medium,
        Some(Points::One),
        format!(
            "対策完了(2点)だが一部の範囲・拠点のみの実施と読める:「{}」(「{cue}」)。重要な場所すべてで満たして完了",
            quote(&c.original)
        ),
        format!(
            "claimed 2 but the evidence covers only part of the scope: “{}” (“{cue}”); done means every important place",
            quote(&c.original)
        ),
    ))
}

fn future_date(ctx: &Ctx<'_>, clauses: &[Clause]) -> Vec<Finding> {
    let day = ctx.input.assessed_on;
    for c in clauses {
        if c.completion.is_none() || text::find(&c.text, &ctx.config.cues.future_ok).is_some() {
            continue;
        }
        if let Some(d) = text::dates(&c.text).into_iter().find(|d| d.after(day)) {
            let when = match d.month {
                Some(m) => format!("{}年{m}月", d.year),
                None if d.fiscal => format!("{}年度", d.year),
                None => format!("{}年", d.year),
            };
            return vec![ctx.finding(
                "future_date",
                Severity::High,
                Some(Points::One),
                format!("回答日({day})より後の{when}に完了したと書かれている:「{}」", quote(&c.original)),
                format!(
                    "the evidence reports completion in {when}, after the answer date {day}: “{}”",
                    quote(&c.original)
                ),
            )];
        }
    }
    Vec::new()
}

/// Multi-part conditions: every part must be covered by a clause that does
/// not say it is not done.
fn parts_findings(ctx: &Ctx<'_>, clauses: &[Clause]) -> Vec<Finding> {
    let Some(item) = ctx.item else { return Vec::new() };
    if item.parts.len() < 2 {
        return condition_parts(ctx, clauses);
    }
    let english = crate::english::is_english(&ctx.answer.evidence);
    let mut covered = Vec::new();
    let mut denied = Vec::new();
    let mut missing = Vec::new();
    for part in &item.parts {
        let syn: Vec<String> = part.synonyms.iter().map(|s| text::fold(s)).collect();
        let mentions: Vec<&Clause> = clauses.iter().filter(|c| text::find_words(&c.text, &syn).is_some()).collect();
        if mentions.is_empty() {
            // The catalog's synonyms are Japanese: in English evidence a part
            // not found is unknown, not missing (a denied part still counts).
            if !english {
                missing.push(part);
            }
        } else if mentions.iter().all(|c| c.not_done() && !c.forward) {
            denied.push((part, mentions[0]));
        } else {
            covered.push(part);
        }
    }
    if covered.is_empty() || (denied.is_empty() && missing.is_empty()) {
        return Vec::new();
    }
    let have_ja: Vec<&str> = covered.iter().map(|p| p.label_ja.as_str()).collect();
    let have_en: Vec<&str> = covered.iter().map(|p| p.label_en.as_str()).collect();
    if let Some((part, clause)) = denied.first() {
        return vec![ctx.finding(
            "parts_missing",
            Severity::High,
            Some(Points::One),
            format!(
                "達成条件の「{}」は書かれているが「{}」は未了と書かれている:「{}」。すべての条件を満たして対策完了",
                have_ja.join("・"),
                part.label_ja,
                quote(&clause.original)
            ),
            format!(
                "the condition needs every part: {} is covered but {} is not done: “{}”",
                have_en.join(", "),
                part.label_en,
                quote(&clause.original)
            ),
        )];
    }
    let miss_ja: Vec<&str> = missing.iter().map(|p| p.label_ja.as_str()).collect();
    let miss_en: Vec<&str> = missing.iter().map(|p| p.label_en.as_str()).collect();
    vec![ctx.finding(
        "parts_missing",
        Severity::Medium,
        Some(Points::One),
        format!(
            "達成条件の「{}」は書かれているが「{}」についての記述がない(例: No.9 はルール策定と教育の両方で完了)",
            have_ja.join("・"),
            miss_ja.join("・")
        ),
        format!(
            "the condition has several parts: the evidence covers {} but says nothing of {}",
            have_en.join(", "),
            miss_en.join(", ")
        ),
    )]
}

/// Parts read from the sheet's own condition text (when the catalog has no
/// curated parts): a part that only clauses saying "not done / planned /
/// stopped" mention, while a clause reporting it done covers another part.
/// A part the evidence does not mention at all is not flagged: on the tuning
/// part of set v2 that raised 6 false alarms and caught nothing new, since
/// honest evidence words a part in its own way (毎年 for 定期的に).
fn condition_parts(ctx: &Ctx<'_>, clauses: &[Clause]) -> Vec<Finding> {
    let Some(condition) = ctx.condition else { return Vec::new() };
    let parts = crate::condition::parts(condition);
    if parts.len() < 2 {
        return Vec::new();
    }
    let mut covered = Vec::new();
    let mut denied = Vec::new();
    for p in &parts {
        let mentions: Vec<&Clause> = clauses.iter().filter(|c| crate::condition::mentions(&c.original, p)).collect();
        if mentions.is_empty() {
            continue;
        }
        match mentions.iter().find(|c| c.not_done() || c.stopped.is_some()) {
            Some(c) if mentions.iter().all(|m| m.not_done() && !m.forward) => denied.push((p, *c)),
            _ => covered.push(p),
        }
    }
    let Some((part, clause)) = denied.first() else { return Vec::new() };
    if covered.is_empty() {
        return Vec::new();
    }
    let have: Vec<String> = covered.iter().map(|p| quote(&p.text)).collect();
    vec![ctx.finding(
        "parts_missing",
        Severity::High,
        Some(Points::One),
        format!(
            "達成条件のうち「{}」は書かれているが「{}」は未了と書かれている:「{}」。すべての条件を満たして対策完了",
            have.join("」「"),
            quote(&part.text),
            quote(&clause.original)
        ),
        format!(
            "the condition needs every part: “{}” is covered but “{}” is not done: “{}”",
            have.join("”, “"),
            quote(&part.text),
            quote(&clause.original)
        ),
    )]
}

/// Evidence that repeats the sheet's own example answers (他社事例, known
/// once the user imported the official workbook) instead of saying what this
/// company did.
fn copies_example(ctx: &Ctx<'_>, folded: &str) -> Option<Finding> {
    let examples = text::fold(ctx.item?.examples.as_deref()?);
    if folded.chars().count() < 12 {
        return None;
    }
    let share = text::containment(folded, &examples);
    (share >= ctx.config.thresholds.restate_containment).then(|| {
        ctx.finding(
            "copies_example",
            Severity::Medium,
            None,
            format!(
                "根拠がチェックシートの他社事例とほぼ同じ(一致 {:.0}%)。自社で実施した内容か確認を:「{}」",
                share * 100.0,
                quote(folded)
            ),
            format!(
                "the evidence repeats the sheet's example answer ({:.0}% the same); check it describes this company: “{}”",
                share * 100.0,
                quote(folded)
            ),
        )
    })
}

fn restates(ctx: &Ctx<'_>, folded: &str) -> Option<Finding> {
    let item = ctx.item?;
    let reference = text::fold(ctx.condition.unwrap_or(&item.subject_ja));
    if reference.chars().count() < 6 || folded.chars().count() > reference.chars().count() + 12 {
        return None;
    }
    if !text::dates(folded).is_empty() {
        return None;
    }
    let share = text::containment(folded, &reference);
    (share >= ctx.config.thresholds.restate_containment).then(|| {
        ctx.finding(
            "restates_requirement",
            Severity::Medium,
            Some(Points::One),
            format!("根拠が要求事項の言い換えにとどまり、何をいつ実施したかが書かれていない:「{}」", quote(folded)),
            format!("the evidence merely restates the requirement, with no what or when: “{}”", quote(folded)),
        )
    })
}

fn capacity(ctx: &Ctx<'_>, folded: &str) -> Option<Finding> {
    let item = ctx.item?;
    let cfg = ctx.config;
    let cap_tag = item.tags.iter().find(|t| t.starts_with("cap-"));
    let lv3 = ctx.answer.level == Level::Lv3;
    let claim = text::find(folded, &cfg.cues.capacity_claims);
    if !ctx.small_company() || (cap_tag.is_none() && !lv3 && claim.is_none()) {
        return None;
    }
    if text::find(folded, &cfg.cues.outsourced).is_some() {
        return None;
    }
    // Thin: names no rule, system or date, or is short and undated.
    let short_undated = folded.chars().count() < cfg.thresholds.thin_evidence_chars && text::dates(folded).is_empty();
    if has_named_basis(folded, cfg) && !short_undated && claim.is_none() {
        return None;
    }
    let (need_ja, need_en) = match cap_tag.map(String::as_str) {
        Some("cap-24x7") => ("24時間の監視", "round-the-clock monitoring"),
        Some("cap-soc") => ("SOC・脅威情報の分析", "a SOC or threat analysis"),
        Some("cap-csirt") => ("CSIRT", "an incident response team"),
        Some("cap-sod") => ("職務の分離", "segregation of duties"),
        Some("cap-audit") => ("定期的な監査", "periodic audits"),
        Some("cap-committee") => ("経営層の委員会", "a management committee"),
        _ if claim.is_some() => ("常時監視や専門チーム", "round-the-clock or specialist resources"),
        _ => ("Lv3の体制", "Lv3-grade resources"),
    };
    let staff = ctx.input.company.it_staff.map_or_else(|| "少人数".to_owned(), |n| format!("IT担当{n}名"));
    let staff_en = ctx.input.company.it_staff.map_or_else(|| "few".to_owned(), |n| n.to_string());
    Some(ctx.finding(
        "capacity",
        Severity::Medium,
        Some(Points::One),
        format!(
            "{staff}の会社で{need_ja}が必要な項目を対策完了としているが、根拠が薄く委託先・親会社などの実施主体も書かれていない:「{}」",
            quote(folded)
        ),
        format!(
            "a company with {staff_en} IT staff claims 2 on an item needing {need_en}, with thin evidence and no outsourcing named: “{}”",
            quote(folded)
        ),
    ))
}

fn check_one(ctx: &Ctx<'_>) -> Vec<Finding> {
    let cfg = ctx.config;
    let folded = text::fold(&ctx.answer.evidence);
    let clauses = text::analyse(&ctx.answer.evidence, &cfg.cues);
    let day = ctx.input.assessed_on;
    let future = |c: &Clause| text::dates(&c.text).iter().any(|d| d.after(day)) || text::future_time(&c.text);
    // A 1 needs something done or under way now, or a plan with a date.
    // Not done, stopped, guessed, postponed, or only a preparatory step
    // (approval, vendor selection) with no date is not in progress.
    let weak = |c: &Clause| c.negation.is_some() || c.stopped.is_some() || c.guess.is_some() || c.postponed.is_some();
    let moving = clauses.iter().any(|c| {
        !weak(c)
            && ((c.stage.is_none()
                && c.progress
                    .as_deref()
                    .is_some_and(|p| !["これから", "はまだ", "がまだ", "待ち", "承認待ち"].contains(&p)))
                || c.draft.is_some()
                || (c.completion.is_some() && !c.preparatory && c.stage.is_none())
                || c.partial.is_some()
                || future(c)
                || (c.plan.is_some() && text::has_time(&c.text)))
    }) || clauses.iter().any(|c| c.stage.is_some() && future(c));
    let stuck = clauses.iter().find(|c| weak(c) || c.stage.is_some() || c.preparatory || c.plan.is_some());
    if let Some(c) = stuck
        && !moving
    {
        return vec![ctx.finding(
            "one_without_progress",
            Severity::Medium,
            Some(Points::Zero),
            format!(
                "対策中(1点)だが根拠は未実施・停止・推測・準備段階のみで、進行中の作業や時期のある計画が書かれていない:「{}」",
                quote(&c.original)
            ),
            format!(
                "claimed 1 but the evidence shows nothing done or under way and no dated plan (not done, stopped, a guess or a preparatory step only): “{}”",
                quote(&c.original)
            ),
        )];
    }
    if !text::has_time(&folded) && !clauses.iter().any(future) {
        return vec![ctx.finding(
            "one_without_target",
            Severity::Info,
            None,
            "対策中(1点)の根拠に完了予定時期が書かれていない".to_owned(),
            "claimed 1 without a planned completion date".to_owned(),
        )];
    }
    Vec::new()
}

fn check_zero(ctx: &Ctx<'_>) -> Vec<Finding> {
    let cfg = ctx.config;
    let clauses = text::analyse(&ctx.answer.evidence, &cfg.cues);
    let planned = clauses.iter().any(|c| c.plan.is_some() || c.progress.is_some())
        || text::has_time(&text::fold(&ctx.answer.evidence));
    if planned {
        return Vec::new();
    }
    vec![ctx.finding(
        "zero_without_plan",
        Severity::Info,
        None,
        "未実施(0点)の根拠に改善計画が書かれていない".to_owned(),
        "claimed 0 without an improvement plan".to_owned(),
    )]
}

fn check_na(ctx: &Ctx<'_>) -> Vec<Finding> {
    let cfg = ctx.config;
    let folded = text::fold(&ctx.answer.evidence);
    let universal = ctx.item.is_some_and(|i| i.has_tag("universal"));
    let (given, weak) = if crate::english::is_english(&ctx.answer.evidence) {
        crate::english::na_reason(&ctx.answer.evidence, &cfg.cues.en)
    } else {
        (
            text::find(&folded, &cfg.cues.na_reasons).is_some(),
            text::find(&folded, &cfg.cues.na_weak_reasons).map(str::to_owned),
        )
    };
    let no_reason = is_contentless(&folded, cfg)
        || matches!(folded.as_str(), "該当なし" | "該当無し" | "対象外" | "n/a" | "na" | "非該当")
        || !given;
    if let Some(size) = text::find(&folded, &cfg.cues.size_reasons) {
        return vec![ctx.finding(
            "na_size_reason",
            Severity::Medium,
            Some(Points::Zero),
            format!("該当なしの理由が会社の規模(「{size}」)で、項目が当てはまらない理由になっていない。未実施(0点)として改善計画を"),
            format!("not applicable because of company size (“{size}”): size does not make an item inapplicable; answer 0 with a plan"),
        )];
    }
    if universal {
        let severity = if no_reason { Severity::High } else { Severity::Medium };
        let given = if folded.is_empty() { "(理由なし)".to_owned() } else { format!("「{}」", quote(&folded)) };
        let given_en = if folded.is_empty() { "(no reason)".to_owned() } else { format!("“{}”", quote(&folded)) };
        return vec![ctx.finding(
            "na_universal_item",
            severity,
            Some(Points::Zero),
            format!("全社が対象となる項目(方針・規程・教育・バックアップ等)で該当なしとしている:{given}"),
            format!(
                "not applicable on an item that applies to every company (policy, rules, training, backups): {given_en}"
            ),
        )];
    }
    if let Some(w) = weak {
        return vec![ctx.finding(
            "na_without_reason",
            Severity::Medium,
            Some(Points::Zero),
            format!("該当なしの理由(「{}」)は頻度・実績・判断の話で、項目が当てはまらない理由になっていない:「{}」", w.trim(), quote(&folded)),
            format!(
                "not applicable, but the reason (“{}”) is about frequency, track record or judgement, not about the item not applying: “{}”",
                w.trim(),
                quote(&ctx.answer.evidence)
            ),
        )];
    }
    if no_reason {
        let shown = if folded.is_empty() { "(空欄)".to_owned() } else { format!("「{}」", quote(&folded)) };
        return vec![ctx.finding(
            "na_without_reason",
            Severity::Medium,
            Some(Points::Zero),
            format!("該当なしだが該当しない理由が書かれていない:{shown}"),
            "not applicable without saying why the item does not apply".to_owned(),
        )];
    }
    Vec::new()
}

/// An item at 2 whose prerequisite (catalog `depends_on`) is 0 or unanswered.
fn dependencies(input: &SheetInput<'_>) -> Vec<Finding> {
    let by_item: BTreeMap<ItemNumber, &Answer> = input.answers.iter().map(|a| (a.item, a)).collect();
    let mut out = Vec::new();
    for a in input.answers.iter().filter(|a| a.evaluation == Evaluation::DONE) {
        let Some(item) = input.catalog.item(a.item) else { continue };
        for dep in &item.depends_on {
            let Some(prereq) = by_item.get(dep) else { continue };
            // A prerequisite not done at all makes the claim implausible; one
            // in progress only asks for a look.
            let (severity, suggest, shown) = match prereq.evaluation {
                Evaluation::Rated(Points::Zero) => (Severity::Medium, Some(Points::Zero), "未実施(0点)"),
                Evaluation::Unanswered => (Severity::Medium, Some(Points::Zero), "未回答"),
                Evaluation::Rated(Points::One) => (Severity::Low, None, "対策中(1点)"),
                _ => continue,
            };
            let dep_subject = input.catalog.item(*dep).map_or("", |i| i.subject_ja.as_str());
            out.push(Finding::on_item(
                a,
                "dependency",
                severity,
                suggest,
                &format!("前提となる{dep}({dep_subject})が{shown}なのに対策完了(2点)としている"),
                &format!("claimed 2 although its prerequisite {dep} is {}", prereq.evaluation.code()),
            ));
            break;
        }
    }
    out
}

/// Findings about the sheet as a whole.
pub fn sheet_findings(input: &SheetInput<'_>, config: &DetectorConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(guttman(input, config));
    out.extend(pasted(input, config));
    let rated: Vec<&Answer> = input.answers.iter().filter(|a| matches!(a.evaluation, Evaluation::Rated(_))).collect();
    let twos = rated.iter().filter(|a| a.evaluation == Evaluation::DONE).count();
    if rated.len() >= 20 && twos as f64 >= config.thresholds.all_two_share * rated.len() as f64 {
        out.push(Finding {
            target: FlagTarget::Sheet,
            rule: "all_two",
            severity: Severity::Info,
            claimed: Evaluation::DONE,
            suggested: None,
            reason_ja: format!("評価した{}項目のうち{twos}項目が対策完了(2点)", rated.len()),
            reason_en: format!("{twos} of {} rated items claim 2", rated.len()),
        });
    }
    out
}

/// Lv3 items at 2 while Lv1 items are 0: a company claiming the advanced
/// while missing the basics.
fn guttman(input: &SheetInput<'_>, config: &DetectorConfig) -> Option<Finding> {
    let lv3_two: Vec<ItemNumber> = input
        .answers
        .iter()
        .filter(|a| a.level == Level::Lv3 && a.evaluation == Evaluation::DONE)
        .map(|a| a.item)
        .collect();
    let lv1_zero: Vec<ItemNumber> = input
        .answers
        .iter()
        .filter(|a| a.level == Level::Lv1 && matches!(a.evaluation, Evaluation::NOT_DONE | Evaluation::Unanswered))
        .map(|a| a.item)
        .collect();
    let pairs = lv3_two.len() * lv1_zero.len();
    let t = &config.thresholds;
    if pairs < t.guttman_low_pairs {
        return None;
    }
    let severity = if pairs >= t.guttman_medium_pairs { Severity::Medium } else { Severity::Low };
    let shown: Vec<String> =
        lv3_two.iter().flat_map(|h| lv1_zero.iter().map(move |l| format!("{h}=2/{l}=0"))).take(5).collect();
    Some(Finding {
        target: FlagTarget::Sheet,
        rule: "guttman",
        severity,
        claimed: Evaluation::DONE,
        suggested: None,
        reason_ja: format!(
            "Lv3項目を対策完了(2点)としながらLv1項目が未実施(0点): {pairs}組 (例: {})",
            shown.join(", ")
        ),
        reason_en: format!("claims Lv3 items at 2 while Lv1 items are 0: {pairs} pairs (e.g. {})", shown.join(", ")),
    })
}

/// One evidence text pasted on many items.
fn pasted(input: &SheetInput<'_>, config: &DetectorConfig) -> Option<Finding> {
    let mut by_text: BTreeMap<String, Vec<ItemNumber>> = BTreeMap::new();
    for a in input.answers.iter().filter(|a| a.evaluation == Evaluation::DONE) {
        let f = text::fold(&a.evidence);
        if f.chars().count() >= config.thresholds.pasted_min_chars {
            by_text.entry(f).or_default().push(a.item);
        }
    }
    let (text, items) = by_text.into_iter().max_by_key(|(_, v)| v.len())?;
    if items.len() < config.thresholds.pasted_min_items {
        return None;
    }
    let list: Vec<String> = items.iter().take(8).map(ToString::to_string).collect();
    Some(Finding {
        target: FlagTarget::Sheet,
        rule: "pasted_evidence",
        severity: Severity::Medium,
        claimed: Evaluation::DONE,
        suggested: None,
        reason_ja: format!(
            "同じ根拠文「{}」が{}項目に貼り付けられている({})",
            quote(&text),
            items.len(),
            list.join(", ")
        ),
        reason_en: format!(
            "the same evidence “{}” is pasted on {} items ({})",
            quote(&text),
            items.len(),
            list.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::without_repeated_cue;

    #[test]
    fn a_cue_that_is_the_whole_clause_is_not_repeated() {
        let ja = |r: &str| without_repeated_cue(r, ("「", "」"), "(");
        let en = |r: &str| without_repeated_cue(r, ("“", "”"), " (");
        assert_eq!(
            ja("記述がある:「現状実施できていない」(「現状実施できていない」)"),
            "記述がある:「現状実施できていない」"
        );
        assert_eq!(ja("記述:「FWは未導入」(「未導入」)。以上"), "記述:「FWは未導入」(「未導入」)。以上");
        assert_eq!(ja("a「x」(「x」)b「y」(「z」)c"), "a「x」b「y」(「z」)c");
        assert_eq!(en("not done: “not yet” (“not yet”)"), "not done: “not yet”");
        assert_eq!(en("not done: “FW not yet” (“not yet”)"), "not done: “FW not yet” (“not yet”)");
        assert_eq!(ja("括弧なし"), "括弧なし");
    }
}
