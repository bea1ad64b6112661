//! Reading English evidence (overseas subsidiaries) clause by clause.
//!
//! English evidence is read with the same care as Japanese and fills the
//! same [`Clause`] signals, so every rule (same ids, reasons in both
//! languages) applies unchanged. Word boundaries matter in English ("plan" is
//! not "plant", "most" is not "almost"), so the text keeps its spaces and the
//! phrase lists of `[cues_en]` are compiled into word-bounded patterns.
//!
//! The reading is structural where English grammar makes it cheap: a modal
//! or future form (`will`, `is to be`, `going to`), a progressive passive
//! (`is being set up`), a negated verb phrase; a negation that restricts a
//! bad thing (`cannot connect`, `not allowed`, `No one may …`) or a double
//! negative (`No department has not …`) is a control, not a gap.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::text::Clause;

/// A list of English phrases compiled into one word-bounded, case-blind
/// pattern. In an entry, a space matches any run of spaces, `#` one number
/// and `*` one word; every other character is literal.
#[derive(Clone)]
pub struct Phrases {
    words: Vec<String>,
    re: Option<Regex>,
}

impl Phrases {
    /// Compiles `words`.
    pub fn new(words: Vec<String>) -> Phrases {
        let alts: Vec<String> = words
            .iter()
            .filter(|w| !w.trim().is_empty())
            .map(|w| {
                w.trim()
                    .to_lowercase()
                    .split(' ')
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        p.split('*')
                            .map(|q| q.split('#').map(regex::escape).collect::<Vec<_>>().join(r"\d+(?:[.,]\d+)?"))
                            .collect::<Vec<_>>()
                            .join(r"[\w'-]+")
                    })
                    .collect::<Vec<_>>()
                    .join(r"\s+")
            })
            .collect();
        let re = if alts.is_empty() {
            None
        } else {
            Regex::new(&format!(r"(?:^|[^\w])((?:{}))(?:[^\w]|$)", alts.join("|"))).ok()
        };
        Phrases { words, re }
    }

    /// The first entry found, as it stands in `text`.
    pub fn find(&self, text: &str) -> Option<String> {
        let re = self.re.as_ref()?;
        re.captures(text).and_then(|c| c.get(1)).map(|m| m.as_str().to_owned())
    }

    /// Byte range of the first match.
    pub fn find_at(&self, text: &str) -> Option<(usize, usize)> {
        let re = self.re.as_ref()?;
        re.captures(text).and_then(|c| c.get(1)).map(|m| (m.start(), m.end()))
    }

    /// Whether any entry occurs.
    pub fn any(&self, text: &str) -> bool {
        self.find(text).is_some()
    }
}

impl std::fmt::Debug for Phrases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.words).finish()
    }
}

impl PartialEq for Phrases {
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words
    }
}

impl Serialize for Phrases {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.words.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Phrases {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Phrases::new(Vec::<String>::deserialize(d)?))
    }
}

/// English phrase lists (`[cues_en]` in `config/detector.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each list is documented in config/detector.toml")]
pub struct EnglishCues {
    pub completion: Phrases,
    pub plan: Phrases,
    pub progress: Phrases,
    pub stage: Phrases,
    pub stage_exceptions: Phrases,
    pub draft: Phrases,
    pub postponed: Phrases,
    pub stopped: Phrases,
    pub guess: Phrases,
    pub ad_hoc: Phrases,
    pub negation: Phrases,
    pub control_negations: Phrases,
    pub negated_negatives: Phrases,
    pub partial: Phrases,
    pub partial_exceptions: Phrases,
    pub forward: Phrases,
    pub past_state: Phrases,
    pub contradictions: Phrases,
    pub na_reasons: Phrases,
    pub na_weak_reasons: Phrases,
}

/// Whether a text is English: more Latin letters than Japanese characters.
pub fn is_english(text: &str) -> bool {
    let latin = text.chars().filter(char::is_ascii_alphabetic).count();
    let cjk = text.chars().filter(|c| !c.is_ascii() && c.is_alphanumeric()).count();
    (latin >= 3 && cjk == 0) || (latin >= 8 && latin > 3 * cjk)
}

