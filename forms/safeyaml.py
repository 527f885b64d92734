"""YAML read defensively: no aliases, bounded nesting, and one line per problem instead of an exception."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import Resolver


class YamlProblem(Exception):
    """Text that is not acceptable YAML; str() is one line, without the offending characters."""


def _base() -> Any:
    """libyaml's parser where it is installed (three times faster: a 2 MB file is refused in a second
    or two, not eight) under PyYAML's own composer, which the checks below extend."""
    try:
        from yaml._yaml import CParser
    except ImportError:
        return yaml.SafeLoader

    class _Fast(Composer, CParser, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    return _Fast


class _Loader(_base()):  # type: ignore[misc]
    """Safe YAML with a nesting limit (PyYAML composes recursively: deep nesting is a RecursionError)
    and either no aliases at all or a budget for the document as its aliases expand it: a 'YAML bomb'
    of 800 bytes names a billion values, which whoever reads the data then walks."""

    max_depth = 30
    aliases = False
    max_nodes = 200_000
    max_items = 1000  # in one list or mapping: refused while reading, not after

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._weight: dict[int, int] = {}  # id(node) -> its node count with aliases expanded

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            line = event.start_mark.line + 1
            if not self.aliases:
                raise yaml.YAMLError(f"line {line}: aliases (*name) are not allowed")
            target = super().compose_node(parent, index)
            if id(target) not in self._weight:  # the alias is inside its own anchor
                raise yaml.YAMLError(f"line {line}: an alias (*name) refers to itself")
            return target
        if parent is not None and len(parent.value) >= self.max_items:
            mark = self.peek_event().start_mark
            raise yaml.YAMLError(f"line {mark.line + 1}: more than {self.max_items} entries in one place")
        self._depth += 1
        if self._depth > self.max_depth:
            mark = self.peek_event().start_mark
            raise yaml.YAMLError(f"line {mark.line + 1}: nested more than {self.max_depth} levels deep")
        try:
            node: Any = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        children: list[Any] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        weight = 1 + sum(self._weight.get(id(child), 1) for child in children)
        if weight > self.max_nodes:
            raise yaml.YAMLError(
                f"line {node.start_mark.line + 1}: more than {self.max_nodes} values once its "
                "aliases (*name) are expanded"
            )
        self._weight[id(node)] = weight
        return node


def _checked(kind: str, base: Any) -> Any:
    """A constructor that turns Python's ValueError (a 5,000-digit number, 2026-02-30) into YAML's error
    with the line it came from."""

    def construct(loader: SafeConstructor, node: yaml.ScalarNode) -> Any:
        try:
            return base(loader, node)
        except (ValueError, OverflowError):
            shown = node.value if len(node.value) <= 20 else node.value[:17] + "…"
            raise ConstructorError(None, None, f"{shown!r} is not a valid {kind}", node.start_mark) from None

    return construct


for _tag, _kind, _plain in (
    ("tag:yaml.org,2002:int", "number", SafeConstructor.construct_yaml_int),
    ("tag:yaml.org,2002:float", "number", SafeConstructor.construct_yaml_float),
    ("tag:yaml.org,2002:timestamp", "date", SafeConstructor.construct_yaml_timestamp),
):
    _Loader.add_constructor(_tag, _checked(_kind, _plain))


def one_line(err: yaml.YAMLError) -> str:
    """The error as one line: where, and what (PyYAML's own str() spans several lines)."""
    if isinstance(err, yaml.reader.ReaderError):
        return f"character U+{err.character:04X} at position {err.position + 1} is not allowed in YAML" \
            if isinstance(err.character, int) else f"position {err.position + 1}: {err.reason}"
    mark = getattr(err, "problem_mark", None)
    where = f"line {mark.line + 1}: " if mark is not None else ""
    problem = getattr(err, "problem", None) or str(err)
    return f"{where}not valid YAML ({' '.join(str(problem).split())})"


def load(text: str, *, max_depth: int = 30, aliases: bool = False) -> Any:
    """Parse YAML into plain data; YamlProblem (one line) for anything that is not acceptable."""
    try:
        loader = _Loader(text)  # the reader refuses control characters here already
    except yaml.YAMLError as err:
        raise YamlProblem(one_line(err)) from None
    loader.max_depth, loader.aliases = max_depth, aliases
    try:
        return loader.get_single_data()
    except yaml.YAMLError as err:
        raise YamlProblem(one_line(err)) from None
    except RecursionError:  # a guard only: the depth limit stops far earlier
        raise YamlProblem(f"nested more than {max_depth} levels deep") from None
    finally:
        loader.dispose()


def depth_problem(data: Any, max_depth: int) -> str | None:
    """'nested too deeply' for data (from JSON) nested beyond max_depth; checked without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                return f"nested more than {max_depth} levels deep"
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return None
