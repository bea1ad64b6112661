//! Property test standing in for a fuzzer (cargo-fuzz needs a nightly
//! toolchain): random bytes, mutated fixtures (xlsx, LibreOffice's .xls and
//! .ods, Excel's .xlsb, CSV, JSON) and workbooks whose parts are mutated and
//! re-zipped (xlsx, ods, xlsb) go through every parser, the calamine-backed
//! readers and their pre-scans included. None may panic, take
//! more than a few seconds, or grow the process past a memory bound.
//!
//! The inputs come from a fixed seed, so a failure reproduces. The test runs
//! for `HYOKA_TEST_FUZZ_SECS` seconds (default 30, well under a minute of CI).

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hyoka_ingest::{Limits, book, catalog_import, csv, json, ole, read_bytes, xlsx};
use hyoka_model::catalog::Catalog;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const SEED: [u8; 32] = *b"hyoka-ingest fuzz seed 2026-1128";
/// Longest one input may take, in a debug build.
const SLOW: Duration = Duration::from_secs(5);
/// Peak resident memory the whole run must stay under.
const MEMORY_BOUND_KIB: u64 = 1024 * 1024;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Tokens that tend to reach corners of the parsers.
const TOKENS: &[&str] = &[
    "<c r=\"A1048576\"><v>1</v></c>",
    "<c r=\"XFD1\" t=\"s\"><v>999999</v></c>",
    "<mergeCell ref=\"A1:XFD1048576\"/>",
    "<row r=\"4294967295\">",
    "&#0;",
    "&#x110000;",
    "&unknown;",
    "<![CDATA[",
    "_x000D_",
    "_xD800_",
    "\"",
    ",",
    "\t",
    "\r\n",
    "\u{feff}",
    "{",
    "[",
    "}",
    "9999999999999999999999",
    "-1",
    "No.",
    "達成条件評価",
    "評価の根拠記入欄",
    "▽プルダウンで評価ください",
    "令和99年度",
    "<si><t>",
    "</t></si>",
    "<sheet name=\"x\" r:id=\"rId1\"/>",
    // ods: repeats and spans that would make calamine's rectangles huge.
    "<table:table-row table:number-rows-repeated=\"1048576\"><table:table-cell office:value-type=\"float\" office:value=\"1\"/></table:table-row>",
    " table:number-columns-repeated=\"16384\"",
    " table:number-rows-spanned=\"1000000\" table:number-columns-spanned=\"16384\"",
    "<table:table table:name=\"x\">",
    "</table:table-row>",
    "Achievement condition(s)",
    "Self-evaluation",
    "Completed (2 points)",
];

/// Binary tokens for BIFF records inside an `.xls`: a DIMENSIONS record of
/// 2 billion rows, a BoundSheet pointing far away, a Number deep down, FAT
/// chain markers.
const BYTE_TOKENS: &[&[u8]] = &[
    b"\x00\x02\x0e\x00\x00\x00\x00\x00\xff\xff\xff\x7f\x00\x00\xff\x00\x00\x00",
    b"\x85\x00\x08\x00\xff\xff\xff\x00\x00\x00\x00\x00",
    b"\x03\x02\x0e\x00\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    b"\xbd\x00\x06\x00\x00\x00\x05\x00\x01\x00",
    b"\xff\xff\xff\xff",
    b"\xfe\xff\xff\xff",
    b"\x00\x00\x00\x00",
];

#[derive(Debug, Clone)]
struct Op {
    pos: u32,
    byte: u8,
    kind: u8,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        (any::<u32>(), any::<u8>(), 0u8..6).prop_map(|(pos, byte, kind)| Op { pos, byte, kind }),
        1..12,
    )
}

fn mutate(mut data: Vec<u8>, ops: &[Op]) -> Vec<u8> {
    for op in ops {
        let len = data.len();
        let at = if len == 0 { 0 } else { op.pos as usize % (len + 1) };
        match op.kind {
            0 if at < len => data[at] = op.byte,
            1 => data.insert(at, op.byte),
            2 => {
                let end = (at + usize::from(op.byte)).min(len);
                data.drain(at..end);
            }
            3 => data.truncate(at),
            4 => {
                let end = (at + 4 * usize::from(op.byte)).min(len);
                let chunk = data[at..end].to_vec();
                data.extend_from_slice(&chunk);
            }
            _ => {
                let pick = op.pos as usize ^ usize::from(op.byte);
                let token = if pick.is_multiple_of(4) {
                    BYTE_TOKENS[(pick / 4) % BYTE_TOKENS.len()]
                } else {
                    TOKENS[pick % TOKENS.len()].as_bytes()
                };
                data.splice(at..at, token.iter().copied());
            }
        }
    }
    data
}

