"""Fuzz tests (issue 6): mutated workbook bytes and random form-like grids never crash xlsxtool.

CI runs a short pass; a long run: `XLSXTOOL_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py`.
Each example runs the real CLI entry point in-process: check + annotated copy + JSON, and asserts
no exception escapes, the exit code is 0 or 1, and the input bytes are unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import shutil
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import CLEAN_INDICATORS, Form, one_form, project_form
from xlsxtool.cli import main

EXAMPLES = int(os.environ.get("XLSXTOOL_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_BASE_DIR = Path(tempfile.mkdtemp(prefix="xlsxtool-fuzz-"))
_BASE = one_form(_BASE_DIR / "base.xlsx", project_form(total=(100, 90)))
_BASE_BYTES = _BASE.read_bytes()
with zipfile.ZipFile(_BASE) as _zf:
    _PARTS = {i.filename: _zf.read(i) for i in _zf.infolist()}


def run_and_assert(data: bytes, name: str = "fuzz.xlsx") -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(["check", str(path), "--format", "json", "--out", str(Path(tmp) / "out"), "--jobs", "1"])
        assert code in (0, 1)
        doc = json.loads(out.getvalue())
        assert doc["summary"]["files"] == 1
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        return code


@FUZZ
@given(st.data())
def test_mutated_workbook_bytes(data: st.DataObject) -> None:
    raw = bytearray(_BASE_BYTES)
    how = data.draw(st.sampled_from(["flip", "truncate", "splice", "insert"]))
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 20))):
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] = data.draw(st.integers(0, 255))
    elif how == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    elif how == "splice":
        i, j = sorted(data.draw(st.lists(st.integers(0, len(raw)), min_size=2, max_size=2)))
        raw = raw[:i] + raw[j:]
    else:
        i = data.draw(st.integers(0, len(raw)))
        raw = raw[:i] + bytearray(data.draw(st.binary(min_size=1, max_size=64))) + raw[i:]
    run_and_assert(bytes(raw))


@FUZZ
@given(st.data())
def test_mutated_xml_inside_a_valid_zip(data: st.DataObject) -> None:
    """Valid container, broken content: the XML parts themselves are mutated."""
    part = data.draw(st.sampled_from(sorted(_PARTS)))
    xml = bytearray(_PARTS[part])
    for _ in range(data.draw(st.integers(1, 10))):
        i = data.draw(st.integers(0, max(0, len(xml) - 1)))
        op = data.draw(st.sampled_from(["delete", "byte", "markup"]))
        if op == "delete":
            del xml[i : i + data.draw(st.integers(1, 40))]
        elif op == "byte" and xml:
            xml[i] = data.draw(st.integers(0, 255))
        else:
            xml[i:i] = data.draw(st.sampled_from([b"<", b">", b'"', b"&", b"</c>", b"<v>x</v>", b'r="ZZZ9"', b"<f>1/0</f>"]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in _PARTS.items():
            zf.writestr(name, bytes(xml) if name == part else content)
    run_and_assert(buf.getvalue())


_TEXT = st.one_of(
    st.none(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.sampled_from(["无", "—", "/", "100%", "≥95%", "=<50万", "１２", "1,463.31 ", "满分", "\u3000", "达成年度指标",
                     "合计", "总分", "产出指标（50分）", "三级指标", "分值", "得分", "填表人：", "=SUM(A1:A3)", "-5"]),
)


@FUZZ
@given(st.data())
def test_random_form_like_grids(data: st.DataObject) -> None:
    """Real forms, then damaged the way people damage them: text in numeric cells, rows
    deleted, random merges, cells blanked."""
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    indicators = [dict(i) for i in CLEAN_INDICATORS]
    rng.shuffle(indicators)
    form = project_form(
        indicators=indicators[: rng.randint(0, len(indicators))],
        split_target=data.draw(st.booleans()),
        merge_level1=data.draw(st.booleans()),
        unit_style=data.draw(st.sampled_from(["prefix", "separate"])),
    )
    rows = [list(r) for r in form.rows]
    for _ in range(data.draw(st.integers(0, 25))):
        r, c = rng.randrange(len(rows)), rng.randrange(len(rows[0]))
        rows[r][c] = data.draw(_TEXT)
    for _ in range(data.draw(st.integers(0, 3))):
        if len(rows) > 2:
            del rows[rng.randrange(len(rows))]
    merges = [m for m in form.merges if m[2] < len(rows)]
    for _ in range(data.draw(st.integers(0, 5))):
        r0, c0 = rng.randrange(len(rows)), rng.randrange(len(rows[0]))
        merges.append((r0, c0, r0 + rng.randint(0, 4), c0 + rng.randint(0, 3)))
    rows = [[None if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))) else v for v in row] for row in rows]
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = one_form(Path(tmp) / "grid.xlsx", Form(rows=rows, merges=merges),
                            top=rng.randint(0, 5), left=rng.randint(0, 3))
        except ValueError:
            return  # openpyxl refuses some merges/values when writing: not an input we could get
        run_and_assert(path.read_bytes())


def test_fuzz_base_is_a_real_form_with_an_error() -> None:
    """The mutation base must itself be a checkable form (else the fuzzing proves little)."""
    assert run_and_assert(_BASE_BYTES) == 1


def teardown_module() -> None:
    shutil.rmtree(_BASE_DIR, ignore_errors=True)
