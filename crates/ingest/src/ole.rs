//! OLE2 compound files: just enough of the container to find the workbook
//! stream of an `.xls`, and just enough of its BIFF records to know, before
//! calamine parses it, how much calamine will allocate.
//!
//! calamine builds each sheet as one dense rectangle from its first to its
//! last cell, and first reserves the rectangle a sheet's DIMENSIONS record
//! declares: a 1 KB file declaring 4 billion rows would make it ask for
//! terabytes (an abort, not a panic). So the scan refuses, as for xlsx, a
//! value below `limits.max_rows`, and a workbook whose declared or used
//! rectangles exceed [`crate::book::DENSE_CELL_BUDGET`]. It also tells a
//! password-protected workbook (an encrypted xlsx is an OLE2 file too).

use crate::book::DENSE_CELL_BUDGET;
use crate::grid::cell_name;
use crate::limits::Limits;
use crate::problem::{Problem, ProblemKind};

/// What the scan learnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    /// Whether the workbook counts dates from 1904.
    pub date1904: bool,
}

const FREE: u32 = 0xFFFF_FFFF;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

fn unreadable(file: &str, detail: impl Into<String>) -> Problem {
    Problem::error(ProblemKind::NotReadable { detail: detail.into() }, file)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

struct Compound<'a> {
    bytes: &'a [u8],
    sector: usize,
    fat: Vec<u32>,
}

impl<'a> Compound<'a> {
    fn open(bytes: &'a [u8]) -> Result<Compound<'a>, String> {
        let broken = |what: &str| format!("OLE2 header: {what}");
        let shift = u16_at(bytes, 0x1E).ok_or_else(|| broken("too short"))?;
        if !matches!(shift, 9 | 12) {
            return Err(broken("bad sector size"));
        }
        let sector = 1usize << shift;
        let mut c = Compound { bytes, sector, fat: Vec::new() };
        let fat_sectors = u32_at(bytes, 0x2C).ok_or_else(|| broken("too short"))? as usize;
        let max_sectors = bytes.len() / sector;
        if fat_sectors > max_sectors {
            return Err(broken("more FAT sectors than the file holds"));
        }
        let mut fat_ids: Vec<u32> = (0..109.min(fat_sectors)).filter_map(|i| u32_at(bytes, 0x4C + 4 * i)).collect();
        let mut difat = u32_at(bytes, 0x44).ok_or_else(|| broken("too short"))?;
        let mut steps = 0;
        while fat_ids.len() < fat_sectors && difat < END_OF_CHAIN {
            steps += 1;
            if steps > max_sectors {
                return Err(broken("the DIFAT chain loops"));
            }
            let data = c.sector_data(difat).ok_or_else(|| broken("DIFAT sector outside the file"))?;
            let per = sector / 4 - 1;
            fat_ids.extend((0..per).filter_map(|i| u32_at(data, 4 * i)).take(fat_sectors - fat_ids.len()));
            difat = u32_at(data, 4 * per).unwrap_or(END_OF_CHAIN);
        }
        let mut fat = Vec::with_capacity(fat_ids.len() * sector / 4);
        for id in fat_ids {
            let data = c.sector_data(id).ok_or_else(|| broken("FAT sector outside the file"))?;
            fat.extend(data.chunks_exact(4).filter_map(|w| u32_at(w, 0)));
        }
        c.fat = fat;
        Ok(c)
    }

    fn sector_data(&self, id: u32) -> Option<&'a [u8]> {
        let start = (id as usize).checked_add(1)?.checked_mul(self.sector)?;
        self.bytes.get(start..start.checked_add(self.sector)?)
    }

