from collections import namedtuple

import numpy as np

from autograder.engine.protocol import Code, materialize
from autograder.tree import tree_leaves, tree_map


def test_tree_map_rebuilds_every_container_and_maps_every_leaf():
    tree = (1, [2, {"b": 3, "a": (4,)}], {})
    mapped = tree_map(lambda leaf: leaf * 10, tree)
    assert mapped == (10, [20, {"b": 30, "a": (40,)}], {})
    assert type(mapped) is tuple and type(mapped[1]) is list and list(mapped[1][1]) == ["b", "a"]
    assert mapped[1] is not tree[1] and mapped[2] is not tree[2]  # new containers, the input left alone


def test_leaves_come_depth_first_in_order_and_other_types_are_leaves():
    Pair = namedtuple("Pair", "x y")
    array = np.arange(3.0)
    tree = [array, (Pair(1, 2), {"k": [None, "text"]})]
    leaves = list(tree_leaves(tree))
    assert leaves[0] is array and leaves[1] == Pair(1, 2) and leaves[2:] == [None, "text"]
    assert list(tree_leaves(5)) == [5] and list(tree_leaves(([], {}))) == []


def test_materialize_compiles_every_test_function_in_arguments():
    args = (np.ones(2), [Code("lambda x: 2 * x")], {"f": Code("lambda x: x + 1")})
    made = materialize(args)
    assert made[1][0](3) == 6 and made[2]["f"](3) == 4
    assert made[0] is args[0]  # arrays are not copied
