//! Reading evidence text: normalisation, clauses, cue signals and dates.
//!
//! Evidence is short, formal business Japanese with stereotyped endings, so
//! clause-scoped word lists explain themselves and work without a
//! morphological dictionary. The traps a plain word match walks into are
//! handled explicitly: plan words in a sentence that reports completion
//! (予定どおり稼働を開始した), negative morphemes inside positive phrases
//! (支障なく), negated negatives (未対応の拠点はない), negations of bad
//! practices (使い回していない), and plans that are over (予定だったが完了).

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;

use crate::config::{Cues, Lexicon};

pub use hyoka_model::text::fold;

/// The punctuation that carries no wording of its own in folded text:
/// 。、・「」 and parentheses (full-width ones fold to these).
pub fn is_punctuation(c: char) -> bool {
    matches!(c, '。' | '、' | '・' | '「' | '」' | '(' | ')')
}

/// One clause of an evidence text and what it says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clause {
    /// The clause, folded, with neutralised phrases blanked out.
    pub text: String,
    /// The clause as folded, for quoting.
    pub original: String,
    /// A completion cue (not directly followed by a plan word).
    pub completion: Option<String>,
    /// A plan cue (not part of a completed-plan phrase).
    pub plan: Option<String>,
    /// A progress cue.
    pub progress: Option<String>,
    /// A postponement cue.
    pub postponed: Option<String>,
    /// A draft cue.
    pub draft: Option<String>,
    /// A guess cue.
    pub guess: Option<String>,
    /// A negation (not done).
    pub negation: Option<String>,
    /// A partial-coverage cue.
    pub partial: Option<String>,
    /// Forward-looking words (next round of something done).
    pub forward: bool,
    /// The clause is about preparatory steps (quotes, selection).
    pub preparatory: bool,
    /// The clause describes a past state (以前は…).
    pub past_state: bool,
    /// A bad practice stated as a fact (共通IDで運用).
    pub contradiction: Option<String>,
    /// Stopped, abolished, or kept only as a formality (形骸化, 休止, suspended).
    pub stopped: Option<String>,
    /// A stage short of done: bought but not installed, approved, a trial,
    /// a test environment only (購入済みで未設置, 稟議承認済み, pilot).
    pub stage: Option<String>,
}

impl Clause {
    /// Any cue that says the measure is not (fully) done now.
    pub fn not_done(&self) -> bool {
        self.negation.is_some()
            || self.plan.is_some()
            || self.progress.is_some()
            || self.postponed.is_some()
            || self.draft.is_some()
            || self.guess.is_some()
            || self.stopped.is_some()
            || self.stage.is_some()
    }
}

/// Splits folded text into clauses at sentence ends, bullets, line breaks,
/// 、 and contrastive endings (だが, ものの), keeping a negation with its verb.
/// A full stop between digits (R7.4, Ver.2.1) does not split.
pub fn clauses(folded_with_breaks: &str) -> Vec<String> {
    const CONTRAST: [&str; 5] = ["だが", "ですが", "ものの", "けれども", "けれど"];
    let chars: Vec<char> = folded_with_breaks.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = c == '.'
            && i > 0
            && chars[i - 1].is_ascii_alphanumeric()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !between_digits
            && matches!(c, '。' | '.' | '!' | '?' | '・' | '\n' | '、' | ',' | ';' | '；' | '●' | '■' | '◆' | '※')
        {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else if !c.is_whitespace() {
            cur.push(c);
            if CONTRAST.iter().any(|w| cur.ends_with(w)) {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The leftmost (then longest) cue of `list` found in `text`.
pub fn find<'a>(text: &str, list: &'a Lexicon) -> Option<&'a str> {
    list.find_in(text)
}

/// The first of `words` found in `text` (for catalog synonyms, which are
/// few and not compiled).
pub fn find_words<'a>(text: &str, words: &'a [String]) -> Option<&'a str> {
    words.iter().find(|w| text.contains(w.as_str())).map(String::as_str)
}

