//! Times: stored in UTC, shown with the Japan offset (+09:00).

use chrono::{DateTime, FixedOffset, NaiveDateTime, SubsecRound, Utc};

/// Japan Standard Time, UTC+09:00 (no daylight saving).
pub const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("+09:00 is a valid offset"),
};

/// Now, in UTC, to the microsecond (what PostgreSQL keeps; SQLite keeps it too
/// because we bind the value ourselves).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A stored (UTC) time as RFC 3339 with the +09:00 offset:
/// `2024-04-01T09:00:00+09:00`.
pub fn show(t: DateTime<Utc>) -> String {
    t.with_timezone(&JST).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The day of a (UTC) time in Japan.
pub fn japan_date(t: DateTime<Utc>) -> chrono::NaiveDate {
    t.with_timezone(&JST).date_naive()
}

/// A column value (naive, UTC by convention) as a UTC time.
pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shown_in_japan_time() {
        let t = Utc.with_ymd_and_hms(2024, 3, 31, 15, 30, 0).single();
        assert_eq!(t.map(show), Some("2024-04-01T00:30:00+09:00".to_owned()));
    }
}
