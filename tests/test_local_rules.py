"""A bureau's own rules without forking (issue 16): the worked example of docs/local-rules.md
(over-achievement ≥ 130 % of the target needs a reason), added from a file outside the package
through the configuration, or from an installed package's entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import CLEAN_INDICATORS, one_form, project_form
from xlsxtool import api, config
from xlsxtool.rules import RULES, select_codes
from xlsxtool.rules.local import forget

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "local_rules.py"


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlsxtool", *args], capture_output=True, text=True, encoding="utf-8",
                          cwd=cwd, timeout=300, env={**os.environ, **(env or {})})


def findings(proc: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [f for entry in json.loads(proc.stdout)["files"] for f in entry["findings"]]


@pytest.fixture(autouse=True)
def _no_local_rules_left() -> object:
    yield
    forget()  # a rule registered in one test must not run in the next


def _bureau(tmp_path: Path, rules_file: str = "local_rules.py") -> Path:
    """A submission folder with the bureau's xlsxtool.toml naming its rule file, and one form:
    培训骨干教师 600 of ≥450 (133 %, no reason: fires); 开展竞赛 20 of 14 (143 %, reason given);
    专项支出成本 80万元 against ≤50万元 (a ceiling, not over-achievement); 培训合格率 98 % of ≥95 %."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE, tmp_path / "local_rules.py")
    (tmp_path / "xlsxtool.toml").write_text(f'rules = "{rules_file}"\n', encoding="utf-8")
    rows = [dict(r) for r in CLEAN_INDICATORS]
    rows[0].update(actual="600人")
    rows[1].update(actual="20科", reason="新增6个竞赛科目")
    rows[4].update(actual="80万元")
    one_form(tmp_path / "报送" / "表.xlsx", project_form(indicators=rows))
    return tmp_path