/// Replaces every occurrence of every phrase of `list` with `□` characters,
/// so the words inside them no longer match (lengths are kept).
fn blank(text: &str, list: &Lexicon) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, w) in list.matches(text) {
        out.push_str(&text[last..start]);
        out.extend(std::iter::repeat_n('□', w.chars().count()));
        last = start + w.len();
    }
    out.push_str(&text[last..]);
    out
}

/// Negated negatives: 未対応の拠点はない, 更新されていない端末はない, 例外は
///認めていない, 差異は特になし.
static NEGATED_NEGATIVE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(未\p{Han}{1,3}|[\p{Han}\p{Katakana}ー]{1,8}(され|し)て(い)?ない)(の)?[\p{Han}\p{Katakana}ーa-z0-9]{0,10}(は|が|も)(一切|ひとつも|1つも|1台も|1件も)?(ない|無い|なし|無し|ありません|存在しない|ございません)",
        r"\p{Han}[ぁ-ん]{0,4}ない[\p{Han}\p{Katakana}ーa-z0-9]{1,10}(は|が|も)(一切|一人も|ひとりも|1人も|1台も)?(いない|ない|無い|存在しない|おりません|いません)",
        r"(例外|除外|対象外|漏れ|もれ|抜け|不備|欠落|違反|問題|支障|遅延|遅れ|差異|差分|変更|変更点|改定|改訂|指摘|指摘事項|異常|不一致|検出|事故|インシデント|不正)(の[\p{Han}\p{Katakana}ーa-z0-9]{1,10})?(は|も|等は|事項は)?(特に|一切)?(ない|無い|なし|無し|ありません|ございません|認めていない|認めない|発生していない|見られない|確認されていない|見つかっていない|存在しない|存在せず|発生しておらず)",
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

static COVERAGE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // 3拠点のうち2拠点 / 全5工場中3工場 / 10台中7台
    Regex::new(r"(\d+)(か所|箇所|ヶ所|カ所|拠点|工場|事業所|台|部署|部門|名|人|社|システム)?(のうち|中|の内)(\d+)").ok()
});

static SHARE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(約|およそ|概ね)?(\d{1,2})割|(?:(?:受講|回収|取得|適用|導入|実施|対応|提出|参加|完了|カバー|普及|暗号化|登録|署名|配布|設定|展開|更新|整備|達成|出席|回答)率|約|およそ|割合)(\d{1,2}(?:\.\d)?)%").ok()
});

/// Reads one evidence text into clauses with their signals (English
/// evidence by [`crate::english`]).
pub fn analyse(evidence: &str, cues: &Cues) -> Vec<Clause> {
    if crate::english::is_english(evidence) {
        return crate::english::analyse(evidence, &cues.en);
    }
    // Fold per line so line breaks still end clauses.
    let joined: String =
        evidence.lines().map(|l| hyoka_model::text::normalize(l).to_lowercase()).collect::<Vec<_>>().join("\n");
    clauses(&joined).into_iter().map(|c| clause(&c, cues)).collect()
}

