"""Translates the small XPath subset XLSForm conditions use into declarative conditions; parsed, never
evaluated: `${q} = 'code'`, `!=`, `<`, `<=`, `>`, `>=` against a literal, `selected(${q}, 'code')`,
`and`, `or`, `not()` and parentheses. Anything else is refused with where it stands."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from forms.xlsform_text import say

MAX_LENGTH = 2000
MAX_DEPTH = 20

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{(?P<name>[^}]{0,100})\})
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<number>-?\d{1,12}(?:\.\d{1,12})?)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_:.-]*)
    | (?P<dot>\.(?![.\w]))
    )""",
    re.VERBOSE,
)
_FLIP = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
KINDS_NUMBER = ("integer", "decimal")
KINDS_CODES = ("choice", "multi")


class XPathError(ValueError):
    """The expression is outside the subset: a message key of forms.xlsform_text and its arguments
    (what and where, positions 1-based); str() is the English text."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(say(key, "en", **args))
        self.key, self.args_ = key, args

    def text(self, lang: str) -> str:
        return say(self.key, lang, **self.args_)


class _Tok:
    def __init__(self, kind: str, text: str, pos: int, value: Any = None) -> None:
        self.kind, self.text, self.pos, self.value = kind, text, pos, value


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            bad = text[start:start + 1]
            raise XPathError("x_arith" if bad in "+-*/|" else "x_char", found=bad, pos=start + 1)
        start = m.start(m.lastgroup or 0)
        kind = m.lastgroup or ""
        if kind == "name":
            kind = "ref"
        token_text = m.group(kind)
        if kind == "ref":
            out.append(_Tok("ref", token_text, start, m.group("name")))
        elif kind == "string":
            out.append(_Tok("literal", token_text, start, token_text[1:-1]))
        elif kind == "number":
            number = float(token_text) if "." in token_text else int(token_text)
            out.append(_Tok("literal", token_text, start, number))
        else:
            out.append(_Tok(kind, token_text, start, token_text))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, questions: Mapping[str, str], own: str | None) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0
        self.questions = questions  # name -> question type of the names a condition may read
        self.own = own  # the question a constraint belongs to: what `.` names
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise XPathError("x_early")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise XPathError("x_expected", found=tok.text, pos=tok.pos + 1, want=text)

    def parse(self) -> dict[str, Any]:
        if not self.tokens:
            raise XPathError("x_empty")
        cond = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise XPathError("x_unexpected", found=tok.text, pos=tok.pos + 1)
        return cond

    def _nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise XPathError("x_depth", n=MAX_DEPTH)

    def or_expr(self) -> dict[str, Any]:
        parts = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "word" and tok.text == "or":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else {"any": parts}

    def and_expr(self) -> dict[str, Any]:
        parts = [self.unary()]
        while (tok := self.peek()) is not None and tok.kind == "word" and tok.text == "and":
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else {"all": parts}

    def unary(self) -> dict[str, Any]:
        tok = self.peek()
        if tok is None:
            raise XPathError("x_early")
        self._nest()
        try:
            if tok.text == "(":
                self.take()
                inner = self.or_expr()
                self.expect(")")
                return inner
            if tok.kind == "word" and tok.text == "not":
                self.take()
                self.expect("(")
                inner = self.or_expr()
                self.expect(")")
                return {"not": inner}
            if tok.kind == "word" and tok.text == "selected":
                self.take()
                self.expect("(")
                name = self.ref()
                self.expect(",")
                lit = self.take()
                if lit.kind != "literal":
                    raise XPathError("x_selected_code", found=lit.text, pos=lit.pos + 1)
                self.expect(")")
                return self.equals(name, str(lit.value))
            return self.comparison()
        finally:
            self.depth -= 1

    def ref(self) -> str:
        tok = self.take()
        if tok.kind == "dot":
            if self.own is None:
                raise XPathError("x_dot", pos=tok.pos + 1)
            return self.own
        if tok.kind != "ref":
            if tok.kind == "word":
                raise XPathError("x_name", found=tok.text, pos=tok.pos + 1)
            raise XPathError("x_expected_ref", found=tok.text, pos=tok.pos + 1)
        name = str(tok.value)
        if name not in self.questions and name != self.own:
            raise XPathError("x_unknown_ref", name=name)
        return name

    def operand(self) -> tuple[str, Any, _Tok]:
        tok = self.peek()
        if tok is not None and tok.kind == "literal":
            self.take()
            return "literal", tok.value, tok
        if tok is not None and tok.kind == "word" and (nxt := self._after()) is not None and nxt.text == "(":
            raise XPathError("x_function", found=tok.text, pos=tok.pos + 1)
        return "ref", self.ref(), tok or _Tok("", "", 0)

    def _after(self) -> _Tok | None:
        return self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None

    def comparison(self) -> dict[str, Any]:
        left_kind, left, first = self.operand()
        op_tok = self.take()
        if op_tok.kind != "op":
            raise XPathError("x_not_op", found=op_tok.text, pos=op_tok.pos + 1)
        right_kind, right, _ = self.operand()
        if (left_kind, right_kind) == ("literal", "ref"):
            left, right, op = right, left, _FLIP[op_tok.text]
        elif (left_kind, right_kind) == ("ref", "literal"):
            op = op_tok.text
        else:
            raise XPathError("x_two_sides", pos=first.pos + 1)
        return self.compare(str(left), op, right)

    def kind(self, name: str) -> str:
        return self.questions.get(name, "")

    def equals(self, name: str, value: str) -> dict[str, Any]:
        if len(value) > 64:
            raise XPathError("x_long_literal")
        return {"equals": {"question": name, "value": value}}

    def compare(self, name: str, op: str, value: Any) -> dict[str, Any]:
        kind = self.kind(name)
        if kind in KINDS_NUMBER:
            number = value
            if isinstance(value, str):
                try:
                    number = float(value) if "." in value else int(value)
                except ValueError:
                    raise XPathError("x_not_number", name=name, value=value) from None
            return {"compare": {"question": name, "op": op, "value": number}}
        if op not in ("=", "!="):
            raise XPathError("x_compare_numbers", op=op, name=name)
        text = value if isinstance(value, str) else str(value)
        if text == "":
            answered = {"answered": name}
            return {"not": answered} if op == "=" else answered
        cond = self.equals(name, text)
        return cond if op == "=" else {"not": cond}


def translate(text: str, questions: Mapping[str, str], own: str | None = None) -> dict[str, Any]:
    """The declarative condition for `text`; XPathError if it is outside the subset.
    `questions`: the questions it may read (name -> type); `own`: a constraint's question."""
    if len(text) > MAX_LENGTH:
        raise XPathError("x_too_long", n=MAX_LENGTH)
    return _Parser(text, questions, own).parse()


def render(cond: dict[str, Any], own: str | None = None) -> str:
    """A declarative condition as XLSForm XPath (the reverse of translate), for export."""
    def ref(name: str) -> str:
        return "." if name == own else "${" + name + "}"

    def lit(value: Any) -> str:
        if isinstance(value, bool):
            raise XPathError("x_no_form", what="yes/no")
        return str(value) if isinstance(value, int | float) else "'" + str(value) + "'"

    key = next(iter(cond))
    body = cond[key]
    if key == "equals":
        return f"{ref(body['question'])} = {lit(body['value'])}"
    if key == "in":
        return "(" + " or ".join(f"{ref(body['question'])} = {lit(v)}" for v in body["values"]) + ")"
    if key == "compare":
        return f"{ref(body['question'])} {body['op']} {lit(body['value'])}"
    if key == "answered":
        return f"{ref(body)} != ''"
    if key == "not":
        return f"not({render(body, own)})"
    if key in ("all", "any"):
        joiner = " and " if key == "all" else " or "
        return "(" + joiner.join(render(c, own) for c in body) + ")"
    raise XPathError("x_no_form", what=key)
