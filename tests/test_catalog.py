"""Where a rule lives (issue 16): one declaration in the module of its family, from which the
catalog, docs/rules.md and --select/--ignore are derived; one results model, no import cycles."""

from __future__ import annotations

import subprocess
import sys

import pytest

from xlsxtool import rules as catalog
from xlsxtool.rules import (
    FRAMES,
    GROUPS,
    RULES,
    Rule,
    RuleError,
    Variant,
    b_funds,
    c_completeness,
    f_file,
    n_narrative,
    s_scores,
    t_taxonomy,
    template_fields,
    v_values,
    x_cross,
)

FAMILIES = {"F": f_file, "B": b_funds, "S": s_scores, "C": c_completeness, "T": t_taxonomy, "V": v_values,
            "X": x_cross, "N": n_narrative}
# Raised where the file or the text is read, not on the frames: declared for the catalog only.
OUTSIDE_THE_FRAMES = {"F001", "F002", "F003", "F004", "F006", "F007", "N701", "N702", "N703", "N704", "N705", "N706"}


def test_each_family_module_declares_exactly_its_rules() -> None:
    for letter, module in FAMILIES.items():
        codes = [r.code for r in module.RULES]
        assert codes and all(c.startswith(letter) for c in codes)
        assert all(RULES[c] is r for c, r in zip(codes, module.RULES, strict=True))
    assert sum(len(m.RULES) for m in FAMILIES.values()) == len(RULES) == 49
    assert set(GROUPS) == set(FAMILIES)


def test_every_rule_is_one_complete_declaration() -> None:
    for code, rule in RULES.items():
        assert rule.title and rule.message and rule.anchor and rule.explanation and rule.example, code
        assert set(rule.fields) == template_fields(rule.message), code
        assert all(rule.fields.values()), code
        if code in OUTSIDE_THE_FRAMES:
            assert not rule.variants, code
        else:
            assert rule.variants and set(rule.frames) <= set(FRAMES), code


def test_a_wrong_declaration_is_refused_in_chinese() -> None:
    base = dict(code="L900", severity="warning", title="t", message="{a}", anchor="x", explanation="e", example="e",
                fields={"a": "甲"})
    check, render = (lambda f: f.df["x"].isna()), (lambda r, f: dict(cell=None, a=1))
    Rule(**base, frame="indicators", check=check, render=render)
    with pytest.raises(RuleError, match="不一致"):
        Rule(**{**base, "fields": {"b": "乙"}}, frame="indicators", check=check, render=render)
    with pytest.raises(RuleError, match="未知的 frame"):
        Rule(**base, frame="sheets", check=check, render=render)
    with pytest.raises(RuleError, match="severity"):
        Rule(**{**base, "severity": "info"}, frame="indicators", check=check, render=render)
    with pytest.raises(RuleError, match="须一起给出"):
        Rule(**base, frame="indicators", check=check)
    with pytest.raises(RuleError, match="重复"):
        Rule(**base, variants=(Variant("a", "forms", check, render), Variant("a", "goals", check, render)))


def test_select_and_the_markdown_come_from_the_declarations() -> None:
    assert catalog.select_codes(["S2"], ["S21"]) == {c for c in RULES if c.startswith("S2") and not c.startswith("S21")}
    assert "| S201 | 错误 | 得分超过分值 |" in catalog.rules_markdown()


def test_results_and_report_do_not_import_api() -> None:
    code = ("import sys, xlsxtool.results, xlsxtool.report.summary, xlsxtool.report.console, xlsxtool.report.export; "
            "assert 'xlsxtool.api' not in sys.modules, 'report imports api'; "
            "from xlsxtool.api import CheckResult, FileResult, Finding, Skipped; "
            "from xlsxtool.findings import Finding as F; import xlsxtool.results as r; "
            "assert CheckResult is r.CheckResult and FileResult is r.FileResult and F is Finding is r.Finding")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_the_catalog_imports_without_pandas() -> None:
    # `xlsxtool rules` and a run of unreadable files need no pandas: the checks need it only when they run.
    code = "import sys, xlsxtool.rules, xlsxtool.config; assert 'pandas' not in sys.modules"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
