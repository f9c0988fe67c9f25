//! Time as the application sees it, injectable so deadlines and edit windows are testable
//! without sleeping.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, NaiveTime, TimeDelta, Utc};

/// China Standard Time (UTC+8): the plan's days, months and deadlines are China's.
pub const CHINA_TZ: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(tz) => tz,
    // Evaluated when compiling: a build with an invalid offset would not compile.
    None => panic!("UTC+8 is a valid offset"),
};

/// The day `at` falls on in China.
pub fn china_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&CHINA_TZ).date_naive()
}

/// The first instant of `day` in China (the earliest instant there is, for a day before it).
pub fn china_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN)
        .checked_sub_signed(TimeDelta::seconds(i64::from(CHINA_TZ.local_minus_utc())))
        .map_or(DateTime::<Utc>::MIN_UTC, |at| at.and_utc())
}

/// The first day of the calendar month `today` is in.
fn first_of_month(today: NaiveDate) -> NaiveDate {
    today - TimeDelta::days(i64::from(today.day0()))
}

/// The first instant of the calendar month `today` is in, in China.
pub fn month_start(today: NaiveDate) -> DateTime<Utc> {
    china_midnight(first_of_month(today))
}

/// The first instant of the calendar month after the one `today` is in, in China.
pub fn next_month_start(today: NaiveDate) -> DateTime<Utc> {
    let first = first_of_month(today);
    china_midnight(first.checked_add_months(Months::new(1)).unwrap_or(first))
}

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system's clock shifted by an offset that can be moved forward: tests use it to let
/// time pass without sleeping.
#[derive(Debug, Default, Clone)]
pub struct OffsetClock {
    offset_ms: Arc<AtomicI64>,
}

impl OffsetClock {
    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: TimeDelta) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::{china_date, china_midnight};

    #[test]
    fn days_begin_at_midnight_in_china() {
        let day = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let midnight = Utc.with_ymd_and_hms(2026, 1, 31, 16, 0, 0).unwrap();
        assert_eq!(china_midnight(day), midnight);
        assert_eq!(china_date(midnight), day);
        assert_eq!(
            china_date(midnight - chrono::TimeDelta::seconds(1)),
            day.pred_opt().unwrap()
        );
    }
}
