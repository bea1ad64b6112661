//! Checks a database must pass at any moment, also after a crash: the
//! engine's own integrity check, foreign keys, every submission complete (one
//! answer per framework item), exactly one current revision per key, and an
//! unbroken audit chain.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{DbConn, DbError};

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    v: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Runs every check; returns the problems found (empty when sound).
pub fn check(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let mut problems = Vec::new();
    if let DbConn::Sqlite(c) = conn {
        let rows: Vec<TextRow> =
            diesel::sql_query("SELECT integrity_check AS v FROM pragma_integrity_check").load(c)?;
        problems.extend(rows.into_iter().map(|r| r.v).filter(|v| v != "ok").map(|v| format!("sqlite: {v}")));
        let fk: Vec<CountRow> = diesel::sql_query("SELECT COUNT(*) AS n FROM pragma_foreign_key_check").load(c)?;
        if fk.first().is_some_and(|r| r.n > 0) {
            problems.push(format!("sqlite: {} rows break a foreign key", fk[0].n));
        }
    }
    let incomplete: Vec<CountRow> = diesel::sql_query(
        "SELECT s.id AS n FROM submissions s JOIN frameworks f ON f.id = s.framework_id \
         WHERE (SELECT COUNT(*) FROM answers a WHERE a.submission_id = s.id) <> f.item_count ORDER BY s.id",
    )
    .load(conn)?;
    problems.extend(incomplete.into_iter().map(|r| format!("submission {} is incomplete (half-written)", r.n)));
    let no_current: Vec<CountRow> = diesel::sql_query(
        "SELECT MIN(id) AS n FROM submissions GROUP BY company_id, fiscal_year, COALESCE(department_id, 0) \
         HAVING SUM(CASE WHEN is_current THEN 1 ELSE 0 END) <> 1 ORDER BY 1",
    )
    .load(conn)?;
    problems.extend(
        no_current.into_iter().map(|r| format!("the revisions of submission {} have no single current one", r.n)),
    );
    if let Err(broken) = super::audit::verify(conn)? {
        problems.push(format!("audit log broken at entry {}: {}", broken.id, broken.problem));
    }
    Ok(problems)
}
