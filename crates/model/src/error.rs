//! Error types of the model crate.

use std::fmt;

/// A value that could not be parsed into a domain type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What was being parsed ("evaluation", "level", …).
    pub what: &'static str,
    /// The value found.
    pub found: String,
    /// What would have been accepted.
    pub expected: &'static str,
}

impl ParseError {
    /// A new parse error.
    pub fn new(what: &'static str, found: impl Into<String>, expected: &'static str) -> Self {
        ParseError { what, found: found.into(), expected }
    }
}

impl ParseError {
    /// What was being parsed, in Japanese.
    pub fn what_ja(&self) -> &'static str {
        match self.what {
            "level" => "レベル",
            "item number" => "項目番号",
            "points" => "点数",
            "evaluation code" | "evaluation" => "評価",
            "role" => "役割",
            "severity" => "重要度",
            "reviewed score" => "レビュー後の点数",
            "decision" => "判定",
            "after" => "ページの続き（after）",
            "fiscal year" => "年度",
            "business-impact tier" => "事業影響度",
            "view" => "表示",
            "scope" => "範囲",
            "submission status" => "提出状況",
            other => other,
        }
    }

    /// What would have been accepted, in Japanese.
    pub fn expected_ja(&self) -> &'static str {
        match self.expected {
            "1, 2 or 3" => "1・2・3 のいずれか",
            "1, 2 or 3 (Lv1 / レベル1)" => "1・2・3 のいずれか（Lv1 / レベル1）",
            "1–999" => "1〜999",
            "a number 1–999 (17, １７, No.17)" => "1〜999 の番号（17、１７、No.17）",
            "0, 1 or 2" => "0・1・2 のいずれか",
            "2, 1, 0, na or unanswered" => "2・1・0・na・unanswered のいずれか",
            "admin, reviewer, subsidiary or auditor" => "admin・reviewer・subsidiary・auditor のいずれか",
            "info, low, medium or high" => "info・low・medium・high のいずれか",
            "undecided, confirmed or dismissed" => "undecided・confirmed・dismissed のいずれか",
            "confirmed with a score, or dismissed without one" => "点数付きの confirmed か、点数なしの dismissed",
            "2000–2100" => "2000〜2100",
            "a cursor from a page's `next`" => "前のページの next の値",
            "2023, 2023年度, 令和5年度 or R5" => "2023、2023年度、令和5年度、R5 のいずれかの形",
            "1 (highest) – 5" => "1（最も高い）〜5",
            "self, suggested or reviewed" => "self・suggested・reviewed のいずれか",
            "lv1, lv2, lv3, target or overall" => "lv1・lv2・lv3・target・overall のいずれか",
            "submitted, in_review, returned, accepted or superseded" => {
                "submitted・in_review・returned・accepted・superseded のいずれか"
            }
            other => other,
        }
    }
}

impl fmt::Display for ParseError {
    /// English, then Japanese: `invalid level: "7" (expected 1, 2 or 3) /
    /// レベルの値 "7" は使えません（1・2・3 のいずれか）`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {}: {:?} (expected {}) / {}の値 {:?} は使えません（{}）",
            self.what,
            self.found,
            self.expected,
            self.what_ja(),
            self.found,
            self.expected_ja()
        )
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::ParseError;

    #[test]
    fn every_message_is_in_both_languages() {
        let e = ParseError::new("level", "7", "1, 2 or 3");
        assert_eq!(
            e.to_string(),
            "invalid level: \"7\" (expected 1, 2 or 3) / レベルの値 \"7\" は使えません（1・2・3 のいずれか）"
        );
        // Every field and every accepted-values text the domain types use has its Japanese.
        let domain = include_str!("domain.rs").to_owned()
            + include_str!("summary.rs")
            + include_str!("workflow.rs")
            + include_str!("db/review.rs");
        let mut seen = 0;
        for call in domain.split("ParseError::new(").skip(1) {
            let literals = literals_of_call(call);
            let Some(what) = literals.first() else { continue };
            // The accepted values as a literal; a named constant (one literal
            // in the call) is checked below.
            let literal = literals.get(1..).and_then(<[String]>::last);
            let what: &'static str = Box::leak(what.clone().into_boxed_str());
            let expected: &'static str = Box::leak(literal.map_or("", String::as_str).to_owned().into_boxed_str());
            let e = ParseError::new(what, "x", expected);
            assert!(!e.what_ja().is_ascii(), "no Japanese name for {what:?}");
            if literal.is_some() && expected.is_ascii() {
                assert_ne!(e.expected_ja(), expected, "no Japanese for {expected:?} ({what})");
            }
            seen += 1;
        }
        assert!(seen >= 15, "found only {seen} ParseError::new calls");
        assert!(!crate::domain::EVALUATION_EXPECTED.is_ascii(), "the evaluation's accepted values need their Japanese");
    }

    /// The string literals of a call's arguments, up to its closing parenthesis.
    fn literals_of_call(args: &str) -> Vec<String> {
        let (mut depth, mut in_string, mut escaped) = (1u32, false, false);
        let (mut out, mut current) = (Vec::new(), String::new());
        for c in args.chars() {
            if in_string {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        in_string = false;
                        out.push(std::mem::take(&mut current));
                    }
                    _ => {
                        escaped = false;
                        current.push(c);
                    }
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        out
    }
}
