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
    assert "wrong entries" in message and "5" not in message and "expected 2" not in message
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


def test_a_tuple_is_compared_element_by_element_even_when_it_would_stack_into_a_matrix():
    # theta and losses of the same length would stack into one (2, 4) array: the tuple must stay a structure
    expected = (np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.7, 0.6, 0.5, 0.4]))
    got = (np.array([0.1, 0.2, 0.3, 0.4]), np.array([[0.7], [0.6], [0.5], [0.4]]))
    problem = compare(got, expected, what="train(X, y, theta, lr, epochs, batch_size)",
                      names=("theta", "losses"))
    assert problem.startswith("`losses` of train(X, y, theta, lr, epochs, batch_size) has shape (4, 1), "
                              "expected shape (4,)")
    assert compare(expected, expected, names=("theta", "losses")) is None
    assert "shape (2, 4)" not in compare(np.zeros(3), expected)


def test_a_contract_shape_inside_a_tuple_is_not_reshaped():
    assert compare((np.zeros(3), 0.5), (np.zeros(3), 0.5)) is None
    assert "element 0" in compare((np.zeros((1, 3)), 0.5), (np.zeros(3), 0.5))


def test_float32_where_float64_is_expected_fails_with_a_message_that_says_so():
    expected = np.array([0.5, 0.8807970779778823])
    got = expected.astype(np.float32)
    problem = compare(got, expected, what="sigmoid(z)")
    assert "float32" in problem and "float64" in problem
    assert compare(np.float32(0.25), 0.25, what="bce_loss(y_hat, y)") is not None
    hidden = compare(got.astype(np.float16), expected, what="sigmoid(z)", reveal=False)
    assert "has dtype" not in hidden and "not float64" in hidden
    assert compare(expected.copy(), expected) is None
    assert compare(np.array([1, 2]), np.array([1.0, 2.0])) is None  # integers carry exact values: not a dtype slip


def test_public_mismatch_reports_the_largest_absolute_and_relative_difference_among_wrong_entries():
    # entry 0 is off by 0.5 of 0.5 (relative 1), entry 2 by 30 of 1000, within no tolerance (relative 0.03);
    # entry 1 is right, entry 3 a nan, which has no difference to report
    got = np.array([1.0, 2.0, 1030.0, np.nan])
    expected = np.array([0.5, 2.0, 1000.0, 1.0])
    message = compare(got, expected, what="grad")
    assert "3 wrong entries out of 4" in message
    assert "Max absolute difference among the wrong entries: 30\n" in message
    assert "Max relative difference among the wrong entries: 1\n" in message
    assert message.index("Max absolute") < message.index("at [")
    hidden = compare(got, expected, what="grad", reveal=False)
    assert "Max" not in hidden and "30" not in hidden and "at [" not in hidden and "3 wrong" not in hidden


def test_a_hidden_mismatch_does_not_say_which_entries_or_how_many():
    """Which entries a student's code gets wrong is its choice: it could spell out a hidden input."""
    expected = np.linspace(0.1, 1.0, 40)
    messages = set()
    for wrong in ([3], [7, 19], [0, 1, 2, 30]):
        got = expected.copy()
        got[wrong] += 10.0
        messages.add(compare(got, expected, what="sigmoid(z)", reveal=False))
    assert len(messages) == 1, messages
    assert "every entry wrong" in compare(expected + 1.0, expected, reveal=False)


def test_mismatch_without_a_finite_difference_has_no_max_lines():
    message = compare(np.array([np.nan, np.inf]), np.array([1.0, 2.0]))
    assert "Max" not in message and "at [0]: got nan" in message and "at [1]: got inf" in message
    assert "Max relative" not in compare(np.array([0.5]), np.array([0.0]))  # relative to 0: infinite
    assert "Max absolute difference among the wrong entries: 0.5" in compare(np.array([0.5]), np.array([0.0]))