def test_the_worked_example_fires_where_it_should_and_not_where_it_must_not(tmp_path: Path) -> None:
    root = _bureau(tmp_path)
    proc = run_cli("check", "报送", "--format", "json", "--no-annotate", cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    local = [f for f in findings(proc) if f["rule"] == "L801"]
    assert len(local) == 1
    assert local[0]["severity"] == "warning"
    assert local[0]["message"] == "三级指标“培训骨干教师”实际完成值 600人 达到年度指标值 ≥450人 的 133.3%，但未填写偏差原因"
    # Anchored on the row's 偏差原因 cell.
    frames, _ = api.frames_of([root / "报送"])
    ind = frames["indicators"]
    assert local[0]["cell"] == ind.loc[ind["name"] == "培训骨干教师", "reason_cell"].item()


def test_select_ignore_and_the_catalog_see_a_local_rule(tmp_path: Path) -> None:
    root = _bureau(tmp_path / "局")
    ignored = run_cli("check", "报送", "--format", "json", "--no-annotate", "--ignore", "L801", cwd=root)
    assert "L801" not in {f["rule"] for f in findings(ignored)}
    selected = run_cli("check", "报送", "--format", "json", "--no-annotate", "--select", "L8", cwd=root)
    assert {f["rule"] for f in findings(selected)} == {"L801"}
    listing = run_cli("rules", cwd=root)
    assert listing.returncode == 0 and "L801" in listing.stdout and "超额完成未说明原因" in listing.stdout
    one = run_cli("rules", "L801", cwd=root)
    assert one.returncode == 0
    assert "130%" in one.stdout and "本地规则，来自" in one.stdout
    assert "〈三级指标名称〉" in one.stdout  # the message's fields named as the rule declares them
    # Without the configuration the code is unknown: a usage error, as for any unknown code.
    elsewhere = tmp_path / "别处"  # no xlsxtool.toml here nor above
    elsewhere.mkdir()
    assert run_cli("rules", "L801", cwd=elsewhere).returncode == 2


def test_a_script_gets_local_rules_from_the_configuration(tmp_path: Path) -> None:
    root = _bureau(tmp_path)
    settings = config.load(root / "xlsxtool.toml")
    assert "L801" in RULES and "L801" in select_codes(None, None)
    result = api.check([root / "报送"], settings=settings)
    assert [f.rule for f in result.findings].count("L801") == 1
    forget()
    assert "L801" not in RULES


BROKEN = {
    "syntax": ("RULES = [\n    Rule(code='L801'\n", ["本地规则文件", "SyntaxError", "第"]),
    "import": ("import no_such_module_here\nRULES = []\n", ["本地规则文件", "no_such_module_here", "第 1 行"]),
    "code": (EXAMPLE.read_text(encoding="utf-8").replace('code="L801"', 'code="S901"'), ["L 加三位数字", "S901"]),
    "taken": (EXAMPLE.read_text(encoding="utf-8").replace('code="L801"', 'code="S201"'), ["S201 已被使用", "内置规则"]),
    "fields": (EXAMPLE.read_text(encoding="utf-8").replace('"ratio": "完成比例"', '"rate": "完成比例"'), ["fields", "不一致"]),
    "no_rules": ("X = 1\n", ["没有 RULES"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_local_rule_file_is_a_usage_error_in_chinese(tmp_path: Path, case: str) -> None:
    root = _bureau(tmp_path)
    text, words = BROKEN[case]
    (root / "local_rules.py").write_text(text, encoding="utf-8")
    proc = run_cli("check", "报送", "--format", "json", "--no-annotate", cwd=root)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "xlsxtool.toml" in proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def test_a_missing_rule_file_and_a_rule_failing_while_it_runs(tmp_path: Path) -> None:
    root = _bureau(tmp_path, rules_file="没有这个文件.py")
    proc = run_cli("check", "报送", "--format", "json", "--no-annotate", cwd=root)
    assert proc.returncode == 2 and "找不到本地规则文件" in proc.stderr and "Traceback" not in proc.stderr
    root = _bureau(tmp_path / "b")
    text = EXAMPLE.read_text(encoding="utf-8").replace('df["reason_cell"].notna()', 'df["没有这一列"].notna()')
    (root / "local_rules.py").write_text(text, encoding="utf-8")
    proc = run_cli("check", "报送", "--format", "json", "--no-annotate", cwd=root)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "本地规则 L801" in proc.stderr and "没有这一列" in proc.stderr
    # A render that leaves out a field of its message: named, not a message silently replaced.
    text = EXAMPLE.read_text(encoding="utf-8").replace('ratio=fmt(', 'rate=fmt(')
    (root / "local_rules.py").write_text(text, encoding="utf-8")
    proc = run_cli("check", "报送", "--format", "json", "--no-annotate", cwd=root)
    assert proc.returncode == 2 and "缺少提示文字的字段：ratio" in proc.stderr and "Traceback" not in proc.stderr


def test_an_installed_package_adds_rules_through_its_entry_point(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "hunan_rules-1.0.dist-info").mkdir(parents=True)
    (site / "hunan_rules-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: hunan-rules\nVersion: 1.0\n")
    (site / "hunan_rules-1.0.dist-info" / "entry_points.txt").write_text("[xlsxtool.rules]\nhunan = hunan_rules\n")
    (site / "hunan_rules.py").write_text(EXAMPLE.read_text(encoding="utf-8").replace("L801", "L802"), encoding="utf-8")
    root = _bureau(tmp_path / "局")
    (root / "xlsxtool.toml").unlink()  # no configuration: the package alone brings the rule
    env = {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    proc = run_cli("check", "报送", "--format", "json", "--no-annotate", cwd=root, env=env)
    assert [f["rule"] for f in findings(proc)].count("L802") == 1, proc.stderr
    listing = run_cli("rules", "L8", cwd=root, env=env)
    assert listing.returncode == 0 and "L802" in listing.stdout
    # A broken package: a clear message, exit 2.
    (site / "hunan_rules.py").write_text("raise RuntimeError('坏了')\n", encoding="utf-8")
    proc = run_cli("check", "报送", "--format", "json", "--no-annotate", cwd=root, env=env)
    assert proc.returncode == 2 and "入口点 hunan" in proc.stderr and "坏了" in proc.stderr and "Traceback" not in proc.stderr