fn clause(original: &str, cues: &Cues) -> Clause {
    let mut text = blank(original, &cues.positive_phrases);
    for re in NEGATED_NEGATIVE.iter() {
        text = re.replace_all(&text, |caps: &regex::Captures<'_>| "□".repeat(caps[0].chars().count())).into_owned();
    }
    // A past state (以前は未整備だったが) says nothing about now.
    let past_state = find(&text, &cues.past_state).is_some();
    let now = |v: Option<String>| if past_state { None } else { v };
    // Plans that are over, or plan words reporting completion, do not count.
    let plan_text = blank(&text, &cues.plan_done);
    let plan = find(&plan_text, &cues.plan)
        .map(str::to_owned)
        .or_else(|| plan_text.ends_with("検討").then(|| "検討".to_owned()));
    // 毎年度末までに行う: a deadline inside a recurring rule, not a plan.
    const HABIT: [&str; 6] = ["毎", "ごと", "定期", "年1回", "年2回", "都度"];
    let plan = plan.filter(|p| {
        !(["までに", "年度内に", "年内に", "今期中", "年度中に"].contains(&p.as_str())
            && HABIT.iter().any(|h| text.contains(h)))
    });
    let progress = find(&plan_text, &cues.progress).map(str::to_owned);
    let postponed = find(&plan_text, &cues.postponed).map(str::to_owned);
    let guess = find(&text, &cues.guess).map(str::to_owned);
    let draft = draft_cue(&text, cues);
    let completion = completion_cue(&text, cues);
    let negation = negation_cue(&text, cues);
    let partial = partial_cue(&text, cues);
    let ending = ending_state(&text);
    let (stopped, stage) = (stopped_cue(&text, cues), stage_cue(&text, cues));
    let plan = plan.or_else(|| ending.clone().filter(|(k, _)| *k == Ending::Intent).map(|(_, w)| w));
    let negation = negation.or_else(|| ending.filter(|(k, _)| *k == Ending::Negated).map(|(_, w)| w));
    let guess = guess.or_else(|| find(&text, &cues.ad_hoc).map(str::to_owned));
    Clause {
        stopped: now(stopped),
        stage: now(stage),
        completion,
        plan: now(plan),
        progress: now(progress),
        postponed: now(postponed),
        draft: now(draft),
        guess,
        negation: now(negation),
        partial,
        contradiction: None,
        forward: find(&text, &cues.forward).is_some(),
        preparatory: find(&text, &cues.preparatory).is_some(),
        past_state,
        text,
        original: original.to_owned(),
    }
}

/// What a clause's final predicate says, read from its ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// A decision or intention: 〜することとした, 〜する方針, 〜していく,
    /// a bare dictionary form (〜を実施する) with a start point (より/から).
    Intent,
    /// A negated predicate or a bare 未 / 無い at the end: 研修は未, 今のところ無い.
    Negated,
}

static INTENT_ENDING: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(こととした|ことにした|こととする|ことになった|方針とした|方針である|方針です|方針としている|する方針|ていく|ていきます|ていきたい|て参ります|てまいります|つもり|を目指す|予定です|予定である|を図る|したいと考え|したい)$",
    )
    .ok()
});
static START_FROM: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(より|から|以降)[^。]*(する|します|行う|行います)$").ok());
static START_THEN_DO: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(年度に|年に|月に|期に|期中に|までに)[^。]*(する|します|行う|行います)$").ok());
static NEGATED_ENDING: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(\p{Han}|\p{Katakana}|ー|[a-z0-9)）]|は|も|:)(未|無い|ない|無し|なし|×)(です|。|)$|(は|も|が)(今のところ|現在|まだ|特に)(無い|ない|なし|無し|ありません)$").ok()
});

fn ending_state(text: &str) -> Option<(Ending, String)> {
    let t = text.trim_end_matches(['□', '。', ')', '）']);
    let tail = |n: usize| -> String {
        let cs: Vec<char> = t.chars().collect();
        cs[cs.len().saturating_sub(n)..].iter().collect()
    };
    const HABIT: [&str; 10] = ["毎年", "毎月", "毎週", "年1回", "年2回", "定期", "都度", "ごと", "毎", "随時"];
    let habitual = HABIT.iter().any(|h| t.contains(h));
    if INTENT_ENDING.as_ref().is_some_and(|re| re.is_match(t))
        || START_FROM.as_ref().is_some_and(|re| re.is_match(t) && has_time(t))
        || (!habitual && START_THEN_DO.as_ref().is_some_and(|re| re.is_match(t) && has_time(t)))
    {
        return Some((Ending::Intent, tail(10)));
    }
    if NEGATED_ENDING.as_ref().is_some_and(|re| re.is_match(t)) {
        return Some((Ending::Negated, tail(10)));
    }
    None
}

fn stopped_cue(text: &str, cues: &Cues) -> Option<String> {
    for (i, w) in cues.stopped.matches(text) {
        // Abolishing a bad practice (共有IDの運用を廃止) is the control.
        let head: Vec<char> = text[..i].chars().collect();
        let before: String = head[head.len().saturating_sub(14)..].iter().collect();
        if cues.bad_practices.find_in(&before).is_some() {
            continue;
        }
        return Some(w.to_owned());
    }
    None
}

