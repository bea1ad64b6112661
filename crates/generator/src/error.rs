//! Errors of the generator and its writers.

/// Why generating or writing a sheet failed.
#[derive(Debug, thiserror::Error)]
pub enum GeneratorError {
    /// A company index outside the group.
    #[error("no company {index} in a group of {count}")]
    UnknownCompany {
        /// The index asked for.
        index: usize,
        /// How many companies the group has.
        count: usize,
    },
    /// rust_xlsxwriter refused something.
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// Writing CSV failed.
    #[error("csv: {0}")]
    Csv(String),
    /// A text holds a character CP932 (Shift_JIS) cannot encode.
    #[error("CP932 cannot encode {character:?} in {text:?}")]
    NotCp932 {
        /// The first character that cannot be encoded.
        character: char,
        /// The text it is in.
        text: String,
    },
}
