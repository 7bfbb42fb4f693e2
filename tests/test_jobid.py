import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluxcli.jobspec import JobID
from fluxcli.jobspec.jobid import ENCODINGS, id_encode, id_parse

VECTORS = [
    (
        0,
        "0x0",
        "0000.0000.0000.0000",
        "ƒ1",
        "academy-academy-academy--academy-academy-academy",
        "😃",
    ),
    (
        1,
        "0x1",
        "0000.0000.0000.0001",
        "ƒ2",
        "acrobat-academy-academy--academy-academy-academy",
        "😄",
    ),
    (
        65535,
        "0xffff",
        "0000.0000.0000.ffff",
        "ƒLUv",
        "nevada-archive-academy--academy-academy-academy",
        "💁📚",
    ),
    (
        6787342413402046,
        "0x181d0d4d850fbe",
        "0018.1d0d.4d85.0fbe",
        "ƒuzzybunny",
        "cake-plume-nepal--neuron-pencil-academy",
        "👴😱🔚🎮🕙🚩",
    ),
    (
        18446744073709551614,
        "0xfffffffffffffffe",
        "ffff.ffff.ffff.fffe",
        "ƒjpXCZedGfVP",
        "mustang-analyze-verbal--natural-analyze-verbal",
        "🚹💗💧👗😷📷📙",
    ),
    (
        18446744073709551615,
        "0xffffffffffffffff",
        "ffff.ffff.ffff.ffff",
        "ƒjpXCZedGfVQ",
        "natural-analyze-verbal--natural-analyze-verbal",
        "🚹💗💧👗😷📷📚",
    ),
]


@pytest.mark.parametrize("value,hexa,dothex,f58,words,emoji", VECTORS)
def test_vectors(value, hexa, dothex, f58, words, emoji, monkeypatch):
    monkeypatch.delenv("FLUX_F58_FORCE_ASCII", raising=False)
    jobid = JobID(value)
    assert (jobid.dec, jobid.hex, jobid.dothex, jobid.kvs) == (
        str(value),
        hexa,
        dothex,
        "job." + dothex,
    )
    assert (jobid.f58, jobid.words, jobid.emoji) == (f58, words, emoji)
    assert jobid.f58plain == "f" + f58[1:]
    for text in (str(value), hexa, dothex, "job." + dothex, f58, "f" + f58[1:], words, emoji):
        assert JobID(text) == value


def test_str_repr_orig(monkeypatch):
    monkeypatch.setenv("FLUX_F58_FORCE_ASCII", "1")
    jobid = JobID("ƒ2")
    assert str(jobid) == "f2" and repr(jobid) == "JobID(1)" and jobid.orig == "ƒ2"
    assert JobID(12345).f58 == "f4fr"
    assert JobID(JobID("0x10")) == 16 and JobID(JobID("0x10")).orig == "0x10"


@pytest.mark.parametrize("text", ["+5", " 42 ", "00012"])
def test_lenient_decimal(text):
    assert JobID(text) == int(text.strip())


@pytest.mark.parametrize(
    "text",
    [
        "0X10",
        "1e3",
        "0x",
        "18446744073709551616",
        "f0",
        "fO",
        "fI",
        "F1",
        "job.0.0",
        "0.0.0",
        "0.0.0.0.0",
        "0.0.0.g",
        "0000.0000.0000.00001",
        "notjob.0.0.0.0",
        "-1",
        "🦄",
        "bad-words",
        "",
        "abc",
    ],
)
def test_invalid(text):
    with pytest.raises(ValueError, match="is not a valid Flux jobid"):
        JobID(text)


def test_encode_errors():
    with pytest.raises(OSError):
        id_encode(1, "bogus")
    with pytest.raises(OverflowError):
        _ = JobID(-1).dec
    with pytest.raises(OverflowError):
        _ = JobID(2**64).dec
    assert id_encode(1, "F58PLAIN") == "f2"


@given(st.integers(min_value=0, max_value=2**64 - 1), st.sampled_from(ENCODINGS))
def test_round_trip_all_encodings(value, encoding):
    assert id_parse(id_encode(value, encoding)) == value


@given(st.text(max_size=40))
def test_parse_never_raises_other_errors(text):
    try:
        id_parse(text)
    except ValueError:
        pass
