"""A published result laid out for a page: a pivot table, a chart and, for departments, a map."""

from __future__ import annotations

from itertools import product
from typing import Any

from nanduti.stats import charts, fields, maps
from nanduti.stats.crosstab import TOTAL
from nanduti.stats.disclosure import MARK
from nanduti.stats.publish import Result


def pivot(result: Result, language: str = "es") -> dict:
    """Rows = combinations of all fields but the last; columns = the last field + Total."""
    t = result.table
    n = len(t.fields)
    col_axis = list(t.categories[-1]) + [TOTAL]
    row_fields = list(range(n - 1))
    row_keys = list(product(*[list(t.categories[i]) + [TOTAL] for i in row_fields]))
    # Margins over some but not all row fields are in the downloads; the page keeps the grid.
    row_keys = [k for k in row_keys if TOTAL not in k] + ([(TOTAL,) * (n - 1)] if n > 1 else [])
    if n == 1:
        row_keys = [()]
    rows: list[dict[str, Any]] = []
    for rk in row_keys:
        cells = []
        for c in col_axis:
            key = (*rk, c)
            value = result.shown(key)
            cells.append({"value": value, "hidden": value == MARK, "total": c == TOTAL})
        rows.append(
            {
                "labels": [t.label(i, rk[i], language) for i in row_fields],
                "cells": cells,
                "total": bool(rk) and TOTAL in rk,
            }
        )
    if n == 1:
        unit = dict(fields.UNIT_LABELS)[t.unit][0 if language == "es" else 1]
        rows = [
            {"labels": [t.label(0, c, language)], "cells": [cell], "total": c == TOTAL}
            for c, cell in zip(col_axis, rows[0]["cells"], strict=True)
        ]
        return {"row_headers": [t.fields[0].label(language)], "columns": [unit], "rows": rows}
    return {
        "row_headers": [t.fields[i].label(language) for i in row_fields],
        "col_header": t.fields[-1].label(language),
        "columns": [t.label(n - 1, c, language) for c in col_axis],
        "rows": rows,
    }


def chart(result: Result, language: str = "es") -> str:
    t = result.table
    title = " × ".join(f.label(language) for f in t.fields)
    if t.fields[0].kind == "year" and len(t.categories[0]) > 1:
        years = [y for y in t.categories[0] if y != ""]
        if len(t.fields) == 1:
            series = {"Total": [result.shown((y,)) for y in years]}
        else:
            series = {}
            for c in t.categories[1][:8]:
                key_rest = (TOTAL,) * (len(t.fields) - 2)
                series[t.label(1, c, language)] = [result.shown((y, c, *key_rest)) for y in years]
        return charts.line_chart_svg([str(y) for y in years], series, title)
    rest = (TOTAL,) * (len(t.fields) - 1)
    cats = list(t.categories[0])[:30]
    return charts.bar_chart_svg(
        [t.label(0, c, language) for c in cats], [result.shown((c, *rest)) for c in cats], title
    )


def department_map(result: Result, language: str = "es") -> str | None:
    t = result.table
    names = [f.name for f in t.fields]
    if "department" not in names:
        return None
    i = names.index("department")
    values = {}
    for code in t.categories[i]:
        key = tuple(code if j == i else TOTAL for j in range(len(names)))
        values[code] = result.shown(key)
    unit = fields.UNIT_LABELS[result.table.unit][0 if language == "es" else 1]
    title = f"{t.fields[i].label(language)} — {unit}"
    return maps.tile_map_svg(values, title, language, MARK)
