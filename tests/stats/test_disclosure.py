"""Suppressed cells cannot be recovered from the published cells and totals.

An intruder knows every published cell and margin, that the inner cells of each line add
up to its total, and that every hidden cell is at least 1 (zeros are published). For each
hidden cell we minimise and maximise it by linear programming under exactly that
knowledge: if the minimum equals the maximum, the cell was disclosed.
"""

from itertools import product

import numpy as np
import pytest
from scipy.optimize import linprog

from nanduti.stats.crosstab import TOTAL
from nanduti.stats.disclosure import extended_axes, protect


def extend(inner: np.ndarray) -> tuple[list[list], dict[tuple, int]]:
    """Categories and extended values (cells + every margin) of an additive table."""
    categories = [list(range(s)) for s in inner.shape]
    values = {}
    for key in product(*extended_axes(categories)):
        index = tuple(slice(None) if k == TOTAL else k for k in key)
        values[key] = int(np.sum(inner[index]))
    return categories, values


def line_equations(categories, keys_index):
    """One equation per line of the extended table: inner cells − total = 0."""
    axes = extended_axes(categories)
    rows = []
    for d, axis in enumerate(axes):
        others = [a for i, a in enumerate(axes) if i != d]
        for fixed in product(*others):
            row = {}
            for x in axis:
                key = list(fixed)
                key.insert(d, x)
                row[keys_index[tuple(key)]] = -1 if x == TOTAL else 1
            rows.append(row)
    return rows


def intervals(categories, values, hidden):
    """[min, max] of each hidden cell given everything published."""
    keys = list(product(*extended_axes(categories)))
    index = {k: i for i, k in enumerate(keys)}
    hidden_list = sorted(hidden, key=str)
    var = {k: j for j, k in enumerate(hidden_list)}
    a_eq, b_eq = [], []
    for row in line_equations(categories, index):
        coeffs = np.zeros(len(hidden_list))
        rhs = 0.0
        for i, c in row.items():
            key = keys[i]
            if key in var:
                coeffs[var[key]] += c
            else:
                rhs -= c * values[key]
        if coeffs.any():
            a_eq.append(coeffs)
            b_eq.append(rhs)
    out = {}
    bounds = [(1, None)] * len(hidden_list)
    for k, j in var.items():
        c = np.zeros(len(hidden_list))
        c[j] = 1
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0 and high.status in (0, 3)
        out[k] = (low.fun, np.inf if high.status == 3 else -high.fun)
    return out


def assert_protected(inner: np.ndarray, threshold: int = 5):
    categories, values = extend(inner)
    result = protect(categories, values, threshold)
    small = {k for k, v in values.items() if 0 < v < threshold}
    assert small <= result.suppressed, "every small cell is hidden"
    assert all(values[k] > 0 for k in result.suppressed), "zeros are never hidden"
    for key, (low, high) in intervals(categories, values, result.suppressed).items():
        assert high - low >= 1 - 1e-6, f"cell {key}={values[key]} recoverable: [{low}, {high}]"
    return result, values


def test_one_small_cell_in_a_row_gets_complementary_cells():
    inner = np.array([[20, 3, 15], [12, 9, 30], [8, 14, 11]])
    result, values = assert_protected(inner)
    # The row and the column of the small cell each hide a second cell.
    row = [k for k in result.suppressed if k[0] == 0 and k[1] != TOTAL]
    col = [k for k in result.suppressed if k[1] == 1 and k[0] != TOTAL]
    assert len(row) >= 2 and len(col) >= 2
    assert (0, 1) in result.primary
    # The cheapest rectangle is used, not the whole table.
    assert len(result.suppressed) == 4


def test_small_row_total_is_protected():
    inner = np.array([[1, 2, 0], [10, 12, 9], [7, 6, 25]])
    result, values = assert_protected(inner)
    assert (0, TOTAL) in result.suppressed


def test_three_dimensional_table():
    rng = np.random.default_rng(7)
    inner = rng.integers(0, 12, size=(4, 3, 3))
    result, _ = assert_protected(inner)
    assert result.primary and not result.fully_suppressed


@pytest.mark.parametrize("seed", range(12))
def test_random_two_dimensional_tables(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(2, 7, size=2))
    inner = rng.poisson(rng.uniform(2, 12), size=shape)
    assert_protected(inner)


@pytest.mark.parametrize("seed", range(4))
def test_random_three_dimensional_tables(seed):
    rng = np.random.default_rng(100 + seed)
    inner = rng.poisson(6, size=(3, 4, 2))
    assert_protected(inner, threshold=4)


def test_table_without_any_small_cell_is_published_whole():
    inner = np.array([[20, 30], [15, 40]])
    categories, values = extend(inner)
    assert protect(categories, values, 5).suppressed == set()


def test_a_lone_small_cell_hides_the_whole_table():
    inner = np.array([[3]])
    categories, values = extend(inner)
    result = protect(categories, values, 5)
    assert result.suppressed == {(0, 0), (0, TOTAL), (TOTAL, 0), (TOTAL, TOTAL)}


def test_four_dimensional_table():
    rng = np.random.default_rng(42)
    inner = rng.poisson(4, size=(2, 3, 2, 2))
    result, _ = assert_protected(inner)
    assert result.primary


@pytest.mark.django_db
def test_registry_table_published_by_the_cli_hides_nothing_recoverable(institutions):
    """Suppression applied to a real cross-tab of the registry (victims: year × department)."""
    from nanduti.stats import publish

    from .builders import make_cases

    rng = np.random.default_rng(5)
    specs = []
    for year in (2021, 2022, 2023):
        for dept in ("central", "itapua", "boqueron", "asuncion"):
            n = int(rng.choice([0, 1, 2, 3, 6, 9, 14]))
            specs += [{"year": year, "department": dept, "victims": [{"sex": "female"}]}] * n
    make_cases(institutions["UFETESI"], specs)
    result = publish.produce("year,department", unit="victims", privacy="suppress", operator=True)
    table = result.table
    values = dict(table.cells)
    values.update(table.margins)
    for key in product(*extended_axes(table.categories)):
        values.setdefault(key, 0)
    small = {k for k, v in values.items() if 0 < v < 5}
    assert small and small <= result.suppression.suppressed
    for key, (low, high) in intervals(
        table.categories, values, result.suppression.suppressed
    ).items():
        assert high - low >= 1 - 1e-6, key
