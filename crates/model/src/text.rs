//! Japanese text normalisation shared by ingest, the detectors and storage.
//!
//! Sheets are typed by hand in Excel: full-width digits and letters,
//! half-width kana, era years (令和5年, R5, ㋿5) and stray spaces are all normal.
//! Everything that compares text goes through [`normalize`] (NFKC) first.

use unicode_normalization::UnicodeNormalization;

/// The dash and wave-dash variants made one (after NFKC).
fn unify(c: char) -> char {
    match c {
        '〜' | '～' => '~',
        '‐' | '‑' | '‒' | '–' | '—' | '−' | '－' => '-',
        c => c,
    }
}

/// Appends the NFKC form of `s` to `out`, each character passed through
/// `each` first (`None` drops it), in one pass over text already in NFKC —
/// most of it: ASCII needs no check at all, and the quick check builds the
/// output as it reads; only text it cannot pass is normalised in full.
fn nfkc_into(s: &str, out: &mut String, mut each: impl FnMut(char) -> Option<char>) {
    let start = out.len();
    if s.is_ascii() {
        out.extend(s.chars().filter_map(&mut each));
        return;
    }
    let quick = unicode_normalization::is_nfkc_quick(s.chars().inspect(|c| out.extend(each(*c))));
    if quick != unicode_normalization::IsNormalized::Yes {
        out.truncate(start);
        out.extend(s.nfkc().filter_map(each));
    }
}

/// NFKC-normalised text with the wave-dash and dash variants unified and
/// surrounding whitespace trimmed. `１７` → `17`, `ｶﾞ` → `ガ`, `㋿` → `令和`.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    nfkc_into(s, &mut out, |c| Some(unify(c)));
    let end = out.trim_end().len();
    out.truncate(end);
    let lead = out.len() - out.trim_start().len();
    out.drain(..lead);
    out
}

/// [`normalize`] with every whitespace character removed and ASCII letters
/// lower-cased, in one pass: the form detectors compare text in.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    nfkc_into(s, &mut out, |c| {
        let c = unify(c);
        (!c.is_whitespace()).then(|| c.to_ascii_lowercase())
    });
    out
}

/// [`normalize`] with every whitespace character removed: the form header
/// labels and pulldown values are compared in.
pub fn normalize_compact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    nfkc_into(s, &mut out, |c| Some(unify(c)).filter(|c| !c.is_whitespace()));
    out
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

    /// What [`fold`] and [`normalize`] did before their one-pass form:
    /// the full NFKC, then the unification, the trim, the fold.
    fn reference(s: &str) -> (String, String) {
        let n: String = s.nfkc().map(unify).collect::<String>().trim().to_owned();
        let f = n.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase()).collect();
        (n, f)
    }

    #[test]
    fn one_pass_forms_match_the_full_normalisation() {
        let texts = [
            "",
            "   ",
            "Plain ASCII, MFA rolled out in Jan 2025 ",
            "ＩＣカード　１２３",
            "ｶﾞｲﾄﾞﾗｲﾝを令和５年に改定",
            "㋿5年〜R6年 A－B‐C",
            "e\u{301}tude café",
            "　全角スペースで始まり終わる　",
            "情報セキュリティ基本規程を2019年4月に制定し、改定済。",
            "ﾃｽﾄ ｱｲｳ　ＡＢＣ　abc",
            "Ⅲ期 ①② ㈱ ㍻ ﬁ",
        ];
        for t in texts {
            let (n, f) = reference(t);
            assert_eq!(normalize(t), n, "normalize({t:?})");
            assert_eq!(fold(t), f, "fold({t:?})");
            let compact: String = n.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(normalize_compact(t), compact, "normalize_compact({t:?})");
        }
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