fn stage_cue(text: &str, cues: &Cues) -> Option<String> {
    let w = find(text, &cues.stages)?;
    Some(w.to_owned())
}

/// A completion cue not directly followed by a plan or progress word
/// ("稼働予定" and "導入に向け" are plans). A bare noun (導入, 設置) counts
/// only at the end of a clause or followed by し / 済 / 完了.
fn completion_cue(text: &str, cues: &Cues) -> Option<String> {
    const NOT_YET: [&str; 16] = [
        "に向け",
        "を予定",
        "する予定",
        "予定",
        "を検討",
        "の検討",
        "を目指",
        "準備",
        "の準備",
        "検討",
        "中",
        "待ち",
        "したい",
        "する",
        "します",
        "すべく",
    ];
    const DONE_AFTER: [&str; 9] = ["し", "済", "完了", "を開始", "開始", "を完了", "(", "を実施", "を行"];
    let ok = |i: usize, w: &str, noun: bool| {
        let after: String = text[i + w.len()..].chars().take(6).collect();
        let planned =
            cues.plan.starts(&after) || cues.progress.starts(&after) || NOT_YET.iter().any(|p| after.starts_with(p));
        let before: String = text[..i].chars().rev().take(1).collect();
        let noun_ok =
            !noun || after.is_empty() || after.starts_with('□') || DONE_AFTER.iter().any(|p| after.starts_with(p));
        // 開始したい, 導入したい: a wish, not a completion.
        let wish = w.ends_with('た') && after.starts_with('い');
        !planned && !wish && before != "未" && noun_ok
    };
    // 来期より計画を策定し、…: a continuative clause about a time ahead
    // takes the tense of the predicate that ends its sentence.
    if (text.ends_with('し') || text.ends_with('て')) && future_time(text) {
        return None;
    }
    for (list, noun) in [(&cues.completion, false), (&cues.completion_nouns, true)] {
        if let Some((_, w)) = list.matches(text).find(|(i, w)| ok(*i, w, noun)) {
            return Some(w.to_owned());
        }
    }
    None
}

/// A bad practice stated as a fact, not negated later in its sentence.
/// Works on a whole folded text (a cue such as 共通のID・パスワード spans
/// what clause splitting would cut).
pub fn contradiction_cue(text: &str, cues: &Cues) -> Option<String> {
    const DOCUMENTS: [&str; 10] =
        ["規程", "規定", "規則", "ルール", "基準", "方針", "ポリシー", "手順", "要領", "マニュアル"];
    const NEGATORS: [&str; 8] = ["ない", "ず", "禁止", "させない", "しない", "廃止", "なし", "無し"];
    for (i, w) in cues.contradictions.matches(text) {
        let rest = &text[i + w.len()..];
        let after = rest.split(['。', '、']).next().unwrap_or(rest);
        // Part of a document's name (共通のID・パスワード管理規程), not a practice.
        let name_tail = after.trim_start_matches("パスワード").trim_start_matches("の").trim_start_matches("管理");
        if DOCUMENTS.iter().any(|d| name_tail.starts_with(d)) {
            continue;
        }
        if !NEGATORS.iter().any(|n| after.contains(n)) || w.ends_with("ない") || w.ends_with('ず') {
            return Some(w.to_owned());
        }
    }
    None
}

