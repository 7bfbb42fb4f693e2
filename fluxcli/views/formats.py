"""The output format language of Flux's listing tools (``flux jobs -o``), for any record.

A format is Python's ``str.format`` syntax over the attributes of one item
(``{id.f58:>12} {name:<10.10+}``) with these additions:

- conversions ``!d`` (epoch seconds to a datetime; ``{t_run!d:%H:%M::>8}``
  puts a strftime format before ``::`` and the usual spec after it), ``!D``
  (ISO 8601, empty for 0), ``!F`` (Flux Standard Duration), ``!H``
  (hours:minutes:seconds) and ``!P`` (a fraction as a percentage);
- spec suffixes ``h`` (an empty value shows as ``-``) and ``+`` (a cut
  value ends in ``+``);
- prefixes before a field: ``?:`` drops the column when it is empty for
  every item, ``+:`` widens it to its widest value, ``?+:`` does both;
- ``sort:KEY,-KEY`` at the very start sets the sort order.

Each tool supplies ``headings`` (field name to column title): a field
without a heading is an error, "Unknown format field: NAME".
"""

from __future__ import annotations

import math
import re
import string
from datetime import datetime, timedelta

SENTINELS = ("?+:", "?:", "+:")  # longest first
_SORT_PREFIX = re.compile(r"sort:([^{\s]+)")
_SPEC = re.compile(
    r"(?:(?P<fill>[\s\S])?(?P<align>[<>=^]))?(?P<sign>[- +])?(?P<pos_zero>z)?(?P<alt>#)?"
    r"(?P<zero_pad>0)?(?P<width>\d+)?(?P<grouping>[_,])?(?:(?P<dot>\.)(?P<precision>\d+))?"
    r"(?P<type>[bcdeEfFgGnosxX%])?(?P<hyphen>h)?(?P<truncate>\+)?"
)
_SPEC_PARTS = (
    "fill align sign pos_zero alt zero_pad width grouping dot precision type hyphen truncate"
).split()


def fsd(seconds: float) -> str:
    """Seconds as a short Flux Standard Duration."""
    from fluxcli.jobspec.fsd import fsd as encode

    return encode(seconds)


def empty_values() -> tuple[str, ...]:
    """What a formatted field looks like when it holds nothing."""
    local_epoch = datetime.fromtimestamp(0.0).strftime("%FT%T")
    return ("", "0s", "0.0", "0:00:00", "1970-01-01T00:00:00", local_epoch)


class Timestamp(datetime):
    """A datetime whose format spec is ``STRFTIME::SPEC`` (an epoch of 0 shows as empty)."""

    def __format__(self, spec: str) -> str:
        timefmt, _, rest = spec.partition("::")
        text = "" if self.timestamp() == 0 else self.strftime(timefmt or "%FT%T")
        if rest.endswith("h"):
            text = text or "-"
            rest = rest[:-1] + "s"
        return format(text, rest) if rest else text


class FieldFormatter(string.Formatter):
    """``str.format`` with the conversions and spec suffixes listed in the module docstring."""

    def convert_field(self, value, conversion):
        if conversion in (None, "s", "r", "a"):
            return super().convert_field(value, conversion)
        blank = str(value) == ""
        try:
            return _CONVERSIONS[conversion](value)
        except (TypeError, ValueError):
            if blank:
                return Timestamp.fromtimestamp(0.0) if conversion == "d" else ""
            raise
        except KeyError:
            raise ValueError(f"Unknown conversion specifier {conversion}") from None

    def format_field(self, value, spec: str) -> str:
        mark_cut = spec.endswith("+")
        if mark_cut:
            spec = spec[:-1]
        if spec.endswith("h") and not isinstance(value, Timestamp):
            value = "-" if str(value) in empty_values() else str(value)
            spec = spec[:-1] + "s"
        text = super().format_field(value, spec)
        if mark_cut and len(text) < len(str(value)):
            text = text[:-1] + "+"
        return text


def _to_iso(value) -> str:
    return datetime.fromtimestamp(value).strftime("%FT%T") if value else ""


def _to_hms(value) -> str:
    if 0 < value < 1:
        value = 1  # a nonzero time never shows as zero
    return str(timedelta(seconds=round(value)))


def _to_percent(value) -> str:
    value = value * 100
    return f"{value:.2f}%" if 0 < value < 1 else f"{value:.3g}%"


def _to_fsd(value) -> str:
    if not isinstance(value, (int, float)):
        raise TypeError("not a number")
    return fsd(value) if not math.isnan(value) else ""


_CONVERSIONS = {
    "d": Timestamp.fromtimestamp,
    "D": _to_iso,
    "F": _to_fsd,
    "H": _to_hms,
    "P": _to_percent,
}


class Spec:
    """A format spec split into its parts (width and precision may be changed)."""

    def __init__(self, spec: str):
        if "::" in spec:
            spec = spec[spec.find("::") + 2 :]
        match = _SPEC.fullmatch(spec)
        parts = match.groupdict() if match else {}
        for name in _SPEC_PARTS:
            setattr(self, name, parts.get(name) or "")

    def widen(self, width: int) -> None:
        """Make the spec ``width`` wide (the ``+:`` prefix), its precision too for strings."""
        self.width = str(width)
        if self.type in ("", "s") and self.precision and int(self.precision) < width:
            self.precision = str(width)

    def __str__(self) -> str:
        return "".join(getattr(self, name) for name in _SPEC_PARTS)


