//! Kept counts of the long lists: the flag list's and the flagged-items
//! export's totals, the explorer's counts by rule, and the overview's and
//! review queue's totals under a status or risk filter, kept per fiscal
//! year and filter so that a page does not count a year's flags or sheets
//! again while nothing in that year changed.
//!
//! **When a kept count is stale.** Each fiscal year has a generation that
//! [`summaries::refresh_in_tx`](super::summaries::refresh_in_tx) raises; every
//! write that adds flags, decides one, or moves or supersedes a sheet ends
//! with that refresh in its own transaction ([`writes`](super::writes)), and a
//! release of a sheet's flags raises it too
//! ([`review::release_flags_in_tx`](super::review::release_flags_in_tx)), so a
//! count kept under the year's current generation is a count of the rows as
//! they are now. A count read under an older generation is made again and
//! replaces the kept one. Flags are never deleted and a sheet never changes
//! year, so no other write moves a list of a year.
//!
//! **What is kept.** Only counts of a whole year's lists (no company or
//! submission filter: those are small and counted each time) that came to at
//! least [`KEEP_FROM`] rows, so a filter nobody can match (a mistyped rule)
//! leaves nothing behind and the kept rows stay as few as the filters that
//! matter. Keeping is a write a read makes: it is skipped, not waited for,
//! when another writer holds the database ([`try_write`](super::conn)).
//!
//! PostgreSQL: the generation is read before the count, so a write that
//! commits in between leaves a count kept under the older generation, which
//! the next read recounts.

use diesel::prelude::*;

use super::schema::{list_counts, list_generations};
use super::{DbConn, DbError, Total};
use crate::domain::FiscalYear;

/// Counts smaller than this are not kept (they are cheap to make again).
pub const KEEP_FROM: i64 = 200;

/// Raises a year's generation, in the caller's write transaction (only
/// [`summaries::refresh_in_tx`](super::summaries::refresh_in_tx) calls it).
pub(crate) fn bump_in_tx(conn: &mut DbConn, year: FiscalYear) -> Result<(), DbError> {
    let first = (list_generations::fiscal_year.eq(year.get()), list_generations::generation.eq(1_i64));
    on_each_backend!(conn, c => diesel::insert_into(list_generations::table)
        .values(&first)
        .on_conflict(list_generations::fiscal_year)
        .do_update()
        .set(list_generations::generation.eq(list_generations::generation + 1))
        .execute(c))?;
    Ok(())
}

/// A year's current generation (0 before its first refresh).
pub fn generation(conn: &mut DbConn, year: FiscalYear) -> Result<i64, DbError> {
    Ok(list_generations::table
        .find(year.get())
        .select(list_generations::generation)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// A kept row, when it is of the year's current generation.
fn kept(
    conn: &mut DbConn,
    year: FiscalYear,
    filter: &str,
    generation: i64,
) -> Result<Option<(i64, bool, String)>, DbError> {
    Ok(list_counts::table
        .find((year.get(), filter))
        .filter(list_counts::generation.eq(generation))
        .select((list_counts::n, list_counts::capped, list_counts::detail))
        .first(conn)
        .optional()?)
}

/// Keeps a count made under `generation`, unless a newer one is kept already.
fn keep(conn: &mut DbConn, year: FiscalYear, filter: &str, generation: i64, total: Total, detail: &str) {
    let written = super::conn::try_write(conn, |conn| {
        let newer: Option<i64> =
            list_counts::table.find((year.get(), filter)).select(list_counts::generation).first(conn).optional()?;
        match newer {
            Some(g) if g >= generation => {}
            Some(_) => {
                diesel::update(list_counts::table.find((year.get(), filter)))
                    .set((
                        list_counts::generation.eq(generation),
                        list_counts::n.eq(total.count),
                        list_counts::capped.eq(total.capped),
                        list_counts::detail.eq(detail),
                    ))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(list_counts::table)
                    .values((
                        list_counts::fiscal_year.eq(year.get()),
                        list_counts::filter.eq(filter),
                        list_counts::generation.eq(generation),
                        list_counts::n.eq(total.count),
                        list_counts::capped.eq(total.capped),
                        list_counts::detail.eq(detail),
                    ))
                    .execute(conn)?;
            }
        }
        Ok::<_, DbError>(())
    });
    if let Err(e) = written {
        // Only a lost shortcut: the next read counts again.
        tracing::debug!(error = %e, "a list count was not kept");
    }
}

/// The total of a list of `year` under `filter` (a text naming the list and
/// every filter of it), kept or made by `count`; without a year, always made.
pub(crate) fn total(
    conn: &mut DbConn,
    year: Option<FiscalYear>,
    filter: &str,
    count: impl FnOnce(&mut DbConn) -> Result<Total, DbError>,
) -> Result<Total, DbError> {
    kept_or_made(
        conn,
        year,
        filter,
        count,
        |n, capped, _| Ok(Total { count: n, capped }),
        |total| (total.count >= KEEP_FROM).then(|| (*total, String::new())),
    )
}

/// Counts by rule of a list of `year` under `filter`, kept or made by
/// `count`; without a year, always made.
pub(crate) fn by_rule(
    conn: &mut DbConn,
    year: Option<FiscalYear>,
    filter: &str,
    count: impl FnOnce(&mut DbConn) -> Result<Vec<(String, i64)>, DbError>,
) -> Result<Vec<(String, i64)>, DbError> {
    kept_or_made(
        conn,
        year,
        filter,
        count,
        |_, _, detail| parse_detail(&detail),
        |counts| {
            let sum: i64 = counts.iter().map(|(_, n)| n).sum();
            let plain = counts.iter().all(|(rule, _)| !rule.contains(['\t', '\n']));
            (sum >= KEEP_FROM && plain)
                .then(|| (Total::exact(sum), counts.iter().map(|(rule, n)| format!("{rule}\t{n}\n")).collect()))
        },
    )
}

/// The one rule of both: the row kept under the year's current generation
/// (read back by `read` from its count, cap flag and detail), else `make`
/// it and keep what `to_keep` says to (nothing for a small result).
fn kept_or_made<T>(
    conn: &mut DbConn,
    year: Option<FiscalYear>,
    filter: &str,
    make: impl FnOnce(&mut DbConn) -> Result<T, DbError>,
    read: impl FnOnce(i64, bool, String) -> Result<T, DbError>,
    to_keep: impl FnOnce(&T) -> Option<(Total, String)>,
) -> Result<T, DbError> {
    let Some(year) = year else { return make(conn) };
    let generation = generation(conn, year)?;
    if let Some((n, capped, detail)) = kept(conn, year, filter, generation)? {
        return read(n, capped, detail);
    }
    let made = make(conn)?;
    if let Some((total, detail)) = to_keep(&made) {
        keep(conn, year, filter, generation, total, &detail);
    }
    Ok(made)
}

fn parse_detail(detail: &str) -> Result<Vec<(String, i64)>, DbError> {
    detail
        .lines()
        .map(|line| {
            let (rule, n) = line.split_once('\t').unwrap_or((line, ""));
            let n = n.parse().map_err(|_| {
                DbError::Corrupt(crate::error::ParseError::new("kept count by rule", line, "rule<TAB>count"))
            })?;
            Ok((rule.to_owned(), n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_rule_read_back_as_written() {
        let detail = "evidence-empty\t120\ncopy\t7\n";
        assert_eq!(parse_detail(detail).ok(), Some(vec![("evidence-empty".to_owned(), 120), ("copy".to_owned(), 7)]));
        assert!(parse_detail("broken line\n").is_err());
        assert_eq!(parse_detail("").ok(), Some(vec![]));
    }
}