/// Overwrites bytes and tokens without moving anything: an `.xls` keeps its
/// container (sector chains, directory) and its BIFF records get bad values.
fn overwrite(mut data: Vec<u8>, ops: &[Op]) -> Vec<u8> {
    for op in ops {
        let len = data.len();
        if len == 0 {
            break;
        }
        // Past the 512-byte header most of the time.
        let at = if op.kind == 0 { op.pos as usize % len } else { (512 + op.pos as usize) % len };
        let token: &[u8] = match op.kind % 3 {
            0 => std::slice::from_ref(&op.byte),
            _ => BYTE_TOKENS[usize::from(op.byte) % BYTE_TOKENS.len()],
        };
        for (i, b) in token.iter().enumerate() {
            if let Some(slot) = data.get_mut(at + i) {
                *slot = *b;
            }
        }
    }
    data
}

/// The parts of a workbook.
fn parts(xlsx: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap_or_else(|e| panic!("{e}"));
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap_or_else(|e| panic!("{e}"));
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap_or_else(|e| panic!("{e}"));
            (f.name().map(|n| n.into_owned()).unwrap_or_default(), data)
        })
        .collect()
}

fn rezip(parts: &[(String, Vec<u8>)], method: zip::CompressionMethod) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, data) in parts {
        if out.start_file(name.as_str(), options).is_err() || out.write_all(data).is_err() {
            return Vec::new();
        }
    }
    out.finish().map(Cursor::into_inner).unwrap_or_default()
}

#[derive(Debug, Clone)]
enum Input {
    /// Random bytes after an optional magic prefix.
    Random { prefix: u8, bytes: Vec<u8> },
    /// A fixture with byte mutations.
    Bytes { seed: usize, ops: Vec<Op> },
    /// A workbook with one XML part mutated, re-zipped.
    Part { seed: usize, part: usize, ops: Vec<Op> },
    /// The `.xls` overwritten in place.
    InPlace { ops: Vec<Op> },
}

fn inputs() -> impl Strategy<Value = Input> {
    prop_oneof![
        (0u8..6, prop::collection::vec(any::<u8>(), 0..4096))
            .prop_map(|(prefix, bytes)| Input::Random { prefix, bytes }),
        (any::<usize>(), ops()).prop_map(|(seed, ops)| Input::Bytes { seed, ops }),
        (any::<usize>(), any::<usize>(), ops()).prop_map(|(seed, part, ops)| Input::Part { seed, part, ops }),
        (any::<usize>(), any::<usize>(), ops()).prop_map(|(seed, part, ops)| Input::Part { seed, part, ops }),
        ops().prop_map(|ops| Input::InPlace { ops }),
    ]
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Every parser on one input; each must return, not panic.
fn run_all(name: &str, bytes: &[u8], catalog: &Catalog, limits: &Limits) {
    let _ = read_bytes(name, bytes, catalog, limits);
    let _ = xlsx::read(name, bytes, limits);
    let _ = csv::read(name, bytes, limits);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = json::read(name, text, &mut Vec::new());
    }
    let _ = catalog_import::read(name, bytes, catalog, limits);
    // The calamine-backed readers on every input, whatever its signature.
    let _ = ole::scan(name, bytes, limits);
    for kind in [book::Kind::Xls, book::Kind::Ods, book::Kind::Xlsb] {
        let _ = book::read(name, bytes, kind, limits);
    }
}

