"""Limits on what one request may ask, checked before anything executes.

A request is parsed once; its size with fragments expanded is bounded here (``expansion``)
before it is validated against the schema; then it is checked here: depth, aliases,
estimated cost and the caller's role (see ``access``). Any failure rejects the whole
request with no data, so a half-allowed query never half-runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Undefined,
    VariableNode,
    Visitor,
    get_named_type,
    value_from_ast_untyped,
    visit,
)

from riskgraph.api.access import FIELDS, allowed

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_COST = 25_000
MAX_PAGE = 500  # first / limit of any list
MAX_REFS = 1000  # entityRisk batch
DEFAULT_PAGE = 20
MAX_BODY = 1 << 20  # bytes of a request body
SIZE_ARGUMENTS = ("first", "limit", "refs")
# Lists with no size argument that their resolvers do not keep short: the size assumed.
# A suspicious network has 20-50 members as a rule, at most communities.MAX_MEMBERS (500).
LIST_SIZES = {"SuspiciousNetwork.members": 50}


def error(message: str, code: str) -> GraphQLError:
    """Return a GraphQL error carrying ``extensions.code``."""
    return GraphQLError(message, extensions={"code": code})


def expansion(document: Any) -> list[GraphQLError]:
    """Return why a parsed, not yet validated ``document`` is refused for its size: an
    operation that selects over MAX_COST fields once its fragment spreads are expanded;
    empty if none does.

    Runs before validation and the walks of ``shape`` and ``check``, whose work grows with
    that expanded size: fragments that each spread the next twice double it per fragment.
    Every field costs at least 1, so what this refuses ``check`` would refuse too. Cost: one
    walk of the written document, each fragment's size counted once. A spread of an unknown
    fragment, or one closing a cycle, counts 0 here: validation reports both.
    """
    counted = [(d, *_counted(d.selection_set)) for d in document.definitions
               if isinstance(d, (OperationDefinitionNode, FragmentDefinitionNode))]
    sizes = _fragment_sizes({d.name.value: (fields, spreads) for d, fields, spreads in counted if isinstance(d, FragmentDefinitionNode)})
    for d, fields, spreads in counted:
        if isinstance(d, OperationDefinitionNode) and fields + sum(sizes.get(s, 0) for s in spreads) > MAX_COST:
            return [error(f"once its fragment spreads are expanded the query selects over {MAX_COST:,} fields, more than its cost "
                          "limit allows: spread fragments fewer times or ask for fewer fields", "QUERY_TOO_COSTLY")]
    return []


def _counted(selection_set: SelectionSetNode) -> tuple[int, list[str]]:
    """Return the fields written in a selection set, at any depth, and the names of the
    fragments it spreads, once per spread. Iterative: nesting depth costs no recursion."""
    fields, spreads, pending = 0, [], [selection_set]
    while pending:
        for s in pending.pop().selections:
            if isinstance(s, FragmentSpreadNode):
                spreads.append(s.name.value)
                continue
            fields += isinstance(s, FieldNode)
            if s.selection_set:
                pending.append(s.selection_set)
    return fields, spreads


def _fragment_sizes(counted: dict[str, tuple[int, list[str]]]) -> dict[str, int]:
    """Return each fragment's field count with its spreads expanded, capped at MAX_COST + 1
    (so that doubling never builds huge numbers), from ``counted``: name -> (fields written,
    spreads). Each fragment is counted once, after those it spreads (an explicit stack, no
    recursion); a spread back into a fragment still being counted, a cycle, counts 0."""
    sizes: dict[str, int] = {}
    counting: set[str] = set()  # on the current path
    for root in counted:
        stack = [root]
        while stack:
            name = stack[-1]
            if name in sizes:
                stack.pop()
            elif name not in counting:
                counting.add(name)
                stack.extend(s for s in set(counted[name][1]) if s in counted and s not in sizes and s not in counting)
            else:
                stack.pop()
                counting.discard(name)
                fields, spreads = counted[name]
                sizes[name] = min(fields + sum(sizes.get(s, 0) for s in spreads), MAX_COST + 1)
    return sizes


@dataclass(frozen=True)
class Shape:
    """What a document asks for whatever its variables and caller: the restricted fields
    it selects, and each operation's depth and aliases. Computed once per query text."""

    restricted: tuple[str, ...]
    depth: dict[str | None, int]
    aliases: dict[str | None, int]


def shape(schema: GraphQLSchema, document: Any) -> Shape:
    """Return the shape of a schema-valid document. Cost: one walk of it, fragments included."""
    fragments = _fragments(document)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return Shape(
        restricted=_restricted(schema, document),
        depth={o.name and o.name.value: _depth(o.selection_set, fragments, 0) for o in operations},
        aliases={o.name and o.name.value: _aliases(o.selection_set, fragments) for o in operations},
    )