def _field_text(text: str, field: str, spec: str, conv: str) -> str:
    """One parsed piece back as format text."""
    if not field:
        return text
    return f"{text}{{{field}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"


class OutputFormat:
    """A parsed format: its fields, header row, per-item lines, sentinels and sort keys.

    ``headings`` maps each valid field to its column title; unknown fields
    raise ValueError("Unknown format field: NAME").
    """

    def __init__(self, fmt: str, headings: dict[str, str]):
        self.headings = headings
        self.sort_keys: list[tuple[str, bool]] = []
        self.sort_text = ""
        if fmt.startswith("sort:"):
            match = _SORT_PREFIX.match(fmt)
            if match:
                self.sort_text = fmt[: match.end()]
                self.set_sort_keys(match.group(1))
                fmt = fmt[match.end() :]
                if fmt.startswith(" "):
                    self.sort_text += " "
                    fmt = fmt[1:]
        self.fmt = fmt
        self.parts = [[p or "" for p in piece] for piece in string.Formatter().parse(fmt)]
        for field in self.fields:
            if field not in headings:
                raise ValueError(f"Unknown format field: {field}")

    @property
    def fields(self) -> list[str]:
        """The fields the format names, in order."""
        return [field for _, field, _, _ in self.parts if field]

    def set_sort_keys(self, keys: str) -> None:
        """``KEY,-KEY``: sort by these fields (``-``: descending); ValueError for an unknown one."""
        self.sort_keys = []
        for key in keys.split(","):
            key = key.strip()
            if not key:
                continue
            reverse = key.startswith("-")
            key = key[1:] if reverse else key
            if key not in self.headings:
                raise ValueError(f"Invalid sort key: {key}")
            self.sort_keys.append((key, reverse))

    def _text(self, parts: list[list[str]], prefix: str = "0.") -> str:
        return "".join(_field_text(t, prefix + f if f else f, s, c) for t, f, s, c in parts)

    def header(self) -> str:
        """The header row: each field's title with the field's alignment and width."""
        pieces = []
        for text, field, spec, _ in self.parts:
            if field:
                parsed = Spec(spec)
                title = self.headings[field]
                spec = f"{parsed.align}{parsed.width}"
                pieces.append(text + (format(title, spec) if spec else title))
            else:
                pieces.append(text)
        return "".join(pieces)

    def format(self, item) -> str:
        """One item's line."""
        return FieldFormatter().format(self._text(self.parts), item)

    def resolved(self, items: list, no_header: bool = False) -> OutputFormat:
        """This format with its ``?:``/``+:`` prefixes applied to ``items`` (and removed)."""
        formatter = FieldFormatter()
        empty = empty_values()
        parts = [list(p) for p in self.parts]
        dropped = set()
        for index, (text, field, spec, conv) in enumerate(parts):
            sentinel = next((s for s in SENTINELS if text.endswith(s)), None)
            if sentinel is None or not field:
                continue
            parsed = Spec(spec)
            bare = _field_text("", "0." + field, "", conv)
            widths = [formatter.format(bare, item) for item in items]
            observed = max((0 if w in empty else len(w) for w in widths), default=0)
            if observed == 0 and "?" in sentinel:
                dropped.add(index)
                continue
            if "+" in sentinel:
                widest = max(int(parsed.width or 0), observed)
                if not no_header:
                    widest = max(widest, len(self.headings.get(field, "")))
                parsed.widen(widest)
                parts[index][2] = str(parsed)
        kept = []
        for index, part in enumerate(parts):
            if index in dropped:
                continue
            for sentinel in SENTINELS:
                part[0] = part[0].replace(sentinel, "")
            kept.append(part)
        result = OutputFormat(self._text(kept, prefix=""), self.headings)
        result.sort_keys = self.sort_keys
        return result

    def sort(self, items: list) -> list:
        """``items`` sorted in place by the sort keys (unset values first, then numbers, then text)."""
        from operator import attrgetter

        for key, reverse in reversed(self.sort_keys):
            getter = attrgetter(key)
            items.sort(key=lambda item, get=getter: _sort_value(get(item)), reverse=reverse)
        return items

    def lines(self, items: list, no_header: bool = False, width: int = -1):
        """The header (unless ``no_header``) and each item's line, cut at ``width`` if > 0.

        Yields ``(item, line)``; the header's item is None. Blank lines are skipped.
        """
        final = self.resolved(items, no_header)
        self.sort(items)
        if not no_header:
            yield None, _cut(final.header(), width)
        for item in items:
            line = final.format(item)
            if line and not line.isspace():
                yield item, _cut(line, width)


def _cut(line: str, width: int) -> str:
    return line[: width - 1] + "+" if 0 < width < len(line) else line


def _sort_value(value) -> tuple:
    """Order mixed values: unset ("", "-", None), then numbers, then other text."""
    if value is None or value == "" or value == "-":
        return (0, 0.0)
    if isinstance(value, (bool, int, float)):
        return (1, float(value))
    try:
        return (1, float(str(value)))
    except ValueError:
        return (2, str(value))