    /// The bytes of the chain starting at `start`, at most `limit` of them.
    fn chain(&self, start: u32, limit: usize) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0usize;
        while id != END_OF_CHAIN && id != FREE && out.len() < limit {
            steps += 1;
            if steps > self.fat.len() {
                return Err("OLE2: a sector chain loops".into());
            }
            out.extend_from_slice(self.sector_data(id).ok_or("OLE2: a sector outside the file")?);
            id = *self.fat.get(id as usize).ok_or("OLE2: a sector outside the FAT")?;
        }
        out.truncate(limit);
        Ok(out)
    }

    /// The directory: (name, type, start sector, size).
    fn entries(&self) -> Result<Vec<(String, u8, u32, u64)>, String> {
        let first = u32_at(self.bytes, 0x30).ok_or("OLE2 header: too short")?;
        let dir = self.chain(first, self.bytes.len())?;
        Ok(dir
            .chunks_exact(128)
            .map(|e| {
                let len = usize::from(u16_at(e, 64).unwrap_or(0)).min(64);
                let units: Vec<u16> = e[..len].chunks_exact(2).filter_map(|w| u16_at(w, 0)).collect();
                let name = String::from_utf16_lossy(&units).trim_end_matches('\0').to_owned();
                let size = u64::from(u32_at(e, 120).unwrap_or(0))
                    | if self.sector == 4096 { u64::from(u32_at(e, 124).unwrap_or(0)) << 32 } else { 0 };
                (name, e[66], u32_at(e, 116).unwrap_or(END_OF_CHAIN), size)
            })
            .collect())
    }

    /// A stream's bytes, from the regular or the mini stream.
    fn stream(&self, entries: &[(String, u8, u32, u64)], start: u32, size: u64) -> Result<Vec<u8>, String> {
        let size = usize::try_from(size).map_err(|_| "OLE2: a stream larger than the file")?;
        if size > self.bytes.len() {
            return Err("OLE2: a stream larger than the file".into());
        }
        let cutoff = u32_at(self.bytes, 0x38).unwrap_or(4096) as usize;
        if size >= cutoff {
            let data = self.chain(start, size)?;
            return if data.len() < size { Err("OLE2: a truncated stream".into()) } else { Ok(data) };
        }
        // Small streams live in 64-byte mini sectors inside the root's stream.
        let root = entries.iter().find(|e| e.1 == 5).ok_or("OLE2: no root entry")?;
        let mini = self.chain(root.2, self.bytes.len())?;
        let minifat_start = u32_at(self.bytes, 0x3C).unwrap_or(END_OF_CHAIN);
        let minifat: Vec<u32> =
            self.chain(minifat_start, self.bytes.len())?.chunks_exact(4).filter_map(|w| u32_at(w, 0)).collect();
        let mut out = Vec::with_capacity(size);
        let (mut id, mut steps) = (start, 0usize);
        while out.len() < size && id != END_OF_CHAIN && id != FREE {
            steps += 1;
            if steps > minifat.len() {
                return Err("OLE2: a mini-sector chain loops".into());
            }
            let at = id as usize * 64;
            out.extend_from_slice(mini.get(at..at + 64).ok_or("OLE2: a mini sector outside the mini stream")?);
            id = *minifat.get(id as usize).ok_or("OLE2: a mini sector outside the mini FAT")?;
        }
        if out.len() < size {
            return Err("OLE2: a truncated stream".into());
        }
        out.truncate(size);
        Ok(out)
    }
}

/// A sheet's used rectangle.
#[derive(Default, Clone, Copy)]
struct Used {
    rows: Option<(u32, u32)>,
    cols: (u32, u32),
}

impl Used {
    fn add(&mut self, row: u32, first_col: u32, last_col: u32) {
        match self.rows {
            None => {
                self.rows = Some((row, row));
                self.cols = (first_col, last_col);
            }
            Some((a, b)) => {
                self.rows = Some((a.min(row), b.max(row)));
                self.cols = (self.cols.0.min(first_col), self.cols.1.max(last_col));
            }
        }
    }

    fn area(&self) -> u64 {
        self.rows.map_or(0, |(a, b)| u64::from(b - a + 1) * u64::from(self.cols.1.saturating_sub(self.cols.0) + 1))
    }
}