/// Splits English text into clauses: at sentence ends (a full stop not
/// between digits or after a short abbreviation), line breaks, `;`, and
/// before contrastive links (`but`, `however`, `while`); `except` stays in
/// its clause, so an allow-list ("blocked except …") is read whole.
pub fn clauses(text: &str) -> Vec<String> {
    static CONTRAST: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"(?i),?\s+(but|however|although|whereas|while)\s+").ok());
    let mut out = Vec::new();
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        let mut cur = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let next = chars.get(i + 1).copied();
            let ends = match c {
                '.' | '!' | '?' => {
                    let word: String = cur.chars().rev().take_while(|c| c.is_alphanumeric()).collect();
                    let abbrev = matches!(
                        word.as_str(),
                        "on" | "ref"
                            | "tra"
                            | "xe"
                            | "ge"
                            | "ie"
                            | "ca"
                            | "rev"
                            | "ext"
                            | "approx"
                            | "incl"
                            | "etc"
                            | "vs"
                            | "st"
                            | "dept"
                            | "fig"
                    );
                    next.is_none_or(char::is_whitespace) && !abbrev
                }
                ';' | '•' => true,
                _ => false,
            };
            if ends {
                if !cur.trim().is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            } else {
                cur.push(c);
            }
        }
        if !cur.trim().is_empty() {
            out.push(cur);
        }
    }
    let mut split = Vec::new();
    for c in out {
        let Some(re) = CONTRAST.as_ref() else {
            split.push(c);
            continue;
        };
        let mut last = 0;
        for m in re.find_iter(&c) {
            if m.start() > last {
                split.push(c[last..m.start()].to_owned());
            }
            last = m.start();
        }
        split.push(c[last..].to_owned());
    }
    split.into_iter().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect()
}

/// "unregistered devices cannot connect": what a control keeps out.
static RESTRICTION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b(un[a-z]+ed|non-[a-z]+|personal|private|foreign|external|unknown)\b[^.]*\b(cannot|can't|can not|are not allowed|is not allowed|are blocked|is blocked|are not permitted|is not permitted)\b|\b(no one|no-one|nobody)\b[^.]*\b(can|may|is allowed|is able)\b").ok()
});

/// "cannot enter the server room", "may not install": a restriction on
/// access-type verbs is the control; "no PC was behind": none left;
/// "there is no wireless network, so …": a fact given as a reason.
static CONTROL_FORMS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b(cannot|can't|can not|may not|must not|are unable to|is unable to)\s+(be\s+)?(enter|entered|access|accessed|connect|connected|install|installed|use|used|log in|login|open|opened|copy|copied|send|sent|take|taken|bring|brought|plug|plugged|run|download|downloaded|upload|uploaded|print|printed|change|changed|modify|modified|delete|deleted|view|viewed|read|see|join|joined|boot|leave)\b|\bno\s+[a-z]+(\s+[a-z]+)?\s+(was|were|is|are|has|have|had)\s+(behind|missing|found|left|outdated|overdue|unpatched|late|open|pending|lost|affected)\b|\b(shared|common|generic|default|personal|private|unapproved|unauthori[sz]ed)\s+[a-z]+\s+(are|is|were)\s+(not|never)\b|\b(there is no|there are no|we have no|we do not have|we don't have)\b[^.]*\b(so|therefore|hence|thus)\b").ok()
});
/// A restriction with an allow-list ("blocked except IT-issued drives").
static ALLOW_LIST: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b(blocked|prohibited|forbidden|not allowed|not permitted|disabled|denied|restricted|banned)\b[^.]*\b(except|excluding|other than|apart from)\b").ok()
});
/// Shares that are coverage: "70 % of PCs", "coverage 60 %", not "6 % click rate".
static COVERAGE_SHARE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\d{1,2}\s*%\s+(of|coverage|covered|completed|done|deployed|installed|rolled|signed|responded|collected|attendance|enrolled|trained|applied)\b|\b(coverage|covered|completed|done|deployed|installed|rolled out|signed|responded|collected|attendance|enrolled|trained|applied|to)\b[^.%]{0,24}\d{1,2}\s*%").ok()
});

/// "shared accounts are not used", "… are prohibited": the bad practice
/// named only to be denied.
static NEGATED_AFTER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^\W*([a-z'-]+\s+){0,2}(not|never|prohibited|forbidden|banned|disabled|removed|abolished|eliminated|no longer)\b").ok()
});

