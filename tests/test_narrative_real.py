"""Real published reports (tests/real/reports): each is written as a Word report — its paragraphs,
then the 自评表 where its file gives one (and any other table the page shows) — and checked; the
N7xx findings must be exactly those a careful reviewer reports, as written, figure by figure, in
the report's file (its `numbers:` say why each figure agrees or not)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.real.reports import REPORTS, all_reports, parse, write_docx
from xlsxtool import api

FILES = sorted(REPORTS.glob("*.txt"))


def test_the_corpus_is_real_and_varied() -> None:
    reports = all_reports()
    kinds = Counter(r.meta["kind"] for r in reports)
    provinces = Counter(r.meta["province"] for r in reports)
    # At least 15 绩效自评 texts (project, department, or a unit's summary of its self-evaluations);
    # the 决算/预算 说明 come on top: they state the same wholes, parts and shares.
    assert len(reports) - kinds["budget-note"] >= 15, kinds
    assert len(provinces) >= 6, provinces
    assert sum(r.table is not None for r in reports) >= 5
    assert any(r.expected for r in reports), "real reports do contain slips"
    for r in reports:
        assert r.meta["source"].startswith("http"), r.name
        assert r.meta["retrieved"] == "2026-11-30", r.name
        assert r.numbers, f"{r.name}: every figure a rule could compare is written down"
        text = r.path.read_text(encoding="utf-8")
        assert not any(len(run) >= 11 for run in "".join(c if c.isdigit() else " " for c in text).split()
                       if run.startswith("1")), f"{r.name}: an unmasked mobile number"


def full_width(text: str) -> str:
    """The punctuation a Word original has where the stored page has half-width ',' ':' '(' …
    (a comma between digits is a thousands separator either way)."""
    text = re.sub(r",(?!\d)|(?<!\d),", "，", text)
    return text.translate(str.maketrans(":();", "：（）；"))


@pytest.mark.parametrize("punctuation", ["stored", "full-width"])
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_real_report_findings_are_exactly_the_reviewers(path: Path, punctuation: str, tmp_path: Path) -> None:
    report = parse(path)
    if punctuation == "full-width":
        report.paragraphs = [full_width(p) for p in report.paragraphs]
    (entry,) = api.check([write_docx(report, tmp_path / f"{report.name}.docx")]).files
    assert entry.error is None
    found = [f for f in entry.findings if f.rule.startswith("N7")]
    got = Counter((f.severity, f.rule, f.cell) for f in found)
    want = Counter((e.severity, e.rule, e.cell) for e in report.expected)
    report_lines = [f"missed {s} {r} {c}: {e.reason}" for e in report.expected
                    for (s, r, c) in [(e.severity, e.rule, e.cell)] if got[(s, r, c)] < want[(s, r, c)]]
    report_lines += [f"extra  {f.severity} {f.rule} {f.cell}: {f.message}" for f in found
                     if got[(f.severity, f.rule, f.cell)] > want[(f.severity, f.rule, f.cell)]]
    assert got == want, "\n".join(report_lines)
    assert all(f.sheet == "正文" for f in found)
    if report.table is not None:  # the form the text is compared with is read as one
        assert entry.forms >= 1, report.name
