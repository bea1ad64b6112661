//! xlsx (Office Open XML) workbooks: the zip container, the workbook and its
//! relationships, shared strings, and each worksheet's cells and merged
//! areas, read with `zip` and `quick-xml`.
//!
//! Why not a spreadsheet library: they allocate a dense cell range from the
//! sheet's declared dimension (two cells, A1 and XFD1048576, make 17 billion),
//! take part sizes from the zip header, and stop a bad file with a panic we
//! cannot rule out. Here every part is inflated through a counter that
//! stops at `limits.max_decompressed_bytes` whatever the header says, cells
//! are kept sparse, and every malformed byte becomes a [`Problem`].

use std::borrow::Cow;
use std::io::{Cursor, Read};
use std::sync::Arc;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;

use crate::grid::{Grid, GridBuilder, parse_cell_name, parse_range};
use crate::limits::Limits;
use crate::problem::{Problem, ProblemKind};

/// Whether the bytes start like a zip archive (`PK\x03\x04`).
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Reads every worksheet of a workbook, in workbook order.
pub fn read(file: &str, bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, Problem> {
    let mut book = Book {
        zip: zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| unreadable(file, format!("not a zip archive: {e}")))?,
        budget: limits.max_decompressed_bytes,
        limit: limits.max_decompressed_bytes,
        file,
    };
    let workbook_path = book
        .part("_rels/.rels")?
        .and_then(|rels| {
            relationships(&rels, "").ok()?.into_iter().find(|r| r.kind.ends_with("/officeDocument")).map(|r| r.target)
        })
        .unwrap_or_else(|| "xl/workbook.xml".to_owned());
    let workbook = book
        .part(&workbook_path)?
        .ok_or_else(|| unreadable(file, format!("no {workbook_path}: not an xlsx workbook")))?;
    let (dir, name) = match workbook_path.rsplit_once('/') {
        Some((d, n)) => (d.to_owned(), n.to_owned()),
        None => (String::new(), workbook_path.clone()),
    };
    let rels_path = if dir.is_empty() { format!("_rels/{name}.rels") } else { format!("{dir}/_rels/{name}.rels") };
    let rels = match book.part(&rels_path)? {
        Some(text) => relationships(&text, &dir).map_err(|d| unreadable(file, d))?,
        None => Vec::new(),
    };
    let (sheets, date1904) = sheet_list(&workbook).map_err(|d| unreadable(file, d))?;
    let sst_path = rels
        .iter()
        .find(|r| r.kind.ends_with("/sharedStrings"))
        .map(|r| r.target.clone())
        .unwrap_or_else(|| join(&dir, "sharedStrings.xml"));
    let sst = match book.part(&sst_path)? {
        Some(text) => shared_strings(&text, limits.max_cell_chars).map_err(|d| unreadable(file, d))?,
        None => Vec::new(),
    };
    let mut grids = Vec::with_capacity(sheets.len());
    for (sheet_name, rid) in sheets {
        let Some(target) = rels.iter().find(|r| r.id == rid).map(|r| r.target.clone()) else {
            continue;
        };
        let Some(xml) = book.part(&target)? else {
            continue;
        };
        grids.push(worksheet(file, &sheet_name, &xml, &sst, limits, date1904)?);
    }
    if grids.is_empty() {
        return Err(unreadable(file, "the workbook has no worksheet".into()));
    }
    Ok(grids)
}

fn unreadable(file: &str, detail: String) -> Problem {
    Problem::error(ProblemKind::NotReadable { detail }, file)
}

struct Book<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Bytes that may still be inflated.
    budget: u64,
    limit: u64,
    file: &'a str,
}

impl Book<'_> {
    /// A part as text, or `None` when the archive lacks it. Inflated bytes
    /// are counted as they come, so a header that lies about the size
    /// changes nothing.
    fn part(&mut self, path: &str) -> Result<Option<String>, Problem> {
        let path = path.trim_start_matches('/');
        let entry = match self.zip.by_name(path) {
            Ok(e) => e,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(unreadable(self.file, format!("{path}: {e}"))),
        };
        let mut buf = Vec::with_capacity(entry.size().min(self.budget).min(1 << 20) as usize);
        entry
            .take(self.budget.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| unreadable(self.file, format!("{path}: {e}")))?;
        let used = buf.len() as u64;
        if used > self.budget {
            return Err(Problem::error(ProblemKind::DecompressedTooLarge { limit: self.limit }, self.file));
        }
        self.budget -= used;
        let text = String::from_utf8(buf).map_err(|_| unreadable(self.file, format!("{path} is not UTF-8 XML")))?;
        Ok(Some(match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_owned(),
            None => text,
        }))
    }
}

