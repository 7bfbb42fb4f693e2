import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluxcli.jobspec.fsd import decode_duration, fsd, parse_datetime, parse_fsd


@pytest.mark.parametrize(
    "text,seconds",
    [
        ("5", 5.0),
        ("5s", 5.0),
        ("1.5m", 90.0),
        ("4h", 14400.0),
        ("5d", 432000.0),
        ("100ms", 0.1),
        ("1e3s", 1000.0),
        (".5m", 30.0),
        ("inf", math.inf),
        ("INFINITY", math.inf),
    ],
)
def test_parse_fsd(text, seconds):
    assert parse_fsd(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["1ns", "1x", "x", "10h5m", "00:30", "-5s", "nan", "", "1f"])
def test_parse_fsd_invalid(text):
    with pytest.raises(ValueError, match="invalid Flux standard duration"):
        parse_fsd(text)


@pytest.mark.parametrize(
    "seconds,text",
    [
        (math.inf, "inf"),
        (0.0001, "0s"),
        (1.5, "1.500s"),
        (30, "30s"),
        (90, "1.5m"),
        (7200, "2h"),
        (172800, "2d"),
    ],
)
def test_fsd_format(seconds, text):
    assert fsd(seconds) == text


@given(st.floats(min_value=0.001, max_value=1e12, allow_nan=False))
def test_fsd_round_trip(seconds):
    assert parse_fsd(fsd(seconds)) == pytest.approx(seconds, rel=1e-3, abs=1e-3)
    assert parse_fsd(f"{seconds!r}s") == seconds


@given(st.text())
def test_parse_fsd_only_value_errors(text):
    try:
        parse_fsd(text)
    except ValueError:
        pass


def test_decode_duration():
    assert decode_duration(5) == 5
    assert decode_duration("1.5") == 1.5
    assert decode_duration("2m") == 120.0


def test_parse_datetime():
    now = 1623312000.0
    assert parse_datetime("now", now) == now
    assert parse_datetime("+1.5m", now) == now + 90
    assert parse_datetime("+100ms", now) == pytest.approx(now + 0.1)
    assert parse_datetime("-1h", now) == now - 3600
    assert parse_datetime("in 10 minutes", now) == pytest.approx(now + 600, abs=1)
    with pytest.raises(ValueError, match='Invalid datetime: "blursday"'):
        parse_datetime("blursday", now)
    with pytest.raises(ValueError):
        parse_datetime("+1ns", now)
