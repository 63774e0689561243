"""Real published 自评表 (tests/real/tables, issue 12): each is rendered to a workbook the way it
was published and checked; the findings must be exactly those a careful reviewer reports, as
written (with the reason for each) in the table's file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.real.corpus import TABLES, all_tables, compare, parse, render_xlsx
from xlsxtool import api

FILES = sorted(TABLES.glob("*.txt"))


def test_the_corpus_is_real_and_varied() -> None:
    tables = all_tables()
    provinces = Counter(t.meta["province"] for t in tables)
    assert len(tables) >= 25
    assert len(provinces) >= 8, provinces
    assert sum(t.meta.get("kind") == "department" for t in tables) >= 5
    for t in tables:
        assert t.meta["source"].startswith("http"), t.name
        # Phone numbers are masked in anything committed (139****6836).
        text = t.path.read_text(encoding="utf-8")
        assert not any(len(run) >= 11 for run in "".join(c if c.isdigit() else " " for c in text).split()
                       if run.startswith("1")), f"{t.name}: an unmasked mobile number"


@pytest.mark.parametrize("numbers", [True, False], ids=["typed", "text"])
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_real_table_findings_are_exactly_the_reviewers(path: Path, numbers: bool, tmp_path: Path) -> None:
    """Typed: plain numbers entered as numbers; text: every cell as the text it was published as."""
    table = parse(path)
    book = render_xlsx(table, tmp_path / f"{table.name}.xlsx", numbers=numbers)
    result = api.check([book])
    (entry,) = result.files
    assert entry.error is None
    findings = [dict(severity=f.severity, rule=f.rule, cell=f.cell, message=f.message) for f in entry.findings]
    missed, extra = compare(table, findings)
    report = [f"missed {e.severity} {e.rule} {e.cell}: {e.reason}" for e in missed]
    report += [f"extra  {f['severity']} {f['rule']} {f['cell']}: {f['message']}" for f in extra]
    assert not report, "\n".join(report)