#[test]
fn no_input_makes_a_parser_panic_hang_or_balloon() {
    let budget =
        Duration::from_secs(std::env::var("HYOKA_TEST_FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30));
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let limits =
        Limits { max_file_bytes: 4 << 20, max_decompressed_bytes: 16 << 20, max_rows: 3_000, max_cell_chars: 10_000 };
    let official = fixture("official_like.xlsx");
    let sheet = read_bytes("official_like.xlsx", &official, &catalog, &limits).unwrap_or_else(|r| panic!("{r}")).sheet;
    let submission = serde_json::to_vec(&json::Submission::from_sheet(&sheet, None)).unwrap_or_default();
    let ods = fixture("libreoffice.ods");
    let xlsb = fixture("calamine_issues.xlsb");
    let xls = fixture("libreoffice.xls");
    for (name, bytes) in [("libreoffice.ods", &ods), ("libreoffice.xls", &xls)] {
        assert!(read_bytes(name, bytes, &catalog, &limits).is_ok(), "{name} reads unmutated");
    }
    let seeds: Vec<Vec<u8>> = vec![
        official.clone(),
        fixture("inserted_columns.xlsx"),
        fixture("english_edition.xlsx"),
        fixture("cp932.csv"),
        fixture("utf8_bom.csv"),
        submission,
        xls.clone(),
        xls.clone(),
        ods.clone(),
        xlsb.clone(),
    ];
    let books: Vec<Vec<(String, Vec<u8>)>> =
        vec![parts(&official), parts(&fixture("inserted_columns.xlsx")), parts(&ods), parts(&ods), parts(&xlsb)];

    // A real decompression bomb: a sheet of 24 MiB of spaces, deflated.
    let mut bomb = books[0].clone();
    if let Some(sheet) = bomb.iter_mut().find(|(n, _)| n.ends_with("sheet3.xml")) {
        sheet.1 = vec![b' '; 24 << 20];
    }
    let bomb = rezip(&bomb, zip::CompressionMethod::Deflated);
    let refused = read_bytes("bomb.xlsx", &bomb, &catalog, &limits).err().map(|r| r.problems[0].kind.clone());
    assert!(
        matches!(refused, Some(hyoka_ingest::ProblemKind::DecompressedTooLarge { .. })),
        "bomb of {} bytes: {refused:?}",
        bomb.len()
    );

    let mut runner = TestRunner::new_with_rng(
        Config { failure_persistence: None, ..Config::default() },
        TestRng::from_seed(RngAlgorithm::ChaCha, &SEED),
    );
    let strategy = inputs();
    let start = Instant::now();
    let mut cases = 0u64;
    while start.elapsed() < budget {
        let input = strategy.new_tree(&mut runner).map(|t| t.current()).unwrap_or_else(|e| panic!("{e}"));
        let (name, bytes) = match &input {
            Input::Random { prefix, bytes } => {
                let head: &[u8] = match prefix {
                    0 => b"",
                    1 => b"PK\x03\x04",
                    2 => b"{\"answers\":[",
                    3 => b"\xEF\xBB\xBF",
                    4 => b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
                    _ => b"No.,\xE8\xA9\x95\xE4\xBE\xA1\n",
                };
                ("random", [head, bytes.as_slice()].concat())
            }
            Input::Bytes { seed, ops } => ("mutated", mutate(seeds[seed % seeds.len()].clone(), ops)),
            Input::Part { seed, part, ops } => {
                let mut book = books[seed % books.len()].clone();
                // Mostly the sheet data: content.xml, a worksheet.
                let i = match part % 3 {
                    0 => {
                        book.iter().position(|(n, _)| n == "content.xml" || n.contains("worksheets/sheet")).unwrap_or(0)
                    }
                    _ => part % book.len(),
                };
                book[i].1 = mutate(std::mem::take(&mut book[i].1), ops);
                ("part", rezip(&book, zip::CompressionMethod::Stored))
            }
            Input::InPlace { ops } => ("in_place", overwrite(xls.clone(), ops)),
        };
        let one = Instant::now();
        let outcome = std::panic::catch_unwind(|| run_all(name, &bytes, &catalog, &limits));
        if outcome.is_err() {
            let dump = std::env::temp_dir().join(format!("hyoka-fuzz-case-{cases}.bin"));
            let _ = std::fs::write(&dump, &bytes);
            panic!("case {cases} ({input:?}) panicked; input saved to {}", dump.display());
        }
        assert!(one.elapsed() < SLOW, "case {cases} ({input:?}) took {:?}", one.elapsed());
        cases += 1;
    }
    assert!(cases > 50, "only {cases} cases in {budget:?}");
    if let Some(peak) = peak_memory_kib() {
        assert!(peak < MEMORY_BOUND_KIB, "peak memory {peak} KiB");
    }
    eprintln!("fuzz: {cases} inputs in {:?}, peak memory {:?} KiB", start.elapsed(), peak_memory_kib());
}
