"""RFC 35 constraint queries (``--requires``) to RFC 31 constraint objects.

The grammar and its precedence (OR < AND/juxtaposition < NOT < ``-``) follow
the reference LALR parser, including how a bare term after an ``or`` binds.
"""

from __future__ import annotations

import re

OPERATOR_MAP = {None: "properties", "host": "hostlist", "hosts": "hostlist", "rank": "ranks"}
SPLIT_VALUES = {"properties": ","}
COMBINED_TERMS = {"properties"}

_LEX = re.compile(
    r"""(?P<ws>\s+)
      | (?P<NEGATE>-)
      | (?P<NOT>not\b)
      | (?P<AND>&{1,2}|and\b)
      | (?P<OR>\|{1,2}|or\b)
      | (?P<LPAREN>\()
      | (?P<RPAREN>\))
      | (?P<TOKEN>[^()|&\s"']+)
      | (?P<QUOTE>['"])""",
    re.VERBOSE,
)
# binding level of each lookahead token and of each reducible rule (yacc style)
_SHIFT_LEVEL = {"TOKEN": 0, "LPAREN": 0, "NOT": 3, "NEGATE": 4, "AND": 2, "OR": 1}
_RULE = {"JUX": (2, "left"), "AND": (2, "left"), "OR": (1, "left"), "NOT": (3, "right")}


class ConstraintSyntaxError(ValueError):
    """A malformed constraint query."""


class _Tok:
    __slots__ = ("kind", "value", "pos")

    def __init__(self, kind: str, value: str, pos: int):
        self.kind, self.value, self.pos = kind, value, pos


class _Lexer:
    def __init__(self, text: str):
        self.text = text
        self.parens = 0
        self.last_lparen = 0
        self.last_rparen = 0

    def tokens(self):
        pos, pending = 0, None
        text = self.text
        while pos < len(text):
            match = _LEX.match(text, pos)
            kind = match.lastgroup
            if kind == "QUOTE":
                end = text.find(match.group(), pos + 1)
                if end < 0:
                    raise ConstraintSyntaxError(
                        f"Unclosed quote '{match.group()}' at position {pos + 1}"
                        if match.group() == '"'
                        else f'Unclosed quote "\'" at position {pos + 1}'
                    )
                inner, start, pos = text[pos + 1 : end], pos + 1, end + 1
                if inner:
                    tok, pending = self._token(inner, start, pending)
                    if tok:
                        yield tok
                continue
            pos = match.end()
            if kind == "ws":
                continue
            if kind == "TOKEN":
                tok, pending = self._token(match.group(), match.start(), pending)
                if tok:
                    yield tok
                continue
            if kind == "LPAREN":
                self.parens += 1
                self.last_lparen = match.start()
            elif kind == "RPAREN":
                self.parens -= 1
                self.last_rparen = match.start()
            yield _Tok(kind, match.group(), match.start())
        if pending is not None:
            raise ConstraintSyntaxError(f"Missing argument to token '{pending.value}'")

    @staticmethod
    def _token(value: str, pos: int, pending: _Tok | None):
        if pending is not None:
            return _Tok("TOKEN", pending.value + value, pos), None
        if value.endswith(":"):
            return None, _Tok("TOKEN", value, pos)
        return _Tok("TOKEN", value, pos), None


def _term(text: str) -> dict:
    op, colon, value = text.partition(":")
    if not colon:
        op, value = OPERATOR_MAP[None], text
    else:
        op = OPERATOR_MAP.get(op, op)
    bad = re.search(r"[^\w.+@-]", op)
    if bad:
        raise ConstraintSyntaxError(f"invalid character '{bad[0]}' in operator '{op}:'")
    if op in SPLIT_VALUES:
        return {op: value.split(SPLIT_VALUES[op])}
    return {op: [value]}


def _combine(left: dict, right: dict) -> dict:
    entries = [left, right]
    if "and" in left:
        left["and"].append(right)
        entries = [left]
    combined: dict = {}
    terms = []
    for entry in entries:
        key = next(iter(entry))
        if key not in COMBINED_TERMS:
            terms.append(entry)
        elif key not in combined:
            combined[key] = entry[key]
            terms.append(entry)
        else:
            combined[key].extend(entry[key])
    return terms[0] if len(terms) == 1 else {"and": terms}


def _apply(op: str, operands: list) -> None:
    if op == "NOT":
        operands.append({"not": [operands.pop()]})
        return
    right, left = operands.pop(), operands.pop()
    if op == "OR":
        if "or" in left:
            left["or"].append(right)
            operands.append(left)
        else:
            operands.append({"or": [left, right]})
    else:
        operands.append(_combine(left, right))


def parse_constraint(query: str) -> dict:
    """Parse an RFC 35 query into an RFC 31 constraint dict."""
    lexer = _Lexer(query)
    tokens = list(lexer.tokens())
    operands: list = []
    ops: list[str] = []
    expect_operand = True

    def reduce_for(level: int) -> None:
        while ops and ops[-1] != "(":
            rlevel, assoc = _RULE[ops[-1]]
            if level < rlevel or (level == rlevel and assoc == "left"):
                _apply(ops.pop(), operands)
            else:
                break

    def invalid(tok: _Tok):
        if lexer.parens < 0:
            return ConstraintSyntaxError(
                "Mismatched parentheses starting at position {self.lexer.last_rparens}."
            )
        return ConstraintSyntaxError(f"Invalid token '{tok.value}' at position {tok.pos}")

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not expect_operand and tok.kind in ("TOKEN", "LPAREN", "NOT", "NEGATE"):
            reduce_for(_SHIFT_LEVEL[tok.kind])
            ops.append("JUX")
            expect_operand = True
        if expect_operand:
            if tok.kind == "TOKEN":
                operands.append(_term(tok.value))
                expect_operand = False
            elif tok.kind == "NEGATE":
                if i + 1 >= len(tokens):
                    break
                nxt = tokens[i + 1]
                if nxt.kind != "TOKEN":
                    raise invalid(nxt)
                operands.append({"not": [_term(nxt.value)]})
                expect_operand = False
                i += 1
            elif tok.kind == "NOT":
                ops.append("NOT")
            elif tok.kind == "LPAREN":
                ops.append("(")
            else:
                raise invalid(tok)
        elif tok.kind in ("AND", "OR"):
            reduce_for(_SHIFT_LEVEL[tok.kind])
            ops.append(tok.kind)
            expect_operand = True
        elif tok.kind == "RPAREN":
            reduce_for(-1)
            if not ops:
                raise invalid(tok)
            ops.pop()
        i += 1
    if expect_operand or "(" in ops:
        if lexer.parens > 0:
            raise ConstraintSyntaxError(f"Unclosed parenthesis in position {lexer.last_lparen}")
        raise ConstraintSyntaxError(f"Unexpected end of input in '{query}'")
    reduce_for(-1)
    return operands[0]


def requires_to_constraint(requires: list[str]) -> dict:
    """Join ``--requires`` values with spaces and parse them as one query."""
    query = " ".join(requires)
    try:
        return parse_constraint(query)
    except ConstraintSyntaxError as exc:
        raise ValueError(f"--requires='{query}': {exc}")
