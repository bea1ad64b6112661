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

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {:?} (expected {})", self.what, self.found, self.expected)
    }
}

impl std::error::Error for ParseError {}
