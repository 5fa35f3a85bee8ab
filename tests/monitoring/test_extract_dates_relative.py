""" "Last week" and "last month" are read by date arithmetic, as ``dateparser`` reads them."""

from datetime import date, timedelta

import pytest

from nanduti.monitoring.extract import dates
from nanduti.monitoring.extract.dates import event_date
from nanduti.monitoring.extract.gazetteer import fold_keep_length

PHRASES = ("la semana pasada", "el mes pasado", "last week", "last month")


@pytest.mark.slow
def test_every_day_of_a_leap_year_and_the_next_reads_as_dateparser_reads_it():
    day = date(2023, 12, 25)
    while day <= date(2025, 1, 5):
        for phrase in PHRASES:
            assert dates._last_week_or_month(phrase, day) == dates._dateparser(phrase, day), (
                phrase,
                day,
            )
        day += timedelta(days=1)


def _read(text: str, published: date):
    return event_date(text, fold_keep_length(text), published)


def test_last_month_from_the_end_of_a_month_is_the_shorter_months_last_day():
    assert _read("Ocurrió el Mes Pasado.", date(2024, 3, 31)) == ("2024-02-29", "el Mes Pasado")
    assert _read("It happened last week.", date(2024, 1, 3)) == ("2023-12-27", "last week")
    assert _read("La semana pasada, en enero", date(2024, 1, 3)) == (
        "2023-12-27",
        "La semana pasada",
    )
