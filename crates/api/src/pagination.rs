//! Pagination: every list takes `?page=` (from 1) and `?per_page=` (1 to
//! [`MAX_PER_PAGE`], default [`DEFAULT_PER_PAGE`]) and answers a [`Page`].

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// Items per page when `per_page` is not given.
pub const DEFAULT_PER_PAGE: u32 = 50;
/// The most items one page may hold.
pub const MAX_PER_PAGE: u32 = 200;

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Page number, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

/// The highest page number a list accepts.
pub const MAX_PAGE: u32 = 1_000_000;

impl PageRequest {
    /// Checks `page` and `per_page` from a query.
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<PageRequest, ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if page == 0 || page > MAX_PAGE {
            return Err(ApiError::BadRequest(
                "invalid_query",
                format!("page must be 1–{MAX_PAGE} / page は 1〜{MAX_PAGE} です"),
            ));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(ApiError::BadRequest(
                "invalid_query",
                format!("per_page must be 1–{MAX_PER_PAGE} / per_page は 1〜{MAX_PER_PAGE} です"),
            ));
        }
        Ok(PageRequest { page, per_page })
    }

    /// Rows to skip.
    pub fn offset(self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.per_page)
    }

    /// Rows to take.
    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }

    /// One page of a list held in memory (small tables).
    pub fn slice<T>(self, all: Vec<T>) -> (Vec<T>, i64) {
        let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
        let start = usize::try_from(self.offset()).unwrap_or(usize::MAX);
        let items = all.into_iter().skip(start).take(self.per_page as usize).collect();
        (items, total)
    }

    /// Wraps a page of items.
    pub fn page<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page { items, page: self.page, per_page: self.per_page, total, total_capped: false, next: None }
    }

    /// Wraps a page of a long list, counted up to
    /// [`COUNT_CAP`](hyoka_model::db::COUNT_CAP); `last` is the cursor of
    /// its last row, answered as `next` when the page is full (more rows
    /// may follow).
    pub fn page_counted<T>(self, items: Vec<T>, total: hyoka_model::db::Total, last: Option<String>) -> Page<T> {
        let next = if items.len() >= self.per_page as usize { last } else { None };
        Page { items, page: self.page, per_page: self.per_page, total: total.count, total_capped: total.capped, next }
    }

    /// Where the page starts: after the cursor `after` when given (then
    /// `page` only labels the answer), else after `(page - 1) × per_page`
    /// rows.
    pub fn start<K: std::str::FromStr<Err = hyoka_model::error::ParseError>>(
        self,
        after: Option<&str>,
    ) -> Result<hyoka_model::db::Start<K>, ApiError> {
        use hyoka_model::db::Start;
        match after {
            None => Ok(Start::Offset(self.offset())),
            Some(a) => a.parse().map(Start::After).map_err(|e: hyoka_model::error::ParseError| {
                ApiError::BadRequest("invalid_query", format!("{e} / after には前のページの next を指定してください"))
            }),
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// This page's number, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items in the whole list; with `total_capped`, at least this many.
    pub total: i64,
    /// The long lists (flags, flagged items) count up to 10,000 rows: true
    /// when more match (show "10,000+").
    pub total_capped: bool,
    /// The long lists: when this page is full, the cursor of its last row;
    /// pass it as `after=` for the next page (as fast as the first). Null
    /// on a short page and on the other lists.
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17: page 1,000,001 was answered "page starts at 1".
    #[test]
    fn a_page_over_the_limit_says_the_limit() {
        let message = PageRequest::new(Some(MAX_PAGE + 1), None).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("1–1000000") && message.contains("1〜1000000"), "{message}");
        assert!(PageRequest::new(Some(MAX_PAGE), None).is_ok());
    }
}
