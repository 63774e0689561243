"""Small helpers that rules (built-in and local) use in their checks and messages.

No pandas at import time: the catalog is read by `xlsxtool rules` and by every run before any
frame exists; pandas comes in with the frames (xlsxtool.rules.frames).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def fmt(value: Any) -> str:
    """A number as a clerk writes it: 10, 8.5, 1463.31 (no float noise)."""
    if value is None:
        return "空"
    if isinstance(value, (int, float)):
        return _fmt_number(value)
    return str(value)


@lru_cache(maxsize=1 << 14)
def _fmt_number(value: float) -> str:
    # Cached: findings repeat the same few weights and scores (10, 8.5, 100…) thousands of times.
    if value != value:  # NaN: an empty cell of a float column
        return "空"
    text = f"{round(float(value), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def pct(value: Any) -> str:
    """A fraction as a percentage: 0.9 → '90%'."""
    if not present(value):
        return "空"
    return fmt(round(float(value) * 100, 2)) + "%"


def present(value: Any) -> bool:
    """Not None and not NaN (pd.notna for one plain value, without its dispatch cost)."""
    import pandas as pd

    return value is not None and value is not pd.NA and value == value


def differs(a: pd.Series, b: pd.Series, tol: float) -> pd.Series:
    """|a − b| > tol, inclusive tolerance, after rounding away binary noise; False where either is NaN."""
    diff = (a.astype(float) - b.astype(float)).abs().round(9)
    return (diff > tol).fillna(False)


def each(series: pd.Series, fn: Callable[[Any], Any], dtype: Any = object) -> pd.Series:
    """`fn` of every value, over a plain list (Series.map on string columns boxes each value
    through pandas and is several times slower)."""
    import pandas as pd

    return pd.Series([fn(v) for v in series.tolist()], index=series.index, dtype=dtype)


_A1_RE = re.compile(r"^[A-Z]{1,3}[1-9][0-9]*$")


@lru_cache(maxsize=1 << 16)
def _is_a1(cell: str) -> bool:
    return bool(_A1_RE.match(cell))


def is_cell(cells: pd.Series) -> pd.Series:
    """True where a provenance value is a real A1 address (a column the form lacks gives none)."""
    return each(cells, lambda c: isinstance(c, str) and _is_a1(c), bool)


def cell_or(r: Mapping[str, Any], col: str) -> Any:
    """The row's cell of `col`; where the form has no such column, its 三级指标 cell."""
    for c in (col, "name_cell", "score_cell"):
        v = r.get(c)
        if isinstance(v, str) and _A1_RE.match(v):
            return v
    return None


_SPACES_RE = re.compile(r"\s+")


def squash(text: str) -> str:
    """The text without any white space (full-width spaces and line breaks included)."""
    return _SPACES_RE.sub("", text)


def short(text: Any, limit: int = 30) -> str:
    """The text on one line, cut to `limit` characters for a message."""
    s = squash(str(text)) if text is not None else ""
    return s if len(s) <= limit else s[:limit] + "…"


def one_line(text: Any) -> str:
    return squash(str(text)) if text is not None else ""


def flags(values: list[bool], like: pd.Series | pd.DataFrame) -> pd.Series:
    """A list of booleans as a Series over `like`'s rows."""
    import pandas as pd

    return pd.Series(values, index=like.index)


def full(value: float, like: pd.Series | pd.DataFrame) -> pd.Series:
    """One value on every row of `like` (to compare a column with a configured number)."""
    import pandas as pd

    return pd.Series(value, index=like.index)
