//! Working days (hari kerja) for SLA clocks: Monday to Friday, minus national holidays and,
//! under the civil-service calendar, collective leave (cuti bersama). Both kinds of day off
//! are set each year by a joint ministerial decree, so they are data given to [`Calendar`].
//!
//! A clock counts from the working day after its start: one working day after a Friday is
//! the next Monday (when that is not a day off).

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

/// Why a weekday is not worked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DayOff {
    /// A national holiday (hari libur nasional).
    National,
    /// Collective leave (cuti bersama): off for the civil service, but an agency may count
    /// it as a working day.
    CollectiveLeave,
}

impl DayOff {
    /// The stored name: `national` or `collective_leave`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::CollectiveLeave => "collective_leave",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "national" => Some(Self::National),
            "collective_leave" => Some(Self::CollectiveLeave),
            _ => None,
        }
    }
}

/// Which days off an office observes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LeavePolicy {
    /// Weekends, national holidays and collective leave are off (the civil-service calendar).
    #[default]
    CivilService,
    /// Weekends and national holidays are off; collective leave is worked.
    PublicHolidaysOnly,
}

/// The largest number of working days one call may add (about 400 years): far beyond any
/// SLA, and small enough that the walk stays quick and inside the dates jiff represents.
pub const MAX_WORKING_DAYS: u32 = 100_000;

/// A count of working days that cannot be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// More than [`MAX_WORKING_DAYS`].
    #[error("at most {MAX_WORKING_DAYS} working days can be added")]
    TooManyDays,
    /// The result would fall after the last date that can be represented (9999-12-31).
    #[error("the date would fall after 9999-12-31")]
    OutOfRange,
}

/// The days off of one installation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    days_off: BTreeMap<Date, DayOff>,
}

impl Calendar {
    /// A calendar with these days off. When a date is given twice, a national holiday wins
    /// over collective leave (it is off under every policy).
    pub fn new(days_off: impl IntoIterator<Item = (Date, DayOff)>) -> Self {
        let mut calendar = Self::default();
        for (date, kind) in days_off {
            calendar.insert(date, kind);
        }
        calendar
    }

    /// Adds a day off (a national holiday is never downgraded to collective leave).
    pub fn insert(&mut self, date: Date, kind: DayOff) {
        let entry = self.days_off.entry(date).or_insert(kind);
        *entry = (*entry).min(kind);
    }

    /// The kind of day off on `date`, if it is one.
    pub fn day_off(&self, date: Date) -> Option<DayOff> {
        self.days_off.get(&date).copied()
    }