def check(schema: GraphQLSchema, document: Any, found: Shape, variables: Mapping[str, Any], role: str,
          operation_name: str | None) -> list[GraphQLError]:
    """Return why the (schema-valid) ``document`` of shape ``found`` may not run for
    ``role`` with ``variables``; empty if it may.

    Cost: a look at the shape, and one walk of the document for its cost.
    """
    errors = [error(f"the {role} role may not read {c}", "FORBIDDEN") for c in found.restricted if not allowed(role, c)]
    if errors:
        return errors
    fragments = _fragments(document)
    for op in (d for d in document.definitions if isinstance(d, OperationDefinitionNode)):
        name = op.name and op.name.value
        if operation_name is not None and name != operation_name:
            continue
        if found.depth[name] > MAX_DEPTH:
            errors.append(error(f"the query is {found.depth[name]} levels deep; at most {MAX_DEPTH} are allowed", "QUERY_TOO_DEEP"))
        if found.aliases[name] > MAX_ALIASES:
            errors.append(error(f"the query uses {found.aliases[name]} aliases; at most {MAX_ALIASES} are allowed", "TOO_MANY_ALIASES"))
        if not errors:
            try:
                cost = _cost(op.selection_set, fragments, _values(op, variables), schema.get_root_type(op.operation))
            except ValueError as e:
                errors.append(error(str(e), "BAD_USER_INPUT"))
                continue
            if cost > MAX_COST:
                errors.append(error(f"the query would cost about {cost:,} (fields times list sizes); at most {MAX_COST:,} is allowed: "
                                    "ask for fewer items or fields", "QUERY_TOO_COSTLY"))
    return errors


def _fragments(document: Any) -> dict:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _restricted(schema: GraphQLSchema, document: Any) -> tuple[str, ...]:
    """Return the fields of ``access.FIELDS`` the document selects, as Type.field, once each."""
    type_info = TypeInfo(schema)
    seen: dict[str, None] = {}

    class Restricted(Visitor):
        def enter_field(self, node: FieldNode, *_):
            parent = type_info.get_parent_type()
            if parent is not None and f"{parent.name}.{node.name.value}" in FIELDS:
                seen[f"{parent.name}.{node.name.value}"] = None

    visit(document, TypeInfoVisitor(type_info, Restricted()))
    return tuple(seen)


def _selections(selection_set: SelectionSetNode | None, fragments: dict) -> list:
    """Flatten fragments: the fields a selection set asks for, wherever they are written."""
    out = []
    for s in selection_set.selections if selection_set else ():
        if isinstance(s, FieldNode):
            out.append(s)
        elif isinstance(s, InlineFragmentNode):
            out.extend(_selections(s.selection_set, fragments))
        elif isinstance(s, FragmentSpreadNode) and s.name.value in fragments:
            out.extend(_selections(fragments[s.name.value].selection_set, fragments))
    return out


def _depth(selection_set: SelectionSetNode | None, fragments: dict, level: int) -> int:
    fields = [f for f in _selections(selection_set, fragments) if not f.name.value.startswith("__")]
    if not fields:
        return level
    return max(_depth(f.selection_set, fragments, level + 1) for f in fields)


def _aliases(selection_set: SelectionSetNode | None, fragments: dict) -> int:
    return sum((1 if f.alias else 0) + _aliases(f.selection_set, fragments) for f in _selections(selection_set, fragments))


def _values(op: OperationDefinitionNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    """Return the operation's variables: those sent, else their declared defaults."""
    values = {d.variable.name.value: value_from_ast_untyped(d.default_value) for d in op.variable_definitions or () if d.default_value}
    values.update(variables)
    return values


def _cost(selection_set: SelectionSetNode | None, fragments: dict, variables: Mapping[str, Any], parent: Any) -> int:
    total = 0
    for f in _selections(selection_set, fragments):
        definition = parent.fields.get(f.name.value) if isinstance(parent, GraphQLObjectType) else None
        inner = _cost(f.selection_set, fragments, variables, definition and get_named_type(definition.type)) if f.selection_set else 0
        total += 1 + _size(f, definition, f"{getattr(parent, 'name', '')}.{f.name.value}", variables) * inner
    return total


def _size(field: FieldNode, definition: GraphQLField | None, coordinate: str, variables: Mapping[str, Any]) -> int:
    """Return how many items a field may return: its size argument as given, else as
    defaulted (1 if it has none, or the size assumed in LIST_SIZES).

    Raises ValueError for a size outside the allowed range, before anything runs.
    """
    given = {a.name.value: a.value for a in field.arguments or ()}
    for name in SIZE_ARGUMENTS:
        default = definition.args[name].default_value if definition is not None and name in definition.args else Undefined
        if name not in given and default is Undefined:
            continue
        value = given.get(name)
        if isinstance(value, VariableNode):
            raw = variables.get(value.name.value)
            n = len(raw) if isinstance(raw, list) else raw
        elif isinstance(value, ListValueNode):
            n = len(value.values)
        elif isinstance(value, IntValueNode):
            n = int(value.value)
        else:
            n = None
        if n is None:
            n = DEFAULT_PAGE if default is Undefined or default is None else default
        cap = MAX_REFS if name == "refs" else MAX_PAGE
        if not isinstance(n, int) or isinstance(n, bool) or n < 0 or n > cap:
            raise ValueError(f"{field.name.value}: {name} must be between 0 and {cap}, not {n!r}")
        return max(n, 1)
    return LIST_SIZES.get(coordinate, 1)  # other lists without a size argument are capped by their resolvers
