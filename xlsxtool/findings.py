"""The findings model — kept for compatibility: it lives in `xlsxtool.results`."""

from __future__ import annotations

from .results import SEVERITY_ORDER, Finding

__all__ = ["SEVERITY_ORDER", "Finding"]
