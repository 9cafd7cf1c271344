import numpy as np

from autograder.checks.compare import Tolerance, as_float, compare


def test_equal_values_pass():
    assert compare(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12])) is None


def test_wrong_entry_is_named_with_got_and_expected():
    message = compare(np.array([1.0, 5.0, 3.0]), np.array([1.0, 2.0, 3.0]), what="grad")
    assert "1 wrong entry out of 3" in message
    assert "at [1]: got 5, expected 2" in message


def test_hidden_comparison_prints_neither_expected_nor_returned_values():
    message = compare(np.array([1.0, 5.0]), np.array([1.0, 2.0]), reveal=False)
    assert "at [1]" in message and "5" not in message and "expected 2" not in message
    assert "(7,)" not in compare(np.zeros(7), np.zeros(2), reveal=False)
    assert "3.5" not in compare(3.5, 1.0, reveal=False)


def test_transposed_shape_says_so_and_names_the_layout():
    message = compare(np.zeros((3, 2)), np.zeros((2, 3)), what="dPred_dW", layout="numerator layout")
    assert "shape (3, 2), expected shape (2, 3)" in message
    assert "transposed" in message and "numerator layout" in message


def test_scalar_rule_accepts_float_numpy_scalar_and_0d_array():
    for value in (0.5, np.float64(0.5), np.array(0.5)):
        assert compare(value, 0.5) is None
    assert as_float(np.array([0.5])) is None
    assert "single number" in compare(np.array([0.5]), 0.5)


def test_missing_dict_key_and_tuple_length():
    assert "missing the key(s) 'db'" in compare({"dW": np.zeros(2)}, {"dW": np.zeros(2), "db": 0.0})
    assert "should have 2 elements" in compare((1.0,), (1.0, np.zeros(2)))


def test_none_explains_a_missing_return():
    assert "forget a return" in compare(None, np.zeros(2))


def test_nan_is_wrong_unless_expected():
    assert compare(np.array([np.nan]), np.array([1.0])) is not None
    assert compare(np.array([np.nan]), np.array([np.nan])) is None


def test_shape_only_comparison_ignores_values():
    assert compare(np.ones((2, 3)), np.zeros((2, 3)), values=False) is None


def test_tolerance_is_absolute_plus_relative():
    assert compare(0.6691, 0.66926, Tolerance(rtol=0, atol=1e-3)) is None
    assert compare(0.6691, 0.66926, Tolerance(rtol=1e-6, atol=1e-9)) is not None
