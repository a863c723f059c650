"""Funding terms as the Algemene termijnenwet counts them (funding/terms.py, issue #20): a term
ending on a weekend or holiday moves to the next working day, 5 May counts every year, Good
Friday counts, working days skip them all, and a term of three days or more holds two working
days."""

import datetime

import holidays
import pytest

from funding.terms import Unit, atw_holidays, is_working_day, next_working_day, term_end

D = datetime.date
# 2027 is not a lustrum year: the `holidays` calendar has no Liberation Day in it.
LIBERATION_2027 = D(2027, 5, 5)  # a Wednesday
ASCENSION_2027 = D(2027, 5, 6)  # Thursday
GOOD_FRIDAY_2027 = D(2027, 3, 26)


def test_5_may_counts_every_year_although_the_library_counts_it_only_in_lustrum_years():
    assert LIBERATION_2027 not in holidays.country_holidays("NL", years=2027)
    assert D(2025, 5, 5) in holidays.country_holidays("NL", years=2025)
    assert not is_working_day(LIBERATION_2027)
    assert LIBERATION_2027 in atw_holidays(2027) and D(2025, 5, 5) in atw_holidays(2025)


def test_good_friday_ascension_and_kings_day_are_not_working_days():
    assert not is_working_day(GOOD_FRIDAY_2027)
    assert not is_working_day(ASCENSION_2027)
    assert not is_working_day(D(2027, 4, 27))  # King's Day, a Tuesday
    # 27 April 2025 was a Sunday: King's Day was celebrated on Saturday the 26th.
    assert D(2025, 4, 26) in atw_holidays(2025)
    assert is_working_day(D(2027, 5, 7))  # the Friday after Ascension: only by decree


def test_a_term_ending_on_a_weekend_moves_to_monday():
    friday = D(2027, 1, 8)
    assert term_end(friday, 1, Unit.DAYS) == D(2027, 1, 11)
    assert term_end(friday, 2, Unit.WEEKS) == D(2027, 1, 22)  # a Friday: stays
    assert term_end(D(2027, 1, 9), 2, Unit.WEEKS) == D(2027, 1, 25)  # a Saturday → Monday


def test_a_term_across_5_may_and_ascension_day_in_a_non_lustrum_year():
    # Friday 30 April + 5 days = Wednesday 5 May (Atw), then Ascension Day → Friday 7 May.
    assert term_end(D(2027, 4, 30), 5, Unit.DAYS) == D(2027, 5, 7)
    # Five working days from Monday 3 May: 4, 7, 10, 11 and 12 May.
    assert term_end(D(2027, 5, 3), 5, Unit.WORKING_DAYS) == D(2027, 5, 12)
    # Four weeks from 8 April 2027 end on Thursday 6 May (Ascension) → Friday 7 May.
    assert term_end(D(2027, 4, 8), 4, Unit.WEEKS) == D(2027, 5, 7)


def test_a_term_of_three_days_or_more_holds_two_working_days():
    """Atw art. 2: Tuesday 4 May + 3 days is Friday 7 May, a working day, but 5 and 6 May
    are holidays: with one working day only, the term runs to Monday 10 May."""
    assert term_end(D(2027, 5, 4), 3, Unit.DAYS) == D(2027, 5, 10)
    assert term_end(D(2027, 5, 4), 2, Unit.DAYS) == D(2027, 5, 7)  # under three days: art. 1 only


def test_days_equated_by_decree_come_from_the_settings(settings):
    settings.FUNDING_EXTRA_NON_WORKING_DAYS = frozenset({D(2027, 5, 7)})
    assert not is_working_day(D(2027, 5, 7))
    assert term_end(D(2027, 4, 30), 5, Unit.DAYS) == D(2027, 5, 10)
    assert next_working_day(D(2027, 5, 5)) == D(2027, 5, 10)


def test_bad_terms_are_refused():
    with pytest.raises(ValueError, match="negative"):
        term_end(D(2027, 1, 1), -1, Unit.DAYS)
    with pytest.raises(ValueError, match="unknown unit"):
        term_end(D(2027, 1, 1), 1, "months")


@pytest.mark.parametrize("unit", Unit.values)
def test_every_term_of_2027_ends_on_a_working_day_not_before_its_length(unit):
    """Every start day of 2027 and every length up to ten: the end is a working day, never
    earlier than the calendar length, and a working-day term holds exactly that many."""
    start = D(2027, 1, 1)
    for offset in range(365):
        day = start + datetime.timedelta(days=offset)
        for amount in range(1, 11):
            end = term_end(day, amount, unit)
            assert is_working_day(end), (day, amount, unit)
            calendar = {"days": amount, "weeks": 7 * amount, "working_days": amount}[unit]
            assert end >= day + datetime.timedelta(days=calendar)
            if unit == Unit.WORKING_DAYS:
                between = [day + datetime.timedelta(days=n) for n in range(1, (end - day).days + 1)]
                assert sum(map(is_working_day, between)) == amount