/// A negation: a 未X status word, or a negating verb ending that does not
/// negate a bad practice.
fn negation_cue(text: &str, cues: &Cues) -> Option<String> {
    for (i, w) in cues.not_done_words.matches(text) {
        // 未登録の端末, パッチ未適用PCを抽出: a 未X word modifying a noun
        // names what a control acts on; 未適用0台 counts none left.
        let after = &text[i + w.len()..];
        if w.starts_with('未') && (modifies_noun(after) || zero_count(after)) {
            continue;
        }
        return Some(w.to_owned());
    }
    for (i, w) in cues.negation.matches(text) {
        let before: String = {
            let head: Vec<char> = text[..i].chars().collect();
            head[head.len().saturating_sub(12)..].iter().collect::<String>() + w
        };
        if cues.bad_practices.find_in(&before).is_some() {
            continue;
        }
        // 接続できない設定, 発行されることはない運用, 使っていないサービス:
        // a negated verb modifying a noun describes a control or its object.
        let after = &text[i + w.len()..];
        if !w.ends_with('ず') && !w.ends_with("なし") && !w.ends_with("無し") && modifies_noun(after) {
            continue;
        }
        if after.starts_with('か') {
            continue;
        }
        let quote: String = {
            let head: Vec<char> = text[..i].chars().collect();
            let start = head.len().saturating_sub(6);
            head[start..].iter().collect::<String>() + w
        };
        return Some(quote.replace('□', ""));
    }
    None
}

/// Whether `after` (the text right after a negated or 未X word) starts with
/// a noun the word modifies (の+noun, or a noun directly) followed by a
/// particle or a copula, rather than ending the predicate.
fn modifies_noun(after: &str) -> bool {
    const STATE_NOUNS: [&str; 6] = ["状態", "まま", "段階", "状況", "部分", "箇所"];
    let a = after.strip_prefix('の').unwrap_or(after);
    if STATE_NOUNS.iter().any(|n| a.starts_with(n)) {
        return false;
    }
    let noun: String = a
        .chars()
        .take_while(|c| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{30A0}'..='\u{30FF}' | 'a'..='z' | '0'..='9'))
        .collect();
    !noun.is_empty() && !noun.chars().all(|c| c.is_ascii_digit())
}

/// 0台, 0件, 0名: none left.
fn zero_count(after: &str) -> bool {
    let a = after.trim_start_matches(['の', ':', '(']);
    a.starts_with('0') && !a[1..].starts_with(|c: char| c.is_ascii_digit())
}

fn draft_cue(text: &str, cues: &Cues) -> Option<String> {
    if text.contains("(案)") {
        return Some("(案)".into());
    }
    // "規程案", "ルール案": a draft word right after a document word;
    // "ドラフト", "たたき台" wherever they stand; "案" alone is not (提案, 案内).
    for (i, d) in cues.draft.matches(text) {
        if d.starts_with('未') && modifies_noun(&text[i + d.len()..]) {
            continue;
        }
        if let Some(subject) = cues.draft_subjects.words().iter().find(|s| text[..i].ends_with(s.as_str())) {
            return Some(format!("{subject}{d}"));
        }
        if d.chars().count() > 1 {
            return Some(d.to_owned());
        }
    }
    None
}

fn partial_cue(text: &str, cues: &Cues) -> Option<String> {
    let t = blank(text, &cues.partial_exceptions);
    if let Some(w) = find(&t, &cues.partial) {
        return Some(w.to_owned());
    }
    for (i, scope) in cues.partial_scopes.matches(&t) {
        let after = &t[i + scope.len()..];
        // 情報システム部門のみが変更できる: "only X can" is a restriction.
        if after.starts_with("のみが") || after.starts_with("だけが") {
            continue;
        }
        if let Some(only) = ["のみ", "だけ", "に限", "限定"].iter().find(|o| after.starts_with(**o)) {
            return Some(format!("{scope}{only}"));
        }
    }
    if let Some(re) = SHARE.as_ref()
        && let Some(caps) = re.captures(&t)
    {
        let n: u32 = caps.get(2).or(caps.get(3)).and_then(|m| m.as_str().parse().ok()).unwrap_or(100);
        // Attendance of 80 % or more is an honest report, not a gap.
        let below = if caps.get(2).is_some() { n <= 8 } else { n < 80 };
        if below {
            return Some(caps[0].to_owned());
        }
    }
    if let Some(re) = COVERAGE.as_ref() {
        for caps in re.captures_iter(&t) {
            let total: u32 = caps[1].parse().unwrap_or(0);
            let done: u32 = caps[4].parse().unwrap_or(0);
            if done < total {
                return Some(caps[0].to_owned());
            }
        }
    }
    None
}

/// A date an evidence text mentions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MentionedDate {
    /// Calendar year (or fiscal year when `fiscal`).
    pub year: i32,
    /// Month, when given.
    pub month: Option<u32>,
    /// Written as a fiscal year (年度): April of `year` to March of the next.
    pub fiscal: bool,
}