/// Resolves a relationship target against the folder of its source part.
fn join(dir: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_owned();
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

struct Relationship {
    id: String,
    kind: String,
    target: String,
}

fn attr(e: &BytesStart<'_>, local: &str) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|e| format!("bad attribute: {e}"))?;
        if a.key.local_name().as_ref() == local {
            let v = a.normalized_value(XmlVersion::Implicit1_0).map_err(|e| format!("bad attribute value: {e}"))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

fn relationships(xml: &str, dir: &str) -> Result<Vec<Relationship>, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().map_err(|e| format!("relationships: {e}"))? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(kind), Some(target)) = (attr(&e, "Id")?, attr(&e, "Type")?, attr(&e, "Target")?)
                {
                    // External targets (hyperlinks) are no parts of this file.
                    if attr(&e, "TargetMode")?.as_deref() != Some("External") {
                        out.push(Relationship { id, kind, target: join(dir, &target) });
                    }
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// The sheets (name, relationship id) in workbook order, and the date system.
fn sheet_list(xml: &str) -> Result<(Vec<(String, String)>, bool), String> {
    let mut reader = Reader::from_str(xml);
    let mut sheets = Vec::new();
    let mut date1904 = false;
    loop {
        match reader.read_event().map_err(|e| format!("workbook.xml: {e}"))? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "sheet" => {
                    if let (Some(name), Some(id)) = (attr(&e, "name")?, attr(&e, "id")?) {
                        sheets.push((name, id));
                    }
                }
                "workbookPr" => {
                    date1904 = matches!(attr(&e, "date1904")?.as_deref(), Some("1" | "true"));
                }
                _ => {}
            },
            Event::Eof => return Ok((sheets, date1904)),
            _ => {}
        }
    }
}

/// Appends the character an entity or character reference stands for.
fn push_ref(out: &mut String, r: &BytesRef<'_>) -> Result<(), String> {
    if let Some(c) = r.resolve_char_ref().map_err(|e| format!("bad character reference: {e}"))? {
        out.push(c);
        return Ok(());
    }
    out.push(match r.xml10_content().as_ref() {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        other => return Err(format!("unknown entity &{other};")),
    });
    Ok(())
}

/// Undoes Excel's `_xHHHH_` escapes of control characters (`_x000D_` is a
/// carriage return; `_x005F_` escapes an underscore).
fn unescape_ooxml(s: &str) -> Cow<'_, str> {
    if !s.contains("_x") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find("_x") {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let decoded = tail
            .get(2..6)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|_| tail.as_bytes().get(6) == Some(&b'_'))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[7..];
            }
            None => {
                out.push_str("_x");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The shared-string table. Phonetic guides (`rPh`, furigana) are skipped.
/// A string is kept only up to `4 × max_chars + 4` bytes: more than
/// `max_chars` characters whatever they are, so the cells using it are
/// still refused as too long, without a 90 MB string copied three times.
fn shared_strings(xml: &str, max_chars: u32) -> Result<Vec<Arc<str>>, String> {
    let max_bytes = (max_chars as usize).saturating_mul(4).saturating_add(4);
    let keep = |current: &mut String, more: &str| {
        if current.len() < max_bytes {
            let room = max_bytes - current.len();
            let mut end = more.len().min(room);
            while !more.is_char_boundary(end) {
                end -= 1;
            }
            current.push_str(&more[..end]);
        }
    };
    let mut reader = Reader::from_str(xml);
    let mut out: Vec<Arc<str>> = Vec::new();
    let mut current = String::new();
    let (mut in_si, mut in_t, mut in_rph) = (false, false, false);
    loop {
        match reader.read_event().map_err(|e| format!("sharedStrings.xml: {e}"))? {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => {
                    in_si = true;
                    current.clear();
                }
                "t" => in_t = in_si && !in_rph,
                "rPh" => in_rph = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => out.push(Arc::from("")),
            Event::End(e) => match e.local_name().as_ref() {
                "si" => {
                    in_si = false;
                    out.push(Arc::from(unescape_ooxml(&current).as_ref()));
                }
                "t" => in_t = false,
                "rPh" => in_rph = false,
                _ => {}
            },
            Event::Text(t) if in_t => keep(&mut current, &t.xml10_content()),
            Event::CData(t) if in_t => keep(&mut current, &t.xml10_content()),
            Event::GeneralRef(r) if in_t && current.len() < max_bytes => push_ref(&mut current, &r)?,
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// `17.0` → `17`; other numbers in Rust's shortest round-trip form.
pub(crate) fn format_number(raw: &str) -> Cow<'_, str> {
    match raw.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 => Cow::Owned(format!("{}", v as i64)),
        Ok(v) if v.is_finite() => Cow::Owned(format!("{v}")),
        _ => Cow::Borrowed(raw),
    }
}

/// What a `<c>` element holds while it is read.
#[derive(Default)]
struct CellState {
    row: u32,
    col: u32,
    kind: String,
    value: String,
    inline: String,
    in_v: bool,
    in_is_t: bool,
    in_rph: bool,
}

fn worksheet(
    file: &str,
    name: &str,
    xml: &str,
    sst: &[Arc<str>],
    limits: &Limits,
    date1904: bool,
) -> Result<Grid, Problem> {
    let bad = |d: String| unreadable(file, d).in_sheet(Some(name));
    let mut builder = GridBuilder::new(file, Some(name.to_owned()), limits);
    let mut merges: Vec<(u32, u32, u32, u32)> = Vec::new();
    let mut reader = Reader::from_str(xml);
    let mut row: u32 = 0;
    let mut next_col: u32 = 0;
    let mut cell: Option<CellState> = None;
    loop {
        let event = reader.read_event().map_err(|e| bad(format!("{name}: {e}")))?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "row" => {
                row = match attr(&e, "r").map_err(&bad)? {
                    Some(r) => r.trim().parse().map_err(|_| bad(format!("bad row number {r:?}")))?,
                    None => row.saturating_add(1),
                };
                next_col = 0;
            }
            Event::Start(e) if e.local_name().as_ref() == "c" => {
                let (r, c) = match attr(&e, "r").map_err(&bad)? {
                    Some(a) => parse_cell_name(&a).ok_or_else(|| bad(format!("bad cell reference {a:?}")))?,
                    None => (row.max(1), next_col),
                };
                row = r;
                next_col = c.saturating_add(1);
                cell = Some(CellState {
                    row: r,
                    col: c,
                    kind: attr(&e, "t").map_err(&bad)?.unwrap_or_default(),
                    ..CellState::default()
                });
            }
            Event::Empty(e) if e.local_name().as_ref() == "c" => {
                // A cell with a style and no value.
                if let Some(a) = attr(&e, "r").map_err(&bad)? {
                    if let Some((r, c)) = parse_cell_name(&a) {
                        row = r;
                        next_col = c.saturating_add(1);
                    }
                } else {
                    next_col = next_col.saturating_add(1);
                }
            }
            Event::Start(e) => {
                if let Some(c) = cell.as_mut() {
                    match e.local_name().as_ref() {
                        "v" => c.in_v = true,
                        "t" => c.in_is_t = !c.in_rph,
                        "rPh" => c.in_rph = true,
                        _ => {}
                    }
                }
            }
            Event::Empty(e) if e.local_name().as_ref() == "mergeCell" => {
                if let Some(r) = attr(&e, "ref").map_err(&bad)?.as_deref().and_then(parse_range) {
                    merges.push(r);
                }
            }
            Event::Text(t) => {
                if let Some(c) = cell.as_mut() {
                    if c.in_v {
                        c.value.push_str(&t.xml10_content());
                    } else if c.in_is_t {
                        c.inline.push_str(&t.xml10_content());
                    }
                }
            }
            Event::CData(t) => {
                if let Some(c) = cell.as_mut() {
                    if c.in_v {
                        c.value.push_str(&t.xml10_content());
                    } else if c.in_is_t {
                        c.inline.push_str(&t.xml10_content());
                    }
                }
            }
            Event::GeneralRef(r) => {
                if let Some(c) = cell.as_mut() {
                    if c.in_v {
                        push_ref(&mut c.value, &r).map_err(&bad)?;
                    } else if c.in_is_t {
                        push_ref(&mut c.inline, &r).map_err(&bad)?;
                    }
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "c" => {
                    if let Some(c) = cell.take() {
                        let (text, numeric) = cell_text(&c, sst).map_err(&bad)?;
                        builder.push(c.row, c.col, text, numeric)?;
                    }
                }
                "v" => {
                    if let Some(c) = cell.as_mut() {
                        c.in_v = false;
                    }
                }
                "t" => {
                    if let Some(c) = cell.as_mut() {
                        c.in_is_t = false;
                    }
                }
                "rPh" => {
                    if let Some(c) = cell.as_mut() {
                        c.in_rph = false;
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    builder.finish(&merges, date1904)
}

fn cell_text(c: &CellState, sst: &[Arc<str>]) -> Result<(Arc<str>, bool), String> {
    Ok(match c.kind.as_str() {
        "s" => {
            let v = c.value.trim();
            if v.is_empty() {
                return Ok((Arc::from(""), false));
            }
            let i: usize = v.parse().map_err(|_| format!("bad shared string index {v:?}"))?;
            let s = sst.get(i).ok_or_else(|| format!("shared string {i} does not exist"))?;
            (Arc::clone(s), false)
        }
        "inlineStr" => (Arc::from(unescape_ooxml(&c.inline).as_ref()), false),
        "str" | "e" | "d" => (Arc::from(unescape_ooxml(&c.value).as_ref()), false),
        "b" => (Arc::from(if c.value.trim() == "1" { "TRUE" } else { "FALSE" }), false),
        _ => {
            let v = c.value.trim();
            if v.is_empty() {
                return Ok((Arc::from(""), false));
            }
            (Arc::from(format_number(v).as_ref()), true)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_escapes_are_undone() {
        assert_eq!(unescape_ooxml("a_x000D_b"), "a\rb");
        assert_eq!(unescape_ooxml("_x005F_x000D_"), "_x000D_");
        assert_eq!(unescape_ooxml("no_xGGGG_"), "no_xGGGG_");
        assert_eq!(unescape_ooxml("tail_x00"), "tail_x00");
    }

    #[test]
    fn numbers_print_as_excel_shows_them() {
        assert_eq!(format_number("17"), "17");
        assert_eq!(format_number("17.0"), "17");
        assert_eq!(format_number("1.5E1"), "15");
        assert_eq!(format_number("0.25"), "0.25");
        assert_eq!(format_number("abc"), "abc");
    }

    #[test]
    fn relationship_targets_resolve_against_their_folder() {
        assert_eq!(join("xl", "worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
        assert_eq!(join("xl", "/xl/sharedStrings.xml"), "xl/sharedStrings.xml");
        assert_eq!(join("xl/worksheets", "../sharedStrings.xml"), "xl/sharedStrings.xml");
    }

    /// Issue 17: a 90 MB shared string was copied whole three times per upload.
    #[test]
    fn a_shared_string_is_kept_only_past_the_cell_limit() {
        let xml = format!("<sst><si><t>{}</t></si><si><t>{}&amp;</t></si></sst>", "あ".repeat(100_000), "b".repeat(5));
        let sst = shared_strings(&xml, 10).unwrap_or_default();
        assert_eq!(sst.len(), 2);
        assert!(sst[0].len() <= 44 && sst[0].chars().count() > 10, "{}", sst[0].len());
        assert_eq!(&*sst[1], "bbbbb&");
    }

    #[test]
    fn shared_strings_join_runs_and_skip_furigana() {
        let xml = r#"<sst><si><t>No.</t></si><si><r><t>評価の</t></r><r><rPr/><t xml:space="preserve">根拠 &amp; 記入欄</t></r><rPh sb="0" eb="2"><t>ヒョウカ</t></rPh></si><si/></sst>"#;
        let sst = shared_strings(xml, 32_767).unwrap_or_default();
        let got: Vec<&str> = sst.iter().map(|s| &**s).collect();
        assert_eq!(got, ["No.", "評価の根拠 & 記入欄", ""]);
    }
}
