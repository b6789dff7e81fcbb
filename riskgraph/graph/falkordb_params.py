"""Query parameters as the ``CYPHER name=value ...`` header FalkorDB reads before a query.

The same text as the ``falkordb`` client's ``stringify_param_value`` writes, made faster
(types looked up rather than tested in turn, map keys quoted once), and with ``Literal``:
a value written out already, which is sent as it is. A feed's rows can so be written out
by the thread that reads them while the writing thread waits on the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Literal(str):
    """A value already written as a Cypher literal (by ``literal``): sent as it is."""


def literal(value: Any) -> str:
    """Return ``value`` (None, bool, int, float, str, list, tuple, map; anything else as ``str`` gives it) as a Cypher
    literal. Raises ValueError for a map key that is empty or holds a backtick."""
    return (_ENCODE.get(value.__class__) or _other)(value)


def header(params: Mapping[str, Any]) -> str:
    """Return the header that declares ``params``, ending with a space. Raises ValueError
    for a parameter name that is empty or holds a backtick."""
    return "CYPHER " + "".join([f"`{_name(k)}`={literal(v)} " for k, v in params.items()])


def _string(v: str) -> str:
    if '"' in v or "\\" in v:
        v = v.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + v + '"'


def _list(v: list | tuple) -> str:
    get = _ENCODE.get
    return "[" + ",".join([(get(x.__class__) or _other)(x) for x in v]) + "]"


_KEYS: dict[str, str] = {}  # key -> "`key`:", for the property names every row repeats
_MAX_KEYS = 10_000  # keys a feed cannot make unbounded: they are the contract's names


def _map(v: Mapping) -> str:
    get, keys = _ENCODE.get, _KEYS
    return "{" + ",".join([(keys.get(k) or _key(k)) + (get(x.__class__) or _other)(x) for k, x in v.items()]) + "}"


def _key(k: Any) -> str:
    prefix = f"`{_name(k)}`:"
    if k.__class__ is str and len(_KEYS) < _MAX_KEYS:
        _KEYS[k] = prefix
    return prefix


def _name(k: Any) -> str:
    text = k.decode() if isinstance(k, bytes) else str(k)
    if text == "":
        raise ValueError("a Cypher parameter name or map key cannot be empty")
    if "`" in text:
        raise ValueError(f"a Cypher parameter name or map key cannot hold a backtick: {text!r}")
    return text


def _other(v: Any) -> str:
    """Subclasses and the rarer types, as ``stringify_param_value`` treats them."""
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return _list(v)
    if isinstance(v, Mapping):
        return _map(v)
    return str(v)


_ENCODE = {Literal: str.__str__, str: _string, type(None): lambda v: "null", bool: str, int: str, float: str,
           list: _list, tuple: _list, dict: _map}
