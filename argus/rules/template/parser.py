"""Parses template tokens into a tree, checking what Go checks at parse time.

Go rejects unknown functions and undefined variables when the template is parsed,
not when it runs, so a rule file with ``{{ $lables.x }}`` fails ``check rules``. We do
the same. ``define``, ``template`` and ``block`` (named sub-templates) are rejected
with a clear error: alert and recording templates are single strings in a rule file
and have nowhere to define them.
"""

from __future__ import annotations

import ast as pyast
from collections.abc import Collection
from dataclasses import dataclass, field

from argus.rules.template.errors import TemplateParseError
from argus.rules.template.lexer import Token, tokenize

__all__ = [
    "Arg",
    "BoolNode",
    "BreakNode",
    "ChainNode",
    "CommandNode",
    "ContinueNode",
    "DotNode",
    "FieldNode",
    "IdentNode",
    "IfNode",
    "NilNode",
    "Node",
    "NumberNode",
    "PipeNode",
    "PrintNode",
    "RangeNode",
    "StringNode",
    "TextNode",
    "VariableNode",
    "WithNode",
    "parse_nodes",
]

_KEYWORDS = frozenset(
    {"if", "else", "end", "range", "with", "break", "continue", "define", "template", "block"}
)


@dataclass(frozen=True, slots=True)
class DotNode:
    def __str__(self) -> str:
        return "."


@dataclass(frozen=True, slots=True)
class NilNode:
    def __str__(self) -> str:
        return "nil"


@dataclass(frozen=True, slots=True)
class BoolNode:
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(frozen=True, slots=True)
class StringNode:
    value: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class NumberNode:
    """``value`` is what Go's untyped constant becomes in an ``interface{}``: int or float."""

    value: int | float
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class FieldNode:
    names: tuple[str, ...]

    def __str__(self) -> str:
        return "".join("." + n for n in self.names)


@dataclass(frozen=True, slots=True)
class VariableNode:
    name: str
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name + "".join("." + n for n in self.fields)


@dataclass(frozen=True, slots=True)
class IdentNode:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ChainNode:
    node: PipeNode
    fields: tuple[str, ...]

    def __str__(self) -> str:
        return f"({self.node})" + "".join("." + n for n in self.fields)


@dataclass(frozen=True, slots=True)
class CommandNode:
    args: tuple[Arg, ...]
    line: int = 1
    col: int = 0

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, PipeNode) else str(a) for a in self.args)


@dataclass(frozen=True, slots=True)
class PipeNode:
    line: int
    decl: tuple[str, ...]
    is_assign: bool
    cmds: tuple[CommandNode, ...]

    def __str__(self) -> str:
        head = ""
        if self.decl:
            head = ", ".join(self.decl) + (" = " if self.is_assign else " := ")
        return head + " | ".join(str(c) for c in self.cmds)


Arg = (
    DotNode
    | NilNode
    | BoolNode
    | StringNode
    | NumberNode
    | FieldNode
    | VariableNode
    | IdentNode
    | ChainNode
    | PipeNode
)


@dataclass(frozen=True, slots=True)
class TextNode:
    text: str


@dataclass(frozen=True, slots=True)
class PrintNode:
    pipe: PipeNode


@dataclass(frozen=True, slots=True)
class IfNode:
    pipe: PipeNode
    body: list[Node] = field(default_factory=list)
    orelse: list[Node] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class WithNode:
    pipe: PipeNode
    body: list[Node] = field(default_factory=list)
    orelse: list[Node] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RangeNode:
    pipe: PipeNode
    body: list[Node] = field(default_factory=list)
    orelse: list[Node] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BreakNode:
    line: int


@dataclass(frozen=True, slots=True)
class ContinueNode:
    line: int


Node = TextNode | PrintNode | IfNode | WithNode | RangeNode | BreakNode | ContinueNode


def _unquote(tok: Token, name: str) -> str:
    if tok.kind == "raw":
        return tok.value[1:-1]
    try:
        value = pyast.literal_eval(tok.value)
    except (ValueError, SyntaxError):
        raise TemplateParseError(name, tok.line, f"invalid syntax: {tok.value}") from None
    return str(value)


