//! The sheet's own 達成条件 / 達成基準 / 要求事項 text, read into parts.
//!
//! A multi-part condition names its parts in its own wording: 「ルールを策定し、
//! 教育・周知していること」, 「AかつB」, 「A及びB」, "X are defined, and a Y is
//! maintained". Each part is reduced to its content words (kanji and katakana
//! runs, Latin words of four letters or more); evidence that mentions none of
//! the words of one part while it mentions another part says nothing of that
//! part. The catalog's curated parts (with synonyms) win where they exist.

use std::sync::LazyLock;

use regex::Regex;

/// One part of a condition: its text and its content words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionPart {
    /// The part as written.
    pub text: String,
    /// Content words (folded): kanji bigrams, katakana runs, Latin words.
    pub keys: Vec<String>,
}

static JA_SPLIT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:し|て|り)、|、|及び|および|並びに|ならびに|かつ|とともに|した上で|のうえ").ok());
static EN_SPLIT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i),?\s+and\s+(?:a\s+|an\s+|the\s+|its\s+|their\s+)?|;\s*|,\s+").ok());

const EN_STOP: [&str; 40] = [
    "that",
    "this",
    "with",
    "from",
    "have",
    "been",
    "were",
    "they",
    "their",
    "them",
    "into",
    "when",
    "which",
    "within",
    "every",
    "least",
    "once",
    "each",
    "such",
    "other",
    "also",
    "must",
    "shall",
    "should",
    "will",
    "being",
    "are",
    "for",
    "the",
    "and",
    "kept",
    "made",
    "done",
    "used",
    "regularly",
    "important",
    "related",
    "relevant",
    "employees",
    "company",
];
const JA_STOP: [&str; 14] = [
    "実施",
    "定め",
    "整備",
    "管理",
    "対応",
    "必要",
    "情報",
    "セキュリティ",
    "こと",
    "社内",
    "全社",
    "従業員",
    "関係",
    "状態",
];

/// Splits a condition into parts with their content words; fewer than two
/// parts means the condition is not multi-part.
pub fn parts(condition: &str) -> Vec<ConditionPart> {
    let norm = hyoka_model::text::normalize(condition);
    let english = crate::english::is_english(&norm);
    let re = if english { EN_SPLIT.as_ref() } else { JA_SPLIT.as_ref() };
    let Some(re) = re else { return Vec::new() };
    let pieces: Vec<String> = re.split(&norm).map(|p| p.trim().to_owned()).filter(|p| p.chars().count() >= 3).collect();
    let mut out: Vec<ConditionPart> = pieces
        .into_iter()
        .map(|text| {
            let keys = if english { en_keys(&text) } else { ja_keys(&text) };
            ConditionPart { text, keys }
        })
        .filter(|p| !p.keys.is_empty())
        .collect();
    // A part whose words all occur in another part adds nothing.
    let all: Vec<Vec<String>> = out.iter().map(|p| p.keys.clone()).collect();
    let mut i = 0;
    out.retain(|p| {
        let own = i;
        i += 1;
        !all.iter().enumerate().any(|(j, k)| j != own && p.keys.iter().all(|w| k.contains(w)) && k.len() > p.keys.len())
    });
    out
}

fn en_keys(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 4 && !EN_STOP.contains(w))
        .map(|w| w.trim_end_matches('s').to_owned())
        .collect()
}

fn ja_keys(text: &str) -> Vec<String> {
    let folded = crate::text::fold(text);
    let mut keys = Vec::new();
    let mut run = String::new();
    let mut kind = 0u8;
    let flush = |run: &mut String, kind: u8, keys: &mut Vec<String>| {
        let cs: Vec<char> = run.chars().collect();
        if kind == 1 {
            // Kanji: bigrams, so 消去記録 matches 記録 and 消去.
            for w in cs.windows(2) {
                let b: String = w.iter().collect();
                if !JA_STOP.contains(&b.as_str()) {
                    keys.push(b);
                }
            }
        } else if cs.len() >= 2 && !JA_STOP.contains(&run.as_str()) {
            keys.push(run.clone());
        }
        run.clear();
    };
    for c in folded.chars() {
        let k = match c {
            '\u{4E00}'..='\u{9FFF}' => 1,
            '\u{30A0}'..='\u{30FF}' => 2,
            'a'..='z' => 3,
            _ => 0,
        };
        if k != kind {
            flush(&mut run, kind, &mut keys);
            kind = k;
        }
        if k != 0 {
            run.push(c);
        }
    }
    flush(&mut run, kind, &mut keys);
    keys.dedup();
    keys
}

/// Whether folded (Japanese) or lower-cased (English) evidence mentions a part.
pub fn mentions(evidence: &str, part: &ConditionPart) -> bool {
    let e = crate::text::fold(evidence);
    part.keys.iter().any(|k| e.contains(k.as_str()))
}
