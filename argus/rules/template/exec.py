"""Runs a parsed template: pipelines, variables, control flow, field access.

Semantics follow Go's ``text/template`` with ``missingkey=zero`` (Prometheus's
option): a missing map key is the empty string, so ``{{ $labels.nope }}`` prints
nothing instead of failing the alert.
"""

from __future__ import annotations

from typing import Any

from argus.rules.template.errors import TemplateExecError
from argus.rules.template.functions import FuncContext, FuncError, call_function, truth
from argus.rules.template.gofmt import go_str, go_type_name
from argus.rules.template.parser import (
    Arg,
    BoolNode,
    BreakNode,
    ChainNode,
    CommandNode,
    ContinueNode,
    DotNode,
    FieldNode,
    IdentNode,
    IfNode,
    NilNode,
    Node,
    NumberNode,
    PipeNode,
    PrintNode,
    RangeNode,
    StringNode,
    TextNode,
    VariableNode,
    WithNode,
)

__all__ = ["execute"]

_MISSING = object()
_MAX_OUTPUT = 1 << 20


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _State:
    def __init__(
        self, name: str, ctx: FuncContext, root: Any, variables: dict[str, Any], col0: int
    ) -> None:
        self.col0 = col0
        self.col = 0
        self.name = name
        self.ctx = ctx
        self.vars: list[tuple[str, Any]] = [("$", root), *variables.items()]
        self.out: list[str] = []
        self.size = 0
        self.line = 1

    def error(self, node: object, message: str) -> TemplateExecError:
        col = self.col + (self.col0 if self.line == 1 else 0)
        return TemplateExecError(self.name, self.line, col, str(node), message)

    def lookup(self, name: str) -> Any:
        for n, v in reversed(self.vars):
            if n == name:
                return v
        raise self.error(name, f'undefined variable: "{name}"')

    def assign(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        raise self.error(name, f'undefined variable: "{name}"')

    def write(self, text: str) -> None:
        self.size += len(text)
        if self.size > _MAX_OUTPUT:
            raise self.error("output", f"template output exceeds {_MAX_OUTPUT} bytes")
        self.out.append(text)

    # -- nodes
    def walk(self, nodes: list[Node], dot: Any) -> None:
        for node in nodes:
            self.walk_one(node, dot)

    def walk_one(self, node: Node, dot: Any) -> None:
        if isinstance(node, TextNode):
            self.write(node.text)
        elif isinstance(node, PrintNode):
            value = self.pipeline(node.pipe, dot)
            if not node.pipe.decl:
                self.write("<no value>" if value is None else go_str(value))
        elif isinstance(node, (IfNode, WithNode)):
            mark = len(self.vars)
            value = self.pipeline(node.pipe, dot)
            if truth(value):
                self.walk(node.body, value if isinstance(node, WithNode) else dot)
            else:
                self.walk(node.orelse, dot)
            del self.vars[mark:]
        elif isinstance(node, RangeNode):
            self.range(node, dot)
        elif isinstance(node, BreakNode):
            raise _Break
        elif isinstance(node, ContinueNode):
            raise _Continue

    def range(self, node: RangeNode, dot: Any) -> None:
        mark = len(self.vars)
        pipe = node.pipe
        value = self.pipeline(PipeNode(pipe.line, (), False, pipe.cmds), dot)
        if isinstance(value, dict):
            items: list[tuple[Any, Any]] = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(i, i) for i in range(value)]
        elif value is None:
            items = []
        else:
            raise self.error(pipe, f"range can't iterate over {go_str(value)}")
        if not items:
            self.walk(node.orelse, dot)
            return
        for key, elem in items:
            del self.vars[mark:]
            if len(pipe.decl) == 1:
                self.vars.append((pipe.decl[0], elem))
            elif len(pipe.decl) == 2:
                self.vars.extend([(pipe.decl[0], key), (pipe.decl[1], elem)])
            try:
                self.walk(node.body, elem)
            except _Continue:
                continue
            except _Break:
                break
        del self.vars[mark:]

    # -- pipelines
    def pipeline(self, pipe: PipeNode, dot: Any) -> Any:
        self.line = pipe.line
        value: Any = _MISSING
        for cmd in pipe.cmds:
            value = self.command(cmd, dot, value)
        for name in pipe.decl:
            if pipe.is_assign:
                self.assign(name, value)
            else:
                self.vars.append((name, value))
        return value

    def command(self, cmd: CommandNode, dot: Any, final: Any) -> Any:
        self.line, self.col = cmd.line, cmd.col
        first = cmd.args[0]
        if isinstance(first, IdentNode):
            return self.call(first.name, cmd, dot, final)
        if len(cmd.args) > 1 or final is not _MISSING:
            raise self.error(first, f"can't give argument to non-function {first}")
        return self.arg(first, dot)

    def call(self, name: str, cmd: CommandNode, dot: Any, final: Any) -> Any:
        arg_nodes = cmd.args[1:]
        if name in ("and", "or"):
            count = len(arg_nodes) + (final is not _MISSING)
            if not count:
                raise self.error(cmd, f"wrong number of args for {name}: want at least 1 got 0")
            result: Any = None
            for i in range(count):
                result = self.arg(arg_nodes[i], dot) if i < len(arg_nodes) else final
                if truth(result) != (name == "and"):
                    return result
            return result
        args = [self.arg(n, dot) for n in arg_nodes]
        if final is not _MISSING:
            args.append(final)
        self.line, self.col = cmd.line, cmd.col
        try:
            return call_function(name, self.ctx, args)
        except FuncError as exc:
            raise self.error(cmd, f"error calling {name}: {exc}") from None

    def arg(self, node: Arg, dot: Any) -> Any:
        if isinstance(node, DotNode):
            return dot
        if isinstance(node, NilNode):
            return None
        if isinstance(node, (BoolNode, StringNode, NumberNode)):
            return node.value
        if isinstance(node, FieldNode):
            return self.fields(dot, node.names, node)
        if isinstance(node, VariableNode):
            return self.fields(self.lookup(node.name), node.fields, node)
        if isinstance(node, ChainNode):
            return self.fields(self.pipeline(node.node, dot), node.fields, node)
        if isinstance(node, IdentNode):
            return self.call(node.name, CommandNode((node,)), dot, _MISSING)
        return self.pipeline(node, dot)

    def fields(self, value: Any, names: tuple[str, ...], node: object) -> Any:
        for name in names:
            if isinstance(value, dict):
                value = value.get(name, "")
            elif value is None:
                raise self.error(node, f"nil pointer evaluating interface {{}}.{name}")
            elif hasattr(value, "__dataclass_fields__") and name in value.__dataclass_fields__:
                value = getattr(value, name)
            else:
                raise self.error(node, f"can't evaluate field {name} in type {go_type_name(value)}")
        return value


def execute(
    nodes: list[Node],
    name: str,
    root: Any,
    ctx: FuncContext,
    variables: dict[str, Any] | None = None,
    col0: int = 0,
) -> str:
    """Render ``nodes`` with ``.`` = ``root``; raises :class:`TemplateExecError`.

    ``col0`` shifts columns on line 1, where Prometheus prepends its variable
    definitions to the user's text before Go parses it.
    """
    state = _State(name, ctx, root, variables or {}, col0)
    try:
        state.walk(nodes, root)
    except RecursionError:
        raise state.error("template", "template nesting too deep") from None
    return "".join(state.out)
