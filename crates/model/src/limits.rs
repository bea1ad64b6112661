//! What a typed text field may hold: at most so many characters, and no
//! control characters (a multi-line field keeps tab and line breaks). One
//! table for every door — the API, the web UI and the CLI reach these
//! fields only through the storage functions, which check them here.
//!
//! Uploaded file names are kept as their base name only ([`base_name`]):
//! the folders a browser or a script sends (`../../`, `C:\Users\…`) are
//! dropped, control characters removed, and the name cut to 255 characters.

use std::fmt;

/// A typed text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A user's login.
    Login,
    /// A user's display name.
    DisplayName,
    /// A company code.
    CompanyCode,
    /// A company name.
    CompanyName,
    /// A company's industry.
    Industry,
    /// A department's name.
    DepartmentName,
    /// A collection's title.
    CollectionTitle,
    /// A collection's message to the companies.
    CollectionMessage,
    /// A reviewer's comment on a decision.
    Comment,
    /// A subsidiary's reply to a flag.
    Reply,
    /// The message of a workflow move (a return).
    Message,
    /// An API token's name.
    TokenName,
}

impl Field {
    /// At most this many characters (Unicode scalar values).
    pub fn max_chars(self) -> usize {
        match self {
            Field::Login => 64,
            Field::CompanyCode => 32,
            Field::DisplayName | Field::Industry | Field::DepartmentName | Field::TokenName => 100,
            Field::CompanyName | Field::CollectionTitle => 200,
            Field::CollectionMessage | Field::Comment | Field::Reply | Field::Message => 4000,
        }
    }

    /// Whether tab and line breaks are allowed.
    pub fn multiline(self) -> bool {
        matches!(self, Field::CollectionMessage | Field::Comment | Field::Reply | Field::Message)
    }

    /// The field's name in Japanese and in English.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Field::Login => ("ログイン名", "login"),
            Field::DisplayName => ("表示名", "display name"),
            Field::CompanyCode => ("会社コード", "company code"),
            Field::CompanyName => ("会社名", "company name"),
            Field::Industry => ("業種", "industry"),
            Field::DepartmentName => ("部署名", "department name"),
            Field::CollectionTitle => ("提出依頼の件名", "collection title"),
            Field::CollectionMessage => ("提出依頼のメッセージ", "collection message"),
            Field::Comment => ("コメント", "comment"),
            Field::Reply => ("回答", "reply"),
            Field::Message => ("メッセージ", "message"),
            Field::TokenName => ("トークン名", "token name"),
        }
    }
}

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// Longer than the field allows.
    TooLong {
        /// The field.
        field: Field,
        /// Its length in characters.
        chars: usize,
    },
    /// A control character (or, in a one-line field, a tab or line break).
    Control {
        /// The field.
        field: Field,
        /// The character's position (1-based, in characters).
        at: usize,
        /// The character.
        ch: char,
    },
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::TooLong { field, chars } => {
                let (ja, en) = field.names();
                let max = field.max_chars();
                write!(
                    f,
                    "the {en} is too long: {chars} characters, at most {max} / {ja}が長すぎます（{chars}文字、上限{max}文字）"
                )
            }
            TextError::Control { field, at, ch } => {
                let (ja, en) = field.names();
                let code = u32::from(*ch);
                write!(
                    f,
                    "the {en} holds a control character U+{code:04X} at character {at}; remove it / \
                     {ja}の{at}文字目に制御文字 U+{code:04X} があります。取り除いてください"
                )
            }
        }
    }
}

impl std::error::Error for TextError {}

/// Whether a character is a control character a typed text may not hold:
/// C0 (U+0000–U+001F), DEL and C1 (U+007F–U+009F); tab, line feed and
/// carriage return only in a multi-line field.
fn refused(ch: char, multiline: bool) -> bool {
    match ch {
        '\t' | '\n' | '\r' => !multiline,
        c => c.is_control(),
    }
}

/// Checks a typed text against its field's rules.
pub fn check(field: Field, value: &str) -> Result<(), TextError> {
    let multiline = field.multiline();
    let mut chars = 0usize;
    for (i, ch) in value.chars().enumerate() {
        if refused(ch, multiline) {
            return Err(TextError::Control { field, at: i + 1, ch });
        }
        chars += 1;
    }
    if chars > field.max_chars() {
        return Err(TextError::TooLong { field, chars });
    }
    Ok(())
}

/// The longest file name kept, in characters.
pub const FILE_NAME_MAX_CHARS: usize = 255;

/// An uploaded file's base name: what follows the last `/` or `\`, without
/// control characters, surrounding spaces or a leading dot run (`..`), cut to
/// [`FILE_NAME_MAX_CHARS`]; `upload` when nothing is left.
pub fn base_name(sent: &str) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    let cut: String = clean.chars().take(FILE_NAME_MAX_CHARS).collect();
    if cut.is_empty() { "upload".to_owned() } else { cut }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(field: Field, value: &str) -> TextError {
        match check(field, value) {
            Err(e) => e,
            Ok(()) => panic!("{value:?} was accepted as {field:?}"),
        }
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        assert!(check(Field::DisplayName, &"長".repeat(100)).is_ok());
        let e = refusal(Field::DisplayName, &"長".repeat(101));
        assert_eq!(e, TextError::TooLong { field: Field::DisplayName, chars: 101 });
        let text = e.to_string();
        assert!(text.contains("at most 100") && text.contains("上限100文字"), "{text}");
        assert!(check(Field::Comment, &"a".repeat(4000)).is_ok());
        assert!(check(Field::Comment, &"a".repeat(4001)).is_err());
    }

    #[test]
    fn control_characters_are_refused_line_breaks_only_where_they_belong() {
        assert!(check(Field::Reply, "一行目\n二行目\r\n\t三行目").is_ok());
        assert_eq!(
            check(Field::CompanyName, "東海\n部品"),
            Err(TextError::Control { field: Field::CompanyName, at: 3, ch: '\n' })
        );
        for bad in ['\0', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            let e = refusal(Field::Comment, &format!("ok{bad}"));
            assert!(matches!(e, TextError::Control { at: 3, .. }), "{bad:?}: {e}");
        }
        let e = refusal(Field::Comment, "a\0").to_string();
        assert!(e.contains("U+0000") && e.contains("制御文字"), "{e}");
        // Full-width and other printable characters are text.
        assert!(check(Field::CompanyCode, "ＤＥＭＯ－００１").is_ok());
    }

    #[test]
    fn a_file_keeps_its_base_name_only() {
        assert_eq!(base_name("../../etc/passwd"), "passwd");
        assert_eq!(base_name(r"C:\Users\tanaka\Desktop\2025年度チェックシート.xlsx"), "2025年度チェックシート.xlsx");
        assert_eq!(base_name("<script>alert(1)</script>.xlsx"), "script>.xlsx");
        assert_eq!(base_name("..\u{0}hidden\n.csv"), "hidden.csv");
        assert_eq!(base_name("../"), "upload");
        assert_eq!(base_name(""), "upload");
        assert_eq!(base_name(&format!("{}.xlsx", "a".repeat(10_000))).chars().count(), FILE_NAME_MAX_CHARS);
    }
}
