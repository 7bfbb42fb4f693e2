"""RFC 46 resource shapes (``--resources-shape``) to RFC 14 resource lists.

Grammar::

    list   : '[' vertex (';' vertex)* ']' | vertex
    vertex : TYPE ('=' count)? ('{' items '}')? ('/' list)?
    count  : '[' value ']' | value   (integer, idset or RFC 45 range string)
    items  : LABEL (slot only) | key ':' value | ('+'|'-')? key
"""

from __future__ import annotations

import re

_TYPE_RE = re.compile(r"[A-Za-z_][\w.-]*")
_COUNT_RE = re.compile(r"\d[\d,+\-:*^]*")
_ITEM_RE = re.compile(r"[^,{}\[\]/;:=\s]+")


class ShapeSyntaxError(ValueError):
    """A malformed resource shape."""


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def error(self, what: str | None = None) -> ShapeSyntaxError:
        if self.pos >= len(self.text):
            return ShapeSyntaxError(f"Unexpected end of input in '{self.text}'")
        return ShapeSyntaxError(
            what or f"Invalid token '{self.text[self.pos]}' at position {self.pos}"
        )

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self, regex: re.Pattern[str]) -> str:
        match = regex.match(self.text, self.pos)
        if not match:
            raise self.error()
        self.pos = match.end()
        return match.group()

    def parse_list(self) -> list[dict]:
        if self.peek() != "[":
            return [self.parse_vertex()]
        start = self.pos
        self.pos += 1
        vertices = [self.parse_vertex()]
        while self.peek() == ";":
            self.pos += 1
            vertices.append(self.parse_vertex())
        if self.peek() != "]":
            if self.pos >= len(self.text):
                raise ShapeSyntaxError(f"Unclosed bracket in position {start}")
            raise self.error()
        self.pos += 1
        if sum(1 for v in vertices if v["type"] == "slot" and v.get("_nolabel")) > 1:
            raise ShapeSyntaxError("Multiple slots require labels")
        return vertices

    def parse_count(self) -> int | str:
        if self.peek() == "[":
            start = self.pos
            self.pos += 1
            value = self.take(_COUNT_RE)
            if self.peek() != "]":
                raise ShapeSyntaxError(f"Unclosed bracket in position {start}")
            self.pos += 1
        else:
            value = self.take(_COUNT_RE)
        return int(value) if value.isdigit() else value

    def parse_items(self, vertex: dict, is_slot: bool) -> None:
        start = self.pos
        self.pos += 1
        first = True
        while True:
            if self.pos >= len(self.text):
                raise ShapeSyntaxError(f"Unclosed brace in position {start}")
            if self.peek() == "}" and not (first and is_slot):
                self.pos += 1
                return
            sign = ""
            if self.peek() in "+-" and not (first and is_slot):
                sign = self.peek()
                self.pos += 1
            key = self.take(_ITEM_RE)
            if first and is_slot:
                vertex["label"] = key
            elif self.peek() == ":":
                self.pos += 1
                value = self.take(_ITEM_RE)
                vertex[key] = int(value) if value.isdigit() else value
            else:
                name = "exclusive" if key == "x" else key
                vertex[name] = sign != "-"
            first = False
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "}":
                if self.pos >= len(self.text):
                    raise ShapeSyntaxError(f"Unclosed brace in position {start}")
                raise self.error()

    def parse_vertex(self) -> dict:
        rtype = self.take(_TYPE_RE)
        vertex: dict = {"type": rtype, "count": 1}
        if self.peek() == "=":
            self.pos += 1
            vertex["count"] = self.parse_count()
        is_slot = rtype == "slot"
        if self.peek() == "{":
            self.parse_items(vertex, is_slot)
        if is_slot and "label" not in vertex:
            vertex["label"] = "task"
            vertex["_nolabel"] = True
        if self.peek() == "/":
            self.pos += 1
            vertex["with"] = self.parse_list()
        elif is_slot:
            raise self.error()
        return vertex


def _strip_private(vertices: list[dict]) -> list[dict]:
    for vertex in vertices:
        vertex.pop("_nolabel", None)
        _strip_private(vertex.get("with", []))
    return vertices


def parse_shape(text: str) -> list[dict]:
    """Parse an RFC 46 shape string into an RFC 14 ``resources`` list."""
    parser = _Parser(text.strip())
    resources = parser.parse_list()
    if parser.pos != len(parser.text):
        raise parser.error()
    return _strip_private(resources)
