"""A small GraphQL executor for simulated APIs: real parsing, real selections, lazy root lists.

Queries are parsed by graphql-core; root fields are Relay connections over lazily generated
positions (:class:`RootList`), answered with Linear's semantics: ``filter`` (comparators ``eq``
… ``nin``, ``null``, nested object filters, ``some``/``every`` on collections, ``and``/``or``),
``orderBy`` (``updatedAt`` or ``createdAt``, newest first), ``includeArchived`` (default false),
``first`` (default 50) and ``after`` with opaque cursors. Objects are plain dicts; nested
connections and JSON scalars are marked by the world (``Connection``, ``JsonScalar``). Unknown
fields and bad input answer as a GraphQL server does, with an error message naming them.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    value_from_ast_untyped,
)

from backfill_tui.simulator.graphql_filters import QueryError, instant, matches
from backfill_tui.simulator.linear_world import Connection, JsonScalar

__all__ = ["QueryError", "RootList", "execute", "static_complexity"]

Json = dict[str, Any]
DEFAULT_FIRST = 50


@dataclass(frozen=True)
class RootList:
    """A root connection: ``count`` positions, newest-updated first, built on demand."""

    typename: str
    count: int
    build: Callable[[int], Json]
    #: How many positions have updatedAt >= t (a binary search): bounds a ``gte`` scan.
    count_since: Callable[[float], int]
    #: Positions ordered by createdAt, newest first (computed only when asked for).
    by_created: Callable[[], Sequence[int]] = field(default=lambda: ())


@dataclass
class _Context:
    variables: Json
    fragments: dict[str, FragmentDefinitionNode]
    now: float


def execute(
    query: str,
    variables: Json | None,
    operation: str | None,
    roots: dict[str, RootList],
    now: float,
) -> tuple[Json, list[str], int]:
    """Run a query: (data, root fields asked for, complexity estimate). Raises QueryError."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise QueryError(exc.message, "GRAPHQL_PARSE_FAILED") from None
    op = _operation(document, operation)
    ctx = _Context(
        dict(variables or {}),
        {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)},
        now,
    )
    for definition in op.variable_definitions or ():
        name = definition.variable.name.value
        if name not in ctx.variables and definition.default_value is not None:
            ctx.variables[name] = value_from_ast_untyped(definition.default_value)
        if isinstance(definition.type, NonNullTypeNode) and ctx.variables.get(name) is None:
            raise QueryError(f'Variable "${name}" of required type was not provided.')
    data: Json = {}
    asked: list[str] = []
    for node in _fields(op.selection_set, "Query", ctx):
        name = node.name.value
        if name == "__typename":
            data[_key(node)] = "Query"
            continue
        if name not in roots:
            raise QueryError(f'Cannot query field "{name}" on type "Query".')
        asked.append(name)
        data[_key(node)] = _root_connection(roots[name], node, ctx)
    return data, asked, static_complexity(document)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        ops = [o for o in ops if o.name is not None and o.name.value == name]
    if len(ops) != 1:
        raise QueryError("Must provide exactly one operation (or a matching operationName).")
    if ops[0].operation.value != "query":
        raise QueryError(f"The simulator serves queries only, not {ops[0].operation.value}s.")
    return ops[0]


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _args(node: FieldNode, ctx: _Context) -> Json:
    return {
        a.name.value: value_from_ast_untyped(a.value, ctx.variables) for a in node.arguments or ()
    }


def _fields(selection_set: SelectionSetNode, typename: str, ctx: _Context) -> Iterator[FieldNode]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is None or condition.name.value == typename:
                yield from _fields(selection.selection_set, typename, ctx)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = ctx.fragments.get(selection.name.value)
            if fragment is None:
                raise QueryError(f'Unknown fragment "{selection.name.value}".')
            if fragment.type_condition.name.value == typename:
                yield from _fields(fragment.selection_set, typename, ctx)


# -- objects and nested connections --------------------------------------------------------------


def _select(obj: Json, selection_set: SelectionSetNode | None, ctx: _Context) -> Json:
    typename = str(obj.get("__typename", "Object"))
    if selection_set is None:
        raise QueryError(f'Field of type "{typename}" must have a selection of subfields.')
    out: Json = {}
    for node in _fields(selection_set, typename, ctx):
        name = node.name.value
        if name == "__typename":
            out[_key(node)] = typename
            continue
        if name not in obj:
            raise QueryError(f'Cannot query field "{name}" on type "{typename}".')
        out[_key(node)] = _value(obj[name], node, ctx, f"{typename}.{name}")
    return out