/// Checks an OLE2 file before calamine reads it as an `.xls`.
pub fn scan(file: &str, bytes: &[u8], limits: &Limits) -> Result<Scan, Problem> {
    let c = Compound::open(bytes).map_err(|d| unreadable(file, d))?;
    let entries = c.entries().map_err(|d| unreadable(file, d))?;
    let named = |n: &str| entries.iter().find(|e| e.1 == 2 && e.0.eq_ignore_ascii_case(n));
    if named("EncryptedPackage").is_some() || named("EncryptionInfo").is_some() {
        return Err(Problem::error(ProblemKind::Encrypted, file));
    }
    let Some(book) = named("Workbook").or_else(|| named("Book")) else {
        return Err(unreadable(file, "an OLE2 file without a Workbook stream: not an .xls workbook"));
    };
    let stream = c.stream(&entries, book.2, book.3).map_err(|d| unreadable(file, d))?;
    records(file, &stream, limits)
}

/// One BIFF record: (type, data), or an error when it runs past the stream.
fn record(stream: &[u8], pos: usize) -> Option<(u16, &[u8])> {
    let typ = u16_at(stream, pos)?;
    let len = usize::from(u16_at(stream, pos + 2)?);
    Some((typ, stream.get(pos + 4..pos + 4 + len)?))
}

