//! Japanese text normalisation shared by ingest, the detectors and storage.
//!
//! Sheets are typed by hand in Excel: full-width digits and letters,
//! half-width kana, era years (令和5年, R5, ㋿5) and stray spaces are all normal.
//! Everything that compares text goes through [`normalize`] (NFKC) first.

use unicode_normalization::UnicodeNormalization;

/// NFKC-normalised text with the wave-dash and dash variants unified and
/// surrounding whitespace trimmed. `１７` → `17`, `ｶﾞ` → `ガ`, `㋿` → `令和`.
pub fn normalize(s: &str) -> String {
    let unify = |c: char| match c {
        '〜' | '～' => '~',
        '‐' | '‑' | '‒' | '–' | '—' | '−' | '－' => '-',
        c => c,
    };
    // Most text is already in NFKC: the quick check spares the rewrite.
    let out: String = if unicode_normalization::is_nfkc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        s.chars().map(unify).collect()
    } else {
        s.nfkc().map(unify).collect()
    };
    out.trim().to_owned()
}

/// [`normalize`] with every whitespace character removed and ASCII letters
/// lower-cased, in one pass: the form detectors compare text in.
pub fn fold(s: &str) -> String {
    normalize(s).chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase()).collect()
}

/// [`normalize`] with every whitespace character removed: the form header
/// labels and pulldown values are compared in.
pub fn normalize_compact(s: &str) -> String {
    normalize(s).chars().filter(|c| !c.is_whitespace()).collect()
}

/// Japanese eras and the calendar year before their first year.
const ERAS: [(&str, &str, i32); 4] =
    [("令和", "r", 2018), ("平成", "h", 1988), ("昭和", "s", 1925), ("大正", "t", 1911)];

/// Reads a year written as `2023`, `2023年(度)`, `令和5年(度)`, `令和元年`, `R5`,
/// `H30` (full width too). Returns the western year, or `None`.
pub fn parse_year(s: &str) -> Option<i32> {
    let norm = normalize_compact(s).to_ascii_lowercase();
    let body = norm.trim_end_matches("年度").trim_end_matches('年');
    for (kanji, letter, offset) in ERAS {
        let rest = body.strip_prefix(kanji).or_else(|| body.strip_prefix(letter));
        if let Some(rest) = rest {
            let rest = rest.trim_start_matches('.');
            let n: i32 = if rest == "元" { 1 } else { rest.parse().ok()? };
            return (1..=99).contains(&n).then_some(offset + n);
        }
    }
    let y: i32 = body.parse().ok()?;
    (1000..=9999).contains(&y).then_some(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfkc_folds_width_and_unifies_dashes() {
        assert_eq!(normalize(" ＩＣカード　１２３ "), "ICカード 123");
        assert_eq!(normalize("ｶﾞｲﾄﾞﾗｲﾝ"), "ガイドライン");
        assert_eq!(normalize("4月〜3月"), "4月~3月");
        assert_eq!(normalize("A－B"), "A-B");
        assert_eq!(normalize_compact("評価の根拠\n記入欄"), "評価の根拠記入欄");
    }

    #[test]
    fn era_years() {
        assert_eq!(parse_year("㋿5年"), Some(2023));
        assert_eq!(parse_year("令和元年度"), Some(2019));
        assert_eq!(parse_year("R.5"), Some(2023));
        assert_eq!(parse_year("2024年度"), Some(2024));
        assert_eq!(parse_year("令和"), None);
        assert_eq!(parse_year("平成100年"), None);
    }
}
