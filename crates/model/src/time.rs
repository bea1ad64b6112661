//! Times: stored in UTC, shown with the Japan offset (+09:00).

use std::cell::Cell;

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, SubsecRound, Utc};

/// Japan Standard Time, UTC+09:00 (no daylight saving).
pub const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("+09:00 is a valid offset"),
};

thread_local! {
    /// How far this thread's clock is moved ([`as_of`]); `None` for the real time.
    static SHIFT: Cell<Option<Duration>> = const { Cell::new(None) };
}

/// Now, in UTC, to the microsecond (what PostgreSQL keeps; SQLite keeps it too
/// because we bind the value ourselves). Every stored time comes from here.
pub fn now() -> DateTime<Utc> {
    let real = Utc::now();
    SHIFT.with(Cell::get).map_or(real, |shift| real + shift).trunc_subsecs(6)
}

/// Runs `f` with this thread's clock ([`now`]) starting at `at` and running
/// on from there; other threads keep the real time. `hyoka demo` writes its
/// earlier years' history this way (uploads before that year's deadline, the
/// review after it), so the demo's collections, audit log and mail carry the
/// dates such a history would have.
pub fn as_of<T>(at: DateTime<Utc>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Duration>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SHIFT.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SHIFT.with(|s| s.replace(Some(at - Utc::now()))));
    f()
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
    fn as_of_moves_this_threads_clock_only_while_it_runs() {
        let at = Utc.with_ymd_and_hms(2024, 5, 10, 1, 0, 0).single().unwrap_or_else(|| panic!("a valid time"));
        let (first, second, elsewhere) = as_of(at, || {
            let first = now();
            std::thread::sleep(std::time::Duration::from_millis(5));
            (first, now(), std::thread::spawn(now).join().unwrap_or_else(|_| panic!("thread")))
        });
        assert!(first >= at && first - at < Duration::seconds(5), "{first}");
        assert!(second > first, "the moved clock runs on: {first} {second}");
        assert!(elsewhere.signed_duration_since(at) > Duration::days(300), "another thread keeps the real time");
        assert!(now().signed_duration_since(at) > Duration::days(300), "restored after");
    }

    #[test]
    fn shown_in_japan_time() {
        let t = Utc.with_ymd_and_hms(2024, 3, 31, 15, 30, 0).single();
        assert_eq!(t.map(show), Some("2024-04-01T00:30:00+09:00".to_owned()));
    }
}
