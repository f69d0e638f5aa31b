"""A parser for the Alloy configuration language, as far as this project's config uses it.

Alloy cannot be installed here, so its config is checked statically: the syntax (blocks,
attributes, strings, lists, objects, references, function calls, comments), the attributes
and blocks each component accepts (from the Alloy reference), and that every component
reference (e.g. `loki.write.local.receiver`) names a component defined in the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

Item = TypeVar("Item")

TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/%<>!])
  | (?P<punct>[{}\[\](),.=])
    """,
    re.VERBOSE | re.DOTALL,
)


class AlloySyntaxError(ValueError):
    pass


@dataclass
class Block:
    name: str
    label: str | None
    attributes: dict[str, object] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Config:
    components: list[Block]
    references: list[str]


def tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, position = [], 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match:
            line = text.count("\n", 0, position) + 1
            raise AlloySyntaxError(f"line {line}: unexpected {text[position : position + 10]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append((kind, match.group(), text.count("\n", 0, position) + 1))
        position = match.end()
    return tokens


class Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.references: list[str] = []

    # ------------------------------------------------------------------ helpers
    def peek(self, offset: int = 0) -> tuple[str, str, int]:
        if self.index + offset < len(self.tokens):
            return self.tokens[self.index + offset]
        return ("eof", "", self.tokens[-1][2] if self.tokens else 0)

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        token_kind, token, line = self.peek()
        if (value is not None and token != value) or (kind is not None and token_kind != kind):
            raise AlloySyntaxError(f"line {line}: expected {value or kind}, found {token!r}")
        self.index += 1
        return token

    # ------------------------------------------------------------------ grammar
    def parse(self) -> Config:
        body = self.body(top_level=True)
        return Config(body.blocks, self.references)

    def body(self, top_level: bool = False) -> Block:
        block = Block("", None)
        while self.peek()[0] != "eof" and not (self.peek()[1] == "}" and not top_level):
            name = self.dotted_name()
            if self.peek()[1] == "=":
                if "." in name:
                    raise AlloySyntaxError(f"line {self.peek()[2]}: attribute {name!r} has a dot")
                self.take("=")
                if name in block.attributes:
                    raise AlloySyntaxError(f"line {self.peek()[2]}: {name} set twice")
                block.attributes[name] = self.expression()
            else:
                label = self.take(kind="string")[1:-1] if self.peek()[0] == "string" else None
                self.take("{")
                inner = self.body()
                self.take("}")
                block.blocks.append(Block(name, label, inner.attributes, inner.blocks))
        return block

    def dotted_name(self) -> str:
        parts = [self.take(kind="ident")]
        while self.peek()[1] == ".":
            self.take(".")
            parts.append(self.take(kind="ident"))
        return ".".join(parts)

    def expression(self) -> object:
        value = self.unary()
        while self.peek()[0] == "op":
            operator = self.take(kind="op")
            value = ("binary", operator, value, self.unary())
        return value

    def unary(self) -> object:
        if self.peek()[1] in {"!", "-"}:
            self.take(kind="op")
        return self.primary()

    def primary(self) -> object:
        kind, token, _ = self.peek()
        if kind in {"string", "number"}:
            self.index += 1
            return token
        if token == "[":
            return self.sequence("[", "]", self.expression)
        if token == "{":
            return dict(self.sequence("{", "}", self.object_field))
        if token == "(":
            self.take("(")
            value = self.expression()
            self.take(")")
            return value
        if kind == "ident":
            name = self.dotted_name()
            if name in {"true", "false", "null"}:
                return name
            if self.peek()[1] == "(":
                return ("call", name, self.sequence("(", ")", self.expression))
            self.references.append(name)
            return ("ref", name)
        raise AlloySyntaxError(f"line {self.peek()[2]}: unexpected {token!r}")

    def object_field(self) -> tuple[str, object]:
        kind, key, _ = self.peek()
        self.take(kind="ident" if kind == "ident" else "string")
        self.take("=")
        return key, self.expression()

    def sequence(self, start: str, end: str, item: Callable[[], Item]) -> list[Item]:
        self.take(start)
        items: list[Item] = []
        while self.peek()[1] != end:
            items.append(item())
            if self.peek()[1] != end:
                self.take(",")
        self.take(end)
        return items


def parse(text: str) -> Config:
    return Parser(text).parse()


def string_value(expression: object, env: dict[str, str]) -> str:
    """The string an expression of the config evaluates to, where it is made of what this
    project's config uses for strings: literals, `sys.env("NAME")` (from `env`) and `+`."""
    if isinstance(expression, str) and expression.startswith('"'):
        return str(json.loads(expression))
    if isinstance(expression, tuple) and expression[0] == "binary" and expression[1] == "+":
        return string_value(expression[2], env) + string_value(expression[3], env)
    if isinstance(expression, tuple) and expression[:2] == ("call", "sys.env"):
        (name,) = expression[2]
        return env[string_value(name, env)]
    raise AlloySyntaxError(f"not a string expression this check evaluates: {expression!r}")