def _value(value: Any, node: FieldNode, ctx: _Context, where: str) -> Any:
    if isinstance(value, Connection):
        args = _args(node, ctx)
        items = [v for v in value if matches(v, args.get("filter") or {}, ctx.now)]
        start = _decode(args.get("after"), where) + 1 if args.get("after") else 0
        first = _first(args)
        page = items[start : start + first]
        cursors = [_encode(where, i) for i in range(start, start + len(page))]
        conn = _page(page, cursors, start + first < len(items), start > 0)
        return _select(conn, node.selection_set, ctx)
    if isinstance(value, JsonScalar) or not isinstance(value, dict | list):
        if node.selection_set is not None and value is not None:
            raise QueryError(f'Field "{where}" must not have a selection since it is a scalar.')
        return dict(value) if isinstance(value, JsonScalar) else value
    if isinstance(value, list):
        return [_select(v, node.selection_set, ctx) for v in value]
    return _select(value, node.selection_set, ctx)


def _first(args: Json) -> int:
    if args.get("last") is not None or args.get("before") is not None:
        raise QueryError("The simulator pages forward only (first/after).", "INVALID_INPUT")
    first = args.get("first")
    if first is None:
        return DEFAULT_FIRST
    if not isinstance(first, int) or first < 0:
        raise QueryError("Argument first must be a non-negative integer.", "INVALID_INPUT")
    return first


def _page(nodes: list[Json], cursors: list[str], has_next: bool, has_previous: bool) -> Json:
    return {
        "__typename": "Connection",
        "nodes": nodes,
        "edges": [
            {"__typename": "Edge", "node": n, "cursor": c}
            for n, c in zip(nodes, cursors, strict=True)
        ],
        "pageInfo": {
            "__typename": "PageInfo",
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def _encode(where: str, index: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([where, index]).encode()).decode().rstrip("=")


def _decode(cursor: Any, where: str) -> int:
    try:
        text = base64.urlsafe_b64decode(str(cursor) + "=" * (-len(str(cursor)) % 4)).decode()
        name, index = json.loads(text)
        if name == where and isinstance(index, int) and index >= 0:
            return index
    except (ValueError, TypeError):
        pass
    raise QueryError(f"Invalid cursor for {where}: {str(cursor)[:40]!r}", "INVALID_INPUT")


# -- root connections ------------------------------------------------------------------------------


def _root_connection(root: RootList, node: FieldNode, ctx: _Context) -> Json:
    args = _args(node, ctx)
    flt = args.get("filter") or {}
    if not isinstance(flt, dict):
        raise QueryError(f"Argument filter of {root.typename} must be an object.", "INVALID_INPUT")
    order = args.get("orderBy") or "createdAt"
    if order not in ("createdAt", "updatedAt"):
        raise QueryError(f'Value "{order}" does not exist in "PaginationOrderBy" enum.')
    archived = bool(args.get("includeArchived"))
    first = _first(args)
    where = f"{root.typename}:{order}"
    if order == "updatedAt":
        sequence: Sequence[int] = range(_scan_bound(root, flt, ctx))
    else:
        sequence = root.by_created()
    start = _decode(args.get("after"), where) + 1 if args.get("after") else 0
    nodes: list[Json] = []
    indices: list[int] = []
    has_next = False
    for i in range(start, len(sequence)):
        item = root.build(sequence[i])
        if (not archived and item.get("archivedAt")) or not matches(item, flt, ctx.now):
            continue
        if len(nodes) == first:
            has_next = True
            break
        nodes.append(item)
        indices.append(i)
    conn = _page(nodes, [_encode(where, i) for i in indices], has_next, start > 0)
    conn["__typename"] = f"{root.typename}Connection"
    return _select(conn, node.selection_set, ctx)


def _scan_bound(root: RootList, flt: Json, ctx: _Context) -> int:
    """With ``updatedAt: {gte/gt: t}`` at the top, nothing past count_since(t) can match."""
    updated = flt.get("updatedAt")
    if isinstance(updated, dict):
        for op in ("gte", "gt"):
            if updated.get(op) is not None:
                return root.count_since(math.floor(instant(updated[op], ctx.now)))
    return root.count


# -- complexity ------------------------------------------------------------------------------------


def static_complexity(document: DocumentNode) -> int:
    """Linear's published rules: property 0.1, object 1, connection × first/last (else 50)."""

    def cost(selection_set: SelectionSetNode) -> float:
        total = 0.0
        for s in selection_set.selections:
            if isinstance(s, FieldNode):
                if s.selection_set is None:
                    total += 0.1
                    continue
                args = {a.name.value: a.value for a in s.arguments or ()}
                size = next(
                    (
                        int(v.value)
                        for k in ("first", "last")
                        if isinstance(v := args.get(k), IntValueNode)
                    ),
                    None,
                )
                names = {
                    f.name.value for f in s.selection_set.selections if isinstance(f, FieldNode)
                }
                if size is None and (
                    "first" in args or "last" in args or names & {"nodes", "edges"}
                ):
                    size = DEFAULT_FIRST
                inner = cost(s.selection_set)
                total += size * inner if size is not None else 1 + inner
            elif isinstance(s, InlineFragmentNode):
                total += cost(s.selection_set)
        return total

    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return math.ceil(round(max((cost(o.selection_set) for o in ops), default=0.0), 6))