def _number(tok: Token, name: str) -> NumberNode:
    text = tok.value.replace("_", "")
    try:
        if text.lower().lstrip("+-").startswith("0x"):
            return NumberNode(int(text, 16), tok.value)
        if any(c in text for c in ".eE"):
            return NumberNode(float(text), tok.value)
        return NumberNode(int(text), tok.value)
    except ValueError:
        raise TemplateParseError(name, tok.line, f"bad number syntax: {tok.value!r}") from None


class _Parser:
    def __init__(
        self, tokens: list[Token], name: str, funcs: Collection[str], variables: list[str]
    ) -> None:
        self.toks = tokens
        self.i = 0
        self.name = name
        self.funcs = funcs
        self.vars = list(variables)
        self.range_depth = 0

    # -- token helpers
    def peek(self) -> Token:
        return self.toks[min(self.i, len(self.toks) - 1)]

    def next(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def skip_space(self) -> None:
        while self.peek().kind == "space":
            self.i += 1

    def error(self, message: str, line: int | None = None) -> TemplateParseError:
        return TemplateParseError(self.name, line or self.peek().line, message)

    def expect_close(self, context: str) -> None:
        self.skip_space()
        tok = self.next()
        if tok.kind != "close":
            raise self.error(f"unexpected {_describe(tok)} in {context}", tok.line)

    # -- lists and actions
    def item_list(self) -> tuple[list[Node], str]:
        """Nodes up to ``{{end}}``, ``{{else}}`` or the end; returns which one ended it."""
        nodes: list[Node] = []
        while True:
            tok = self.next()
            if tok.kind == "eof":
                return nodes, "eof"
            if tok.kind == "text":
                nodes.append(TextNode(tok.value))
                continue
            self.skip_space()
            head = self.peek()
            if head.kind == "ident" and head.value in ("end", "else"):
                self.next()
                if head.value == "end":
                    self.expect_close("end")
                return nodes, head.value
            nodes.append(self.action())

    def action(self) -> Node:
        head = self.peek()
        if head.kind == "ident" and head.value in ("if", "with", "range"):
            self.next()
            return self.control(head.value, head.line)
        if head.kind == "ident" and head.value in ("break", "continue"):
            self.next()
            if self.range_depth == 0:
                raise self.error(f"{{{{{head.value}}}}} outside {{{{range}}}}", head.line)
            self.expect_close(head.value)
            return BreakNode(head.line) if head.value == "break" else ContinueNode(head.line)
        if head.kind == "ident" and head.value in ("define", "template", "block"):
            raise self.error(
                f"{{{{{head.value}}}}} is not supported in rule templates "
                "(a label or annotation is a single template)",
                head.line,
            )
        pipe = self.pipeline("command", decl_ok=True)
        self.expect_close("command")
        return PrintNode(pipe)

    def control(self, kind: str, line: int) -> Node:
        mark = len(self.vars)
        pipe = self.pipeline(kind, decl_ok=True, range_decl=kind == "range")
        self.expect_close(kind)
        if kind == "range":
            self.range_depth += 1
        body, end = self.item_list()
        if kind == "range":
            self.range_depth -= 1
        orelse: list[Node] = []
        if end == "eof":
            raise self.error("unexpected EOF")
        if end == "else":
            self.skip_space()
            nxt = self.peek()
            if kind in ("if", "with") and nxt.kind == "ident" and nxt.value == kind:
                # {{else if x}} is {{else}}{{if x}}…{{end}} sharing the outer {{end}}.
                self.next()
                orelse = [self.control(kind, nxt.line)]
            else:
                self.expect_close("else")
                orelse, end2 = self.item_list()
                if end2 != "end":
                    raise self.error("expected end; found " + ("EOF" if end2 == "eof" else end2))
        del self.vars[mark:]
        if kind == "if":
            return IfNode(pipe, body, orelse)
        if kind == "with":
            return WithNode(pipe, body, orelse)
        return RangeNode(pipe, body, orelse)

    # -- pipelines and commands
    def pipeline(
        self, context: str, *, decl_ok: bool = False, range_decl: bool = False
    ) -> PipeNode:
        self.skip_space()
        line = self.peek().line
        decl: list[str] = []
        is_assign = False
        if decl_ok and self.peek().kind == "variable":
            save = self.i
            names = [self.next().value]
            self.skip_space()
            if range_decl and self.peek().kind == "comma":
                self.next()
                self.skip_space()
                if self.peek().kind != "variable":
                    raise self.error(
                        f"range can only initialize variables, found {_describe(self.peek())}"
                    )
                names.append(self.next().value)
                self.skip_space()
            if self.peek().kind in ("declare", "assign"):
                is_assign = self.next().kind == "assign"
                decl = names
                if is_assign:
                    for n in names:
                        if n not in self.vars:
                            raise self.error(f'undefined variable "{n}"', line)
            else:
                self.i = save
        cmds: list[CommandNode] = []
        while True:
            self.skip_space()
            cmds.append(self.command(context))
            self.skip_space()
            if self.peek().kind != "pipe":
                break
            self.next()
        if not is_assign:
            self.vars.extend(decl)
        return PipeNode(line, tuple(decl), is_assign, tuple(cmds))

    def command(self, context: str) -> CommandNode:
        self.skip_space()
        start = self.peek()
        args: list[Arg] = []
        while True:
            self.skip_space()
            tok = self.peek()
            if tok.kind in ("close", "pipe", "rparen", "eof"):
                break
            args.append(self.operand())
            if self.peek().kind not in ("space", "close", "pipe", "rparen"):
                raise self.error(f"unexpected {_describe(self.peek())} in operand")
        if not args:
            raise self.error(f"missing value for {context}")
        return CommandNode(tuple(args), start.line, start.col)

    def fields(self) -> tuple[str, ...]:
        names: list[str] = []
        while self.peek().kind == "field":
            names.append(self.next().value[1:])
        return tuple(names)

    def operand(self) -> Arg:
        tok = self.next()
        kind = tok.kind
        if kind == "ident":
            if tok.value in ("true", "false"):
                return BoolNode(tok.value == "true")
            if tok.value == "nil":
                return NilNode()
            if tok.value in _KEYWORDS:
                raise self.error(f"unexpected <{tok.value}> in command", tok.line)
            if tok.value not in self.funcs:
                raise self.error(f'function "{tok.value}" not defined', tok.line)
            return IdentNode(tok.value)
        if kind == "dot":
            return DotNode()
        if kind == "field":
            self.i -= 1
            return FieldNode(self.fields())
        if kind == "variable":
            if tok.value not in self.vars:
                raise self.error(f'undefined variable "{tok.value}"', tok.line)
            return VariableNode(tok.value, self.fields())
        if kind == "lparen":
            inner = self.pipeline("parenthesized pipeline")
            self.skip_space()
            if self.next().kind != "rparen":
                raise self.error("unclosed left paren", tok.line)
            chain = self.fields()
            return ChainNode(inner, chain) if chain else inner
        if kind in ("string", "raw"):
            return StringNode(_unquote(tok, self.name), tok.value)
        if kind == "char":
            return NumberNode(ord(_unquote(tok, self.name)), tok.value)
        if kind == "number":
            return _number(tok, self.name)
        raise self.error(f"unexpected {_describe(tok)} in operand", tok.line)


def _describe(tok: Token) -> str:
    if tok.kind == "eof":
        return "EOF"
    if tok.kind == "close":
        return '"}}"'
    return f'"{tok.value}"'


def parse_nodes(
    src: str, name: str, funcs: Collection[str], variables: Collection[str] = ()
) -> list[Node]:
    """The tree of ``src``; ``variables`` are predefined (``$`` always is)."""
    parser = _Parser(tokenize(src, name), name, funcs, ["$", *variables])
    nodes, end = parser.item_list()
    if end != "eof":
        raise parser.error(f"unexpected {{{{{end}}}}}")
    return nodes
