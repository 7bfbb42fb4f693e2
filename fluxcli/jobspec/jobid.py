"""Job ids and every RFC 19 FLUID encoding (dec, hex, dothex, kvs, f58, words, emoji)."""

from __future__ import annotations

import functools
import os
import re

from ._basemoji import BASEMOJI

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_EMOJI_INDEX = {c: i for i, c in enumerate(BASEMOJI)}
_MAX = 2**64 - 1
_DOTHEX_RE = re.compile(
    r"^([0-9a-fA-F]{1,4})\.([0-9a-fA-F]{1,4})\.([0-9a-fA-F]{1,4})\.([0-9a-fA-F]{1,4})$"
)
_DEC_RE = re.compile(r"^\+?[0-9]+\s*$")
_HEX_RE = re.compile(r"^0x[0-9a-fA-F]+\s*$")
ENCODINGS = ("dec", "hex", "dothex", "kvs", "words", "f58", "f58plain", "emoji")


# what Python's C locale coercion (PEP 538) puts in LC_CTYPE when it finds "C" or "POSIX"
_COERCED = ("C.UTF-8", "C.utf8", "UTF-8")


def _utf8_prefix() -> bool:
    """``ƒ`` as Flux decides it: a UTF-8 LC_CTYPE, and FLUX_F58_FORCE_ASCII unset."""
    if os.environ.get("FLUX_F58_FORCE_ASCII") or os.environ.get("FX_F58_FORCE_ASCII"):
        return False
    env = os.environ
    ctype = env.get("LC_CTYPE")
    if ctype in _COERCED and not env.get("LC_ALL"):
        # Python may have coerced a C locale (and turned on UTF-8 mode): ask what the
        # process started with, as the C library of a Flux tool would have seen it
        ctype = _initial_environ().get("LC_CTYPE")
    name = env.get("LC_ALL") or ctype or env.get("LANG") or "C"
    return _codeset_is_utf8(name)


def _initial_environ() -> dict[str, str]:
    """The environment this process was started with (Linux; elsewhere the current one)."""
    try:
        with open("/proc/self/environ", "rb") as handle:
            raw = handle.read()
    except OSError:
        return dict(os.environ)
    pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
    return {os.fsdecode(k): os.fsdecode(v) for k, _, v in pairs}


@functools.lru_cache(maxsize=8)
def _codeset_is_utf8(name: str) -> bool:
    """Whether the C library's locale ``name`` has the UTF-8 codeset (unknown: the C locale)."""
    if name in ("C", "POSIX"):
        return False
    import locale

    try:
        saved = locale.setlocale(locale.LC_CTYPE)
        try:
            locale.setlocale(locale.LC_CTYPE, name)
            codeset = locale.nl_langinfo(locale.CODESET)
        finally:
            locale.setlocale(locale.LC_CTYPE, saved)
    except (locale.Error, AttributeError, ValueError):
        return False
    return codeset.replace("-", "").lower() == "utf8"


def _f58_digits(value: int) -> str:
    if value == 0:
        return _B58[0]
    digits = []
    while value:
        value, rem = divmod(value, 58)
        digits.append(_B58[rem])
    return "".join(reversed(digits))


def _words_encode(value: int) -> str:
    from mnemonicode import mnformat  # lazily: only the words encoding needs it

    return mnformat(value.to_bytes(8, "little"))


def _words_decode(text: str) -> int:
    from mnemonicode._wordlist import word_to_index

    words = [w for w in re.split(r"[^A-Za-z]+", text) if w]
    if len(words) != 6:
        raise ValueError
    groups = []
    for group in (words[:3], words[3:]):
        num = 0
        for word in reversed(group):
            index = word_to_index(word.lower())
            if index >= 1626:
                raise ValueError
            num = num * 1626 + index
        if num >= 2**32:
            raise ValueError
        groups.append(num)
    return groups[0] | (groups[1] << 32)