impl MentionedDate {
    /// The first day the mention can refer to.
    pub fn earliest(self) -> Option<NaiveDate> {
        match (self.month, self.fiscal) {
            (Some(m), true) => NaiveDate::from_ymd_opt(if m <= 3 { self.year + 1 } else { self.year }, m, 1),
            (Some(m), false) => NaiveDate::from_ymd_opt(self.year, m, 1),
            (None, true) => NaiveDate::from_ymd_opt(self.year, 4, 1),
            (None, false) => NaiveDate::from_ymd_opt(self.year, 1, 1),
        }
    }

    /// Whether the mention lies wholly after `day`.
    pub fn after(self, day: NaiveDate) -> bool {
        self.earliest().is_some_and(|d| d > day && !(d.year() == day.year() && d.month() == day.month()))
    }
}

static WESTERN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})(?:(年度)|年|/|\.|-)(?:(\d{1,2})(?:月|\D|$))?").ok());
static ERA: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(令和|平成|r|h)(元|\d{1,2})(?:(年度)|年|\.|/)(?:(\d{1,2})(?:月|\D|$))?").ok());

/// The dates a folded clause mentions (western and era years, with months).
pub fn dates(folded: &str) -> Vec<MentionedDate> {
    let mut out = Vec::new();
    if let Some(re) = WESTERN.as_ref() {
        for caps in re.captures_iter(folded) {
            let Ok(year) = caps[1].parse::<i32>() else { continue };
            let month = caps.get(3).and_then(|m| m.as_str().parse::<u32>().ok()).filter(|m| (1..=12).contains(m));
            out.push(MentionedDate { year, month, fiscal: caps.get(2).is_some() });
        }
    }
    if let Some(re) = ERA.as_ref() {
        for caps in re.captures_iter(folded) {
            let offset = match &caps[1] {
                "令和" | "r" => 2018,
                _ => 1988,
            };
            let n: i32 = if &caps[2] == "元" { 1 } else { caps[2].parse().unwrap_or(0) };
            if n == 0 {
                continue;
            }
            let month = caps.get(4).and_then(|m| m.as_str().parse::<u32>().ok()).filter(|m| (1..=12).contains(m));
            out.push(MentionedDate { year: offset + n, month, fiscal: caps.get(3).is_some() });
        }
    }
    out
}

/// Whether a clause mentions a date or a relative time (来年度, 今期 …,
/// March 2026, FY2026, Q2).
pub fn has_time(folded: &str) -> bool {
    static EN: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,? ?(\d{1,2},? )?20\d\d|\b20\d\d-\d{1,2}|\bfy ?20\d\d|\bq[1-4]\b|\b20\d\d q[1-4]").ok()
    });
    !dates(folded).is_empty()
        || EN.as_ref().is_some_and(|re| re.is_match(folded))
        || future_time(folded)
        || ["年度", "月", "今期", "来期", "年内", "上期", "下期", "四半期", "までに", "月末", "年末"]
            .iter()
            .any(|w| folded.contains(w))
}

/// Whether a clause speaks of a time ahead: 来期, 来年度, 次年度, 第3四半期,
/// next fiscal year, by March 2026, FY2027, Q2.
pub fn future_time(text: &str) -> bool {
    static EN: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"\b(next (fiscal )?(year|fy|term|quarter|month)|by (the )?(end of )?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|q[1-4]|fy|20\d\d)|fy ?20\d\d|target(ed)? (20\d\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|in q[1-4])").ok()
    });
    ["来期", "来年度", "次年度", "来月", "翌年度", "年度内", "年内", "今年度中", "今期中", "四半期"]
        .iter()
        .any(|w| text.contains(w))
        || EN.as_ref().is_some_and(|re| re.is_match(text))
}