/// "on the firewall only", "for HQ only": a scope closed by "only".
static ONLY_SCOPE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(on|for|in|at) (the )?[a-z0-9-]+( [a-z0-9-]+)? only\b").ok());

static NUMBERS: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(\d+)\s*(?:of|out of|/)\s*(\d+)\b|\b(\d{1,2})\s*%").ok());

/// Reads English evidence into clauses.
pub fn analyse(evidence: &str, cues: &EnglishCues) -> Vec<Clause> {
    let norm = hyoka_model::text::normalize(evidence);
    clauses(&norm).into_iter().map(|c| clause(&c, cues)).collect()
}

fn clause(original: &str, cues: &EnglishCues) -> Clause {
    let text = format!(" {} ", original.to_lowercase().replace(['\u{2019}', '`'], "'"));
    let past_state = cues.past_state.any(&text);
    let now = |v: Option<String>| if past_state { None } else { v };
    let double_negative = cues.negated_negatives.any(&text);
    let control = cues.control_negations.any(&text)
        || RESTRICTION.as_ref().is_some_and(|re| re.is_match(&text))
        || CONTROL_FORMS.as_ref().is_some_and(|re| re.is_match(&text));
    let negation = if double_negative || control { None } else { cues.negation.find(&text) };
    let stage = if cues.stage_exceptions.any(&text) { None } else { cues.stage.find(&text) };
    let partial = if cues.partial_exceptions.any(&text) || ALLOW_LIST.as_ref().is_some_and(|re| re.is_match(&text)) {
        None
    } else {
        cues.partial
            .find(&text)
            .or_else(|| share_below_all(&text))
            .or_else(|| ONLY_SCOPE.as_ref().and_then(|re| re.find(&text)).map(|m| m.as_str().trim().to_owned()))
    };
    let contradiction = cues
        .contradictions
        .find_at(&text)
        .filter(|(s, e)| {
            cues.negation.find(&text[..*s]).is_none()
                && !NEGATED_AFTER.as_ref().is_some_and(|re| re.is_match(&text[*e..]))
        })
        .map(|(s, e)| text[s..e].to_owned());
    Clause {
        completion: cues.completion.find(&text),
        plan: now(cues.plan.find(&text)),
        progress: now(cues.progress.find(&text)),
        postponed: now(cues.postponed.find(&text)),
        draft: if cues.stage_exceptions.any(&text) { None } else { now(cues.draft.find(&text)) },
        guess: cues.guess.find(&text).or_else(|| cues.ad_hoc.find(&text)),
        negation: now(negation),
        partial,
        forward: cues.forward.any(&text),
        preparatory: false,
        past_state,
        contradiction,
        stopped: if control { None } else { now(cues.stopped.find(&text)) },
        stage: now(stage),
        text,
        original: original.to_owned(),
    }
}

/// "60 of 85", "about 70 %": a share below the whole.
fn share_below_all(text: &str) -> Option<String> {
    let re = NUMBERS.as_ref()?;
    for caps in re.captures_iter(text) {
        if let (Some(a), Some(b)) = (caps.get(1), caps.get(2)) {
            let (a, b): (u32, u32) = (a.as_str().parse().unwrap_or(0), b.as_str().parse().unwrap_or(0));
            if a < b && b > 1 {
                return Some(caps[0].to_owned());
            }
        } else if caps.get(3).and_then(|m| m.as_str().parse::<u32>().ok()).is_some_and(|p| p < 80)
            && COVERAGE_SHARE.as_ref().is_some_and(|re| re.is_match(text))
        {
            return Some(caps[0].to_owned());
        }
    }
    None
}

/// Whether an English 該当なし text gives a reason, and whether that reason
/// is one that does not make an item inapplicable (rarity, no incidents so
/// far, trust, judgement).
pub fn na_reason(evidence: &str, cues: &EnglishCues) -> (bool, Option<String>) {
    static LEAD: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"(?i)^\s*(not applicable|n/a|na|not relevant)\b[\s:.,;-]*").ok());
    let norm = hyoka_model::text::normalize(evidence);
    let body = LEAD.as_ref().map_or(norm.clone(), |re| re.replace(&norm, "").into_owned());
    let text = format!(" {} ", body.to_lowercase());
    let weak = cues.na_weak_reasons.find(&text);
    let given = body.split_whitespace().count() >= 3 && cues.na_reasons.any(&text);
    (given, weak)
}