def id_parse(text: str) -> int:
    """Parse a job id in any RFC 19 encoding; raise ValueError when invalid."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"{text} is not a valid Flux jobid")
    s = text.lstrip()
    if s.startswith("job."):
        s = s[4:]
    try:
        value = _parse_fluid(s)
    except (ValueError, KeyError):
        raise ValueError(f"{text} is not a valid Flux jobid")
    if value > _MAX:
        raise ValueError(f"{text} is not a valid Flux jobid")
    return value


def _parse_fluid(s: str) -> int:
    if "." in s:
        match = _DOTHEX_RE.match(s)
        if not match:
            raise ValueError
        value = 0
        for group in match.groups():
            value = (value << 16) | int(group, 16)
        return value
    if "-" in s:
        return _words_decode(s)
    if s.startswith(("ƒ", "f")):
        digits = s[1:]
        if not digits or len(digits) > 12:
            raise ValueError
        value = 0
        for c in digits:
            value = value * 58 + _B58_INDEX[c]
        return value & _MAX  # the reference wraps silently on overflow
    if s.startswith("\U0001f000"[0]) or (s and ord(s[0]) >= 0x1F000):
        if not 1 <= len(s) <= 7:
            raise ValueError
        value = 0
        for c in s:
            value = value * 576 + _EMOJI_INDEX[c]
        return value
    if _HEX_RE.match(s):
        return int(s.strip(), 16)
    if _DEC_RE.match(s):
        return int(s.strip())
    raise ValueError


def id_encode(jobid: int, encoding: str = "f58") -> str:
    """Encode integer ``jobid`` in ``encoding`` (case-insensitive)."""
    jobid = int(jobid)
    if jobid < 0:
        raise OverflowError("can't convert negative number to unsigned")
    if jobid > _MAX:
        raise OverflowError("int too big to convert")
    enc = encoding.lower()
    if enc == "dec":
        return str(jobid)
    if enc == "hex":
        return hex(jobid)
    if enc in ("dothex", "kvs"):
        words = [(jobid >> shift) & 0xFFFF for shift in (48, 32, 16, 0)]
        dothex = ".".join(f"{w:04x}" for w in words)
        return dothex if enc == "dothex" else "job." + dothex
    if enc == "words":
        return _words_encode(jobid)
    if enc == "f58":
        return ("ƒ" if _utf8_prefix() else "f") + _f58_digits(jobid)
    if enc == "f58plain":
        return "f" + _f58_digits(jobid)
    if enc == "emoji":
        if jobid == 0:
            return BASEMOJI[0]
        digits = []
        while jobid:
            jobid, rem = divmod(jobid, 576)
            digits.append(BASEMOJI[rem])
        return "".join(reversed(digits))
    raise OSError(71, f"Unknown encoding: {encoding}")


class JobID(int):
    """A Flux job id: an ``int`` that parses and prints every RFC 19 encoding.

    ``JobID("ƒuzzybunny") == 6787342413402046``; ``str(jobid)`` is F58.
    """

    orig_str: str

    def __new__(cls, value: int | str) -> JobID:
        if isinstance(value, JobID):
            return cls(value.orig_str)
        if isinstance(value, int):
            jobid = int(value)
        else:
            jobid = id_parse(value) if isinstance(value, str) else None
            if jobid is None:
                raise ValueError(f"{value} is not a valid Flux jobid")
        self = super().__new__(cls, jobid)
        self.orig_str = str(value)
        return self

    def encode(self, encoding: str = "dec") -> str:
        """Return this id in ``encoding`` (see ``ENCODINGS``)."""
        return id_encode(self, encoding)

    @property
    def dec(self) -> str:
        """Decimal representation."""
        return self.encode("dec")

    @property
    def hex(self) -> str:
        """0x-prefixed hexadecimal representation."""
        return self.encode("hex")

    @property
    def dothex(self) -> str:
        """Dotted hexadecimal representation."""
        return self.encode("dothex")

    @property
    def kvs(self) -> str:
        """KVS directory path representation."""
        return self.encode("kvs")

    @property
    def words(self) -> str:
        """Mnemonic words representation."""
        return self.encode("words")

    @property
    def f58(self) -> str:
        """F58 representation with the locale's prefix (ƒ in UTF-8 locales)."""
        return self.encode("f58")

    @property
    def f58plain(self) -> str:
        """F58 representation with the ASCII ``f`` prefix."""
        return self.encode("f58plain")

    @property
    def emoji(self) -> str:
        """Emoji representation."""
        return self.encode("emoji")

    @property
    def orig(self) -> str:
        """The text this JobID was created from."""
        return self.orig_str

    def __str__(self) -> str:
        return self.encode("f58")

    def __repr__(self) -> str:
        return f"JobID({int(self)})"