/// Share of the character bigrams of `part` that occur in `whole` (0–1).
pub fn containment(part: &str, whole: &str) -> f64 {
    let bigrams = |s: &str| -> Vec<(char, char)> {
        let cs: Vec<char> = s.chars().filter(|c| c.is_alphanumeric()).collect();
        cs.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let p = bigrams(part);
    if p.is_empty() {
        return 0.0;
    }
    let w: std::collections::HashSet<_> = bigrams(whole).into_iter().collect();
    p.iter().filter(|b| w.contains(b)).count() as f64 / p.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DetectorConfig;

    fn cues() -> Cues {
        DetectorConfig::builtin().map(|c| c.cues).unwrap_or_else(|e| panic!("{e}"))
    }

    fn one(text: &str) -> Clause {
        let all = analyse(text, &cues());
        assert_eq!(all.len(), 1, "{all:?}");
        all.into_iter().next().unwrap_or_default()
    }

    #[test]
    fn every_pattern_compiles() {
        assert_eq!(NEGATED_NEGATIVE.len(), 3);
        assert!(COVERAGE.is_some() && WESTERN.is_some() && ERA.is_some());
    }

    #[test]
    fn plan_words_that_report_completion_are_not_plans() {
        let c = one("予定どおり2023年10月に稼働を開始した");
        assert_eq!((c.plan.as_deref(), c.completion.is_some()), (None, true));
        assert!(one("来年度に導入予定").plan.is_some());
        assert!(one("来年度に導入予定").completion.is_none(), "導入予定 is not a completion");
        assert!(one("計画に基づき実施済").plan.is_none());
    }

    #[test]
    fn negative_morphemes_inside_positive_phrases_are_not_negations() {
        for t in [
            "問題なく運用している",
            "支障なく稼働中",
            "漏れなく回収している",
            "未対応の拠点はない",
            "例外は認めていない",
            "パスワードを使い回していない",
        ] {
            assert_eq!(one(t).negation, None, "{t}");
        }
        for t in ["教育は実施していない", "未実施", "退職者のアカウントは削除せずそのまま"]
        {
            assert!(analyse(t, &cues()).iter().any(|c| c.negation.is_some()), "{t}");
        }
    }

    #[test]
    fn partial_coverage_and_its_exceptions() {
        assert!(one("本社のみ適用").partial.is_some());
        assert!(one("重要エリア3か所のうち2か所に設置").partial.is_some());
        assert_eq!(one("3か所のうち3か所に設置").partial, None);
        assert_eq!(one("2023年に規程を一部改定した").partial, None);
        assert_eq!(one("管理者のみがアクセスできる").partial, None);
    }

    #[test]
    fn dates_in_every_form() {
        let d = dates(&fold("令和5年4月に制定、2024年度に改定、R6.10導入、２０２３年１２月"));
        assert_eq!(
            d.iter().map(|d| (d.year, d.month, d.fiscal)).collect::<Vec<_>>(),
            [(2024, None, true), (2023, Some(12), false), (2023, Some(4), false), (2024, Some(10), false)]
        );
        let day = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap_or_default();
        assert!(MentionedDate { year: 2025, month: Some(4), fiscal: false }.after(day));
        assert!(!MentionedDate { year: 2024, month: None, fiscal: true }.after(day));
        assert!(!MentionedDate { year: 2024, month: Some(6), fiscal: false }.after(day));
        assert!(MentionedDate { year: 2024, month: Some(7), fiscal: false }.after(day));
    }
}

#[cfg(test)]
mod debug_reading {
    #[test]
    fn show() {
        let Ok(t) = std::env::var("HYOKA_READ") else { return };
        let cues = crate::config::DetectorConfig::builtin().map(|c| c.cues).unwrap_or_else(|e| panic!("{e}"));
        for c in super::analyse(&t, &cues) {
            println!("{c:?}");
        }
    }
}
