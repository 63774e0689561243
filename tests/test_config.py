"""Configuration (SPEC §7, issue 12): a bureau's choices in xlsxtool.toml / [tool.xlsxtool], found
from the checked path upward or given with --config; command-line options win; unknown keys are a
usage error. And `check --explain`: how each form was understood."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import CLEAN_INDICATORS, one_form, project_form
from tests.real.corpus import TABLES, parse, render_xlsx
from xlsxtool import api, config


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlsxtool", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, timeout=300)


def rules_of(proc: subprocess.CompletedProcess[str]) -> list[str]:
    doc = json.loads(proc.stdout)
    return sorted(f["rule"] for entry in doc["files"] for f in entry["findings"])


def _form_with_a_footer_gap(tmp_path: Path) -> Path:
    """A clean form whose footer lacks 联系电话 (one C306 warning) and whose 满意度 weighs 15."""
    indicators = [dict(i) for i in CLEAN_INDICATORS]
    return one_form(tmp_path / "报送" / "单位甲" / "表.xlsx",
                    project_form(indicators=indicators, footer="填表人：张三   填报日期：2024年3月15日"))


def test_xlsxtool_toml_is_found_from_the_checked_path_upward(tmp_path: Path) -> None:
    path = _form_with_a_footer_gap(tmp_path)
    assert rules_of(run_cli("check", str(path), "--format", "json", "--no-annotate")) == ["C306"]
    (tmp_path / "报送" / "xlsxtool.toml").write_text('ignore = ["C306"]\n', encoding="utf-8")
    assert rules_of(run_cli("check", str(path), "--format", "json", "--no-annotate")) == []


def test_pyproject_tool_table_and_explicit_config(tmp_path: Path) -> None:
    path = _form_with_a_footer_gap(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.xlsxtool]\nignore = ["C3"]\n', encoding="utf-8")
    assert config.find([path]) == tmp_path / "pyproject.toml"
    assert rules_of(run_cli("check", str(path), "--format", "json", "--no-annotate")) == []
    # --config names another file: that one is used, not the one found.
    other = tmp_path / "其他.toml"
    other.write_text('select = ["S2"]\n', encoding="utf-8")
    assert rules_of(run_cli("check", str(path), "--format", "json", "--no-annotate", "--config", str(other))) == []
    # A pyproject.toml without [tool.xlsxtool] is not a configuration.
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert config.find([path]) is None


def test_command_line_options_win_over_the_file(tmp_path: Path) -> None:
    path = _form_with_a_footer_gap(tmp_path)
    (tmp_path / "报送" / "xlsxtool.toml").write_text('ignore = ["C306"]\n', encoding="utf-8")
    proc = run_cli("check", str(path), "--format", "json", "--no-annotate", "--ignore", "S2")
    assert rules_of(proc) == ["C306"]


@pytest.mark.parametrize("text,words", [
    ("colour = 1\n", ["未知的设置项", "colour"]),
    ("[labels]\nscor = [\"考评得分\"]\n", ["labels", "scor"]),
    ("[tolerances]\nmoney = \"a\"\n", ["money"]),
    ("profile = \"sichuan\"\n", ["profile", "sichuan"]),
    ("ignore = [\n", ["不是有效的 TOML"]),
])
def test_a_bad_configuration_is_a_usage_error_naming_the_key(tmp_path: Path, text: str, words: list[str]) -> None:
    path = _form_with_a_footer_gap(tmp_path)
    (tmp_path / "xlsxtool.toml").write_text(text, encoding="utf-8")
    proc = run_cli("check", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    for w in words:
        assert w in proc.stderr


def test_labels_add_a_bureaus_own_column_name(tmp_path: Path) -> None:
    path = one_form(tmp_path / "a.xlsx", project_form(headers={"score": "考评分数"}))
    findings = api.check([path]).findings
    assert {f.rule for f in findings} >= {"F005"}  # 分值 without a 得分 column it can read
    settings = config.parse({"labels": {"score": ["考评分数"]}})
    assert api.check([path], settings=settings).findings == []
    # The next run without the configuration has the built-in words only.
    assert {f.rule for f in api.check([path]).findings} >= {"F005"}


def test_tolerances_weights_and_profile(tmp_path: Path) -> None:
    # 执行率 declared 91% where 45/50 is 90%: B101 at 0.1 point, not at 2 points.
    funds = [dict(source="年度资金总额", initial=50, budget=50, spent=45, weight=10, rate="91%", score=9),
             dict(source="其中：当年财政拨款", initial=50, budget=50, spent=45)]
    path = one_form(tmp_path / "a.xlsx", project_form(funds=funds))
    assert {f.rule for f in api.check([path]).findings} == {"B101"}
    assert api.check([path], settings=config.parse({"tolerances": {"rate": 0.02}})).findings == []
    # A bureau whose standard total is 110: the clean form (100) is off, with the bureau's number.
    clean = one_form(tmp_path / "b.xlsx", project_form())
    s204 = [f for f in api.check([clean], settings=config.parse({"weights": {"total": 110}})).findings]
    assert [f.rule for f in s204] == ["S204"] and "应为 110" in s204[0].message
    # S208 against the bureau's split; profile "none" holds no form to the national framework.
    odd = [dict(i) for i in CLEAN_INDICATORS]
    odd[0]["l1"] = "工作指标（50分）"
    odd_path = one_form(tmp_path / "c.xlsx", project_form(indicators=odd))
    assert "T401" in {f.rule for f in api.check([odd_path]).findings}
    assert api.check([odd_path], settings=config.parse({"profile": "none"})).findings == []
    split = config.parse({"weights": {"产出": 40}})
    assert {f.rule for f in api.check([clean], settings=split).findings} == {"S208"}


def test_explain_says_how_an_unusual_table_was_understood(tmp_path: Path) -> None:
    """A real two-row header (云南: 年度指标值 over 指标性质 | 指标值 | 度量单位): --explain names
    each column's meaning with the cell its label was read from."""
    table = parse(TABLES / "yn_lijiang_2020_weipian.txt")
    path = render_xlsx(table, tmp_path / "丽江.xlsx")
    proc = run_cli("check", str(path), "--explain", "--no-annotate")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    out = proc.stdout
    assert "识别说明" in out and "打分表" in out
    assert "表头：第11–12行" in out
    assert "D 列 = 指标性质（表头 D12）" in out and "E 列 = 年度指标值（表头 E12）" in out
    assert "G 列 = 实际完成值（表头 G11）" in out
    # The findings still follow the explanation.
    assert "C301" in out
    doc = json.loads(run_cli("check", str(path), "--explain", "--format", "json", "--no-annotate").stdout)
    assert "指标性质" in doc["files"][0]["explain"]


def test_explain_names_an_application_form_as_a_target_form(tmp_path: Path) -> None:
    """A 绩效目标申报表 (湖南 南岳: 目标 only, no 实际完成值) is explained as the target form it
    is, not as a 自评表; a 自评表 keeps its name."""
    from xlsxtool import api

    target = render_xlsx(parse(TABLES / "hn_nanyue_2018_rendadaibiao_mubiao.txt"), tmp_path / "申报.xlsx")
    scored = render_xlsx(parse(TABLES / "yn_lijiang_2020_weipian.txt"), tmp_path / "自评.xlsx")
    assert "类型：项目支出绩效目标表；不打分" in api.explain([target])[0][1]
    assert "类型：项目支出绩效自评表；打分表" in api.explain([scored])[0][1]