fn records(file: &str, stream: &[u8], limits: &Limits) -> Result<Scan, Problem> {
    let broken = |what: &str| unreadable(file, format!("xls: {what}"));
    let mut date1904 = false;
    let mut sheets: Vec<usize> = Vec::new();
    // The workbook globals, up to their EOF.
    let mut pos = 0;
    while pos < stream.len() {
        let (typ, data) = record(stream, pos).ok_or_else(|| broken("a record runs past the stream"))?;
        match typ {
            0x002F if u16_at(data, 0).unwrap_or(0) != 0 => return Err(Problem::error(ProblemKind::Encrypted, file)),
            0x0022 => date1904 = u16_at(data, 0) == Some(1),
            0x0085 => {
                let at = u32_at(data, 0).ok_or_else(|| broken("a short BoundSheet record"))? as usize;
                if data.len() < 8 || at >= stream.len() {
                    return Err(broken("a sheet outside the stream"));
                }
                sheets.push(at);
            }
            0x000A => break,
            _ => {}
        }
        pos += 4 + data.len();
    }
    let mut total: u64 = 0;
    for start in sheets {
        let (mut values, mut formulas) = (Used::default(), Used::default());
        let (mut pos, mut depth, mut seen_bof) = (start, 0usize, false);
        let mut declared: u64 = 0;
        while pos < stream.len() {
            let (typ, data) = record(stream, pos).ok_or_else(|| broken("a record runs past the stream"))?;
            pos += 4 + data.len();
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let cell = |d: &[u8]| -> Option<(u32, u32)> { Some((u32::from(u16_at(d, 0)?), u32::from(u16_at(d, 2)?))) };
            let mut at: Option<(u32, u32, u32)> = None;
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                // DIMENSIONS, read as calamine reads it: it reserves this.
                0x0200 => {
                    let (rf, rl, mut cf, cl) = match data.len() {
                        10 => (
                            u32::from(u16_at(data, 0).unwrap_or(0)),
                            u32::from(u16_at(data, 2).unwrap_or(0)),
                            u32::from(u16_at(data, 4).unwrap_or(0)),
                            u32::from(u16_at(data, 6).unwrap_or(0)),
                        ),
                        14 | 16 => (
                            u32_at(data, 0).unwrap_or(0),
                            u32_at(data, 4).unwrap_or(0),
                            u32::from(u16_at(data, 8).unwrap_or(0)),
                            u32::from(u16_at(data, 10).unwrap_or(0)),
                        ),
                        _ => continue,
                    };
                    if 0xFF < cf || cl < cf {
                        cf = 0;
                    }
                    if rl >= 1 && cl >= 1 {
                        if rl - 1 < rf || cl - 1 < cf {
                            return Err(broken("a DIMENSIONS record ending before it starts"));
                        }
                        declared = u64::from(rl - rf) * u64::from(cl - cf);
                    }
                }
                // Number, Label, RString, BoolErr, RK, LabelSst, Formula.
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    at = cell(data).map(|(r, c)| (r, c, c));
                    if typ == 0x0006
                        && let Some((r, c)) = cell(data)
                    {
                        formulas.add(r, c, c);
                    }
                }
                // MulRk: a row, its first column, …, its last column.
                0x00BD if data.len() >= 6 => {
                    let first = u32::from(u16_at(data, 2).unwrap_or(0));
                    let last = u32::from(u16_at(data, data.len() - 2).unwrap_or(0));
                    at = Some((u32::from(u16_at(data, 0).unwrap_or(0)), first.min(last), first.max(last)));
                }
                _ => {}
            }
            if let Some((row, first, last)) = at {
                if row >= limits.max_rows {
                    return Err(Problem::error(ProblemKind::TooManyRows { limit: limits.max_rows }, file)
                        .at(cell_name(row + 1, first)));
                }
                values.add(row, first, last);
            }
        }
        total = total.saturating_add(declared).saturating_add(values.area()).saturating_add(formulas.area());
        if total > DENSE_CELL_BUDGET {
            return Err(Problem::error(ProblemKind::TooManyCells { limit: DENSE_CELL_BUDGET, cells: total }, file));
        }
    }
    Ok(Scan { date1904 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    /// Globals with one sheet at `sheet_at`, then the sheet's records.
    fn stream(sheet: &[Vec<u8>]) -> Vec<u8> {
        let globals_len = 4 + 4 + 12 + 4;
        let mut bound = (globals_len as u32).to_le_bytes().to_vec();
        bound.extend([0, 0, 1, 0, b'S', 0, 0, 0]);
        let mut s = [rec(0x0809, &[0; 0]), rec(0x0085, &bound[..12]), rec(0x000A, &[])].concat();
        assert_eq!(s.len(), globals_len);
        s.extend(rec(0x0809, &[]));
        for r in sheet {
            s.extend_from_slice(r);
        }
        s.extend(rec(0x000A, &[]));
        s
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0; 10]);
        rec(0x0203, &d)
    }

    #[test]
    fn a_declared_rectangle_of_billions_of_cells_is_refused_before_calamine() {
        let limits = Limits::default();
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(u32::MAX.to_le_bytes());
        dims.extend([0, 0, 0, 1, 0, 0]);
        let r = records("f.xls", &stream(&[rec(0x0200, &dims)]), &limits);
        assert!(matches!(r, Err(ref p) if matches!(p.kind, ProblemKind::TooManyCells { .. })), "{r:?}");
    }

    #[test]
    fn values_below_the_row_limit_and_wide_rectangles_are_refused() {
        let limits = Limits { max_rows: 100, ..Limits::default() };
        let deep = records("f.xls", &stream(&[number(0, 0), number(100, 3)]), &limits);
        assert!(
            matches!(deep, Err(ref p) if matches!(p.kind, ProblemKind::TooManyRows { limit: 100 }) && p.cell.as_deref() == Some("D101")),
            "{deep:?}"
        );
        assert!(records("f.xls", &stream(&[number(0, 0), number(99, 255)]), &limits).is_ok());
        let wide = Limits { max_rows: 65_536, ..Limits::default() };
        let r = records("f.xls", &stream(&[number(0, 0), number(65_535, 255)]), &wide);
        assert!(matches!(r, Err(ref p) if matches!(p.kind, ProblemKind::TooManyCells { .. })), "{r:?}");
    }

    #[test]
    fn a_record_past_the_stream_or_a_sheet_outside_it_is_broken() {
        let limits = Limits::default();
        let mut s = stream(&[number(0, 0)]);
        s.truncate(s.len() - 6);
        assert!(records("f.xls", &s, &limits).is_err());
        let mut bound = 9_999u32.to_le_bytes().to_vec();
        bound.extend([0, 0, 1, 0, b'S', 0, 0, 0]);
        let outside = [rec(0x0809, &[]), rec(0x0085, &bound), rec(0x000A, &[])].concat();
        assert!(records("f.xls", &outside, &limits).is_err());
    }
}
