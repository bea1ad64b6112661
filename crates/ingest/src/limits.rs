//! Size limits an uploaded file must stay within. They come from the
//! `[limits]` section of the configuration; [`Limits::default`] holds the
//! shipped defaults.

use serde::{Deserialize, Serialize};

/// How much a single upload may cost to read. Every limit is checked while
/// reading, before the next byte is spent: the decompressed size is counted
/// on the bytes actually inflated, never taken from a zip header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Largest total of the workbook parts inflated from an xlsx, in bytes.
    pub max_decompressed_bytes: u64,
    /// Highest row number that may hold a value, in any sheet or CSV.
    pub max_rows: u32,
    /// Longest text a single cell may hold, in characters (Excel's own
    /// maximum is 32,767).
    pub max_cell_chars: u32,
}

impl Limits {
    /// 20 MiB: the official workbook is well under 1 MiB.
    pub const DEFAULT_FILE_BYTES: u64 = 20 * 1024 * 1024;
    /// 32 MiB of XML: the official workbook inflates to a few MiB, and even
    /// 153 answers of 32,767 characters each stay below. Parts are inflated
    /// whole, so this bounds the memory an xlsx upload takes (issue 17: a
    /// 90 MB shared string under the former 100 MiB took ~300 MB a parse).
    pub const DEFAULT_DECOMPRESSED_BYTES: u64 = 32 * 1024 * 1024;
    /// 5,000 rows: 153 items plus titles, notes and blank rows fit many times over.
    pub const DEFAULT_ROWS: u32 = 5_000;
    /// Excel's own limit for a cell.
    pub const DEFAULT_CELL_CHARS: u32 = 32_767;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: Self::DEFAULT_FILE_BYTES,
            max_decompressed_bytes: Self::DEFAULT_DECOMPRESSED_BYTES,
            max_rows: Self::DEFAULT_ROWS,
            max_cell_chars: Self::DEFAULT_CELL_CHARS,
        }
    }
}
