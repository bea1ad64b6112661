//! A fixed SQL fragment that keeps a query's prepared statement cacheable.
//!
//! diesel's `sql()` literals mark the whole statement as unsafe to cache
//! (their text may come from anywhere), so a list query that carries one is
//! prepared — and on PostgreSQL planned — afresh on every page: for the
//! eight-table flagged-items join that was 13 ms of planning against 1 ms of
//! execution. A [`Fixed`] fragment is a `&'static str` with no binds, written
//! in this crate: the statement's text then says everything about it, which
//! is what diesel's per-connection statement cache keys on.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, TypedExpressionType, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;

/// A constant SQL expression of type `ST`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixed<ST> {
    sql: &'static str,
    _type: PhantomData<ST>,
}

/// The fixed fragment `sql`, of SQL type `ST`. Only for text written in
/// this crate: nothing a user typed may reach it.
pub(crate) const fn fixed<ST>(sql: &'static str) -> Fixed<ST> {
    Fixed { sql, _type: PhantomData }
}

impl<ST: TypedExpressionType> Expression for Fixed<ST> {
    type SqlType = ST;
}

impl<ST, DB: Backend> QueryFragment<DB> for Fixed<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

impl<ST> QueryId for Fixed<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS, ST: TypedExpressionType> SelectableExpression<QS> for Fixed<ST> {}

impl<QS, ST: TypedExpressionType> AppearsOnTable<QS> for Fixed<ST> {}

impl<ST, GB> ValidGrouping<GB> for Fixed<ST> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}