    /// Whether `date` is a working day under `policy`.
    pub fn is_working_day(&self, date: Date, policy: LeavePolicy) -> bool {
        if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            return false;
        }
        match (self.day_off(date), policy) {
            (None, _) => true,
            (Some(DayOff::National), _) => false,
            (Some(DayOff::CollectiveLeave), LeavePolicy::CivilService) => false,
            (Some(DayOff::CollectiveLeave), LeavePolicy::PublicHolidaysOnly) => true,
        }
    }

    /// The day `days` working days after `start` (`start` itself is not counted; with 0
    /// days, `start` is returned as it is).
    pub fn add_working_days(
        &self,
        start: Date,
        days: u32,
        policy: LeavePolicy,
    ) -> Result<Date, CalendarError> {
        if days > MAX_WORKING_DAYS {
            return Err(CalendarError::TooManyDays);
        }
        let mut date = start;
        let mut left = days;
        while left > 0 {
            date = date.checked_add(1.day()).map_err(|_| CalendarError::OutOfRange)?;
            if self.is_working_day(date, policy) {
                left -= 1;
            }
        }
        Ok(date)
    }

    /// The working days after `from` up to and including `to` (0 when `to` is not after
    /// `from`): how much of an SLA a case has used between two dates.
    pub fn working_days_between(&self, from: Date, to: Date, policy: LeavePolicy) -> u32 {
        let mut count = 0;
        let mut date = from;
        while date < to {
            match date.checked_add(1.day()) {
                Ok(next) => date = next,
                Err(_) => break,
            }
            if self.is_working_day(date, policy) {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    /// Eid al-Fitr 2026 as decreed: 21–22 March national, 18, 20, 23 and 24 March leave.
    fn lebaran_2026() -> Calendar {
        Calendar::new([
            (date(2026, 3, 18), DayOff::CollectiveLeave),
            (date(2026, 3, 19), DayOff::National),
            (date(2026, 3, 20), DayOff::CollectiveLeave),
            (date(2026, 3, 21), DayOff::National),
            (date(2026, 3, 22), DayOff::National),
            (date(2026, 3, 23), DayOff::CollectiveLeave),
            (date(2026, 3, 24), DayOff::CollectiveLeave),
        ])
    }

    #[test]
    fn weekends_are_skipped() {
        let calendar = Calendar::default();
        // Friday 27 November 2026 + 1 → Monday 30 November.
        let friday = date(2026, 11, 27);
        assert_eq!(calendar.add_working_days(friday, 1, LeavePolicy::CivilService), Ok(date(2026, 11, 30)));
        assert_eq!(calendar.add_working_days(friday, 5, LeavePolicy::CivilService), Ok(date(2026, 12, 4)));
        // A Saturday start counts from Monday.
        assert_eq!(
            calendar.add_working_days(date(2026, 11, 28), 1, LeavePolicy::CivilService),
            Ok(date(2026, 11, 30))
        );
        assert_eq!(calendar.add_working_days(friday, 0, LeavePolicy::CivilService), Ok(friday));
    }

    #[test]
    fn lebaran_leave_counts_only_under_the_public_holidays_policy() {
        let calendar = lebaran_2026();
        // Tuesday 17 March + 1: under the civil-service calendar the 18th–24th are all off.
        let start = date(2026, 3, 17);
        assert_eq!(calendar.add_working_days(start, 1, LeavePolicy::CivilService), Ok(date(2026, 3, 25)));
        assert_eq!(calendar.add_working_days(start, 3, LeavePolicy::CivilService), Ok(date(2026, 3, 27)));
        // Counting leave as work: the 18th, then the 20th (the 19th is Nyepi).
        assert_eq!(
            calendar.add_working_days(start, 1, LeavePolicy::PublicHolidaysOnly),
            Ok(date(2026, 3, 18))
        );
        assert_eq!(
            calendar.add_working_days(start, 2, LeavePolicy::PublicHolidaysOnly),
            Ok(date(2026, 3, 20))
        );
        assert_eq!(
            calendar.add_working_days(start, 3, LeavePolicy::PublicHolidaysOnly),
            Ok(date(2026, 3, 23))
        );
        assert_eq!(calendar.working_days_between(start, date(2026, 3, 25), LeavePolicy::CivilService), 1);
        assert_eq!(
            calendar.working_days_between(start, date(2026, 3, 25), LeavePolicy::PublicHolidaysOnly),
            5
        );
    }

    #[test]
    fn a_national_holiday_is_never_downgraded() {
        let mut calendar = Calendar::default();
        calendar.insert(date(2026, 8, 17), DayOff::National);
        calendar.insert(date(2026, 8, 17), DayOff::CollectiveLeave);
        assert_eq!(calendar.day_off(date(2026, 8, 17)), Some(DayOff::National));
        assert!(!calendar.is_working_day(date(2026, 8, 17), LeavePolicy::PublicHolidaysOnly));
    }

    #[test]
    fn absurd_counts_and_the_end_of_time_are_errors() {
        let calendar = Calendar::default();
        assert_eq!(
            calendar.add_working_days(date(2026, 1, 1), MAX_WORKING_DAYS + 1, LeavePolicy::CivilService),
            Err(CalendarError::TooManyDays)
        );
        assert_eq!(
            calendar.add_working_days(date(9999, 12, 30), 5, LeavePolicy::CivilService),
            Err(CalendarError::OutOfRange)
        );
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in [DayOff::National, DayOff::CollectiveLeave] {
            assert_eq!(DayOff::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DayOff::parse("weekend"), None);
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (2000i16..2100, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| date(y, m, d))
    }

    fn any_calendar() -> impl Strategy<Value = Calendar> {
        prop::collection::vec((any_date(), prop::bool::ANY), 0..60).prop_map(|days| {
            Calendar::new(days.into_iter().map(|(date, national)| {
                (date, if national { DayOff::National } else { DayOff::CollectiveLeave })
            }))
        })
    }

    fn any_policy() -> impl Strategy<Value = LeavePolicy> {
        prop_oneof![Just(LeavePolicy::CivilService), Just(LeavePolicy::PublicHolidaysOnly)]
    }

    proptest! {
        /// The result is a working day with exactly `days` working days after the start up to it.
        #[test]
        fn adding_lands_on_a_working_day_and_counts_back(
            calendar in any_calendar(), start in any_date(), days in 1u32..400, policy in any_policy()
        ) {
            let due = calendar.add_working_days(start, days, policy).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(calendar.is_working_day(due, policy));
            prop_assert_eq!(calendar.working_days_between(start, due, policy), days);
            let day_before = due.checked_sub(1.day()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(calendar.working_days_between(start, day_before, policy), days - 1);
        }

        /// More days never end earlier, and working through leave never ends later.
        #[test]
        fn adding_is_monotonic(calendar in any_calendar(), start in any_date(), days in 0u32..300) {
            let civil = calendar.add_working_days(start, days, LeavePolicy::CivilService).ok();
            let more = calendar.add_working_days(start, days + 1, LeavePolicy::CivilService).ok();
            let public = calendar.add_working_days(start, days, LeavePolicy::PublicHolidaysOnly).ok();
            prop_assert!(civil.is_some() && civil < more);
            prop_assert!(public <= civil);
        }
    }
}
