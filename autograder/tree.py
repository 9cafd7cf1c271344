"""Walking a value made of nested tuples, lists and dicts (a *tree*) down to
its leaves: arrays, numbers, handles, test functions.

The containers are exactly the types the wire format carries (``tuple``,
``list``, ``dict``); anything else, subclasses such as a namedtuple included,
is a leaf. Standard library only.

Walks that must do more than visit leaves keep their own code: the wire
format's ``encode``/``decode`` (bounded depth, tagged types), ``compare``
(names the wrong part), the purity checks (two trees in step, stopping at the
first difference) and the alias probe in the student's process (captured
before any student code runs).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

CONTAINERS = (tuple, list, dict)


def tree_map(function: Callable[[Any], Any], tree: Any) -> Any:
    """``tree`` rebuilt with every leaf replaced by ``function(leaf)``: new
    tuples, lists and dicts (same keys, same order), leaves not copied
    unless ``function`` copies them."""
    kind = type(tree)
    if kind is dict:
        return {key: tree_map(function, value) for key, value in tree.items()}
    if kind is tuple or kind is list:
        return kind(tree_map(function, value) for value in tree)
    return function(tree)


def tree_leaves(tree: Any) -> Iterator[Any]:
    """Every leaf of ``tree``, depth first, in order (a dict's in key order)."""
    kind = type(tree)
    if kind in CONTAINERS:
        for value in tree.values() if kind is dict else tree:
            yield from tree_leaves(value)
    else:
        yield tree
