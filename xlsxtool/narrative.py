"""N701–N706: the numbers a Word report's text states, against its tables and each other."""

from __future__ import annotations

from typing import Any

from .findings import Finding


def check_narrative(paragraphs: list[str], ext: Any, file: str) -> list[Finding]:
    """Findings on the report's paragraphs (sheet '正文', cell '第N段')."""
    return []
