"""Word 自评报告 (.docx, issue 13): tables read as grids, addresses 表N + A1, F007, continued
tables, .doc/.wps, the annotated .docx copy, and .docx everywhere workbooks are accepted."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from tests.builders import project_form
from tests.docx_builders import Grid, grid_from_sheet, table_xml, write_report
from tests.test_seed import EXPECTED_ERRORS, SAMPLES, SPLIT, run_cli
from xlsxtool import api
from xlsxtool.findings import Finding
from xlsxtool.word import location, read_table, read_word

REPORT = SAMPLES / "岳阳市教育科学技术研究院_2023年度绩效自评报告.docx"


def form_grid(form=None) -> Grid:  # type: ignore[no-untyped-def]
    form = form or project_form()
    return grid_from_sheet(form.rows, form.merges)


def check(path: Path, **kw) -> api.FileResult:  # type: ignore[no-untyped-def]
    (result,) = api.check([path], **kw).files
    return result


def rules(result: api.FileResult) -> list[tuple[str, str | None, str | None]]:
    return sorted((f.rule, f.sheet, f.cell) for f in result.findings)


# ---------------------------------------------------------------- the reader


def test_merges_from_gridspan_vmerge_gridbefore_and_hmerge() -> None:
    from xlsxtool.word import parse_xml

    hmerge = ('<w:tr><w:tc><w:tcPr><w:hMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>宽</w:t></w:r></w:p></w:tc>'
              '<w:tc><w:tcPr><w:hMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p/></w:tc></w:tr>')
    grid = Grid(
        rows=[["标题", "", ""], ["一级", "a\nb", "1"], ["", "c", "2"], ["", "d", "3"], ["x", "", ""]],
        merges=[(0, 0, 0, 2), (1, 0, 3, 0)],
        grid_before={4: 1},
        raw_rows={4: hmerge},
    )
    table = read_table(parse_xml(table_xml(grid).encode()))
    assert table.rows[0] == ["标题", "", ""]
    assert table.rows[1] == ["一级", "a\nb", 1]  # paragraphs joined by \n; a plain number is a number
    assert table.rows[2][0] == "" and table.rows[3][0] == ""  # vMerge continuation cells are empty
    assert table.rows[4] == ["宽", "", ""]
    assert (0, 0, 0, 2) in table.merges and (1, 0, 3, 0) in table.merges and (4, 0, 4, 1) in table.merges


def test_vmerge_restarting_in_the_same_column_closes_the_merge_above() -> None:
    from xlsxtool.word import parse_xml

    grid = Grid(rows=[["a", "1"], ["", "2"], ["b", "3"], ["", "4"]], merges=[(0, 0, 1, 0), (2, 0, 3, 0)])
    table = read_table(parse_xml(table_xml(grid).encode()))
    assert table.merges == [(0, 0, 1, 0), (2, 0, 3, 0)]


def test_paragraph_text_keeps_tabs_and_breaks_and_drops_deleted_text(tmp_path: Path) -> None:
    from xlsxtool.word import paragraph_text, parse_xml

    p = parse_xml(
        b'<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b'<w:r><w:t>A</w:t><w:tab/><w:t>B</w:t><w:br/></w:r><w:del><w:r><w:delText>X</w:delText></w:r></w:del>'
        b'<w:ins><w:r><w:t>C</w:t></w:r></w:ins><w:hyperlink><w:r><w:t>D</w:t></w:r></w:hyperlink></w:p>')
    assert paragraph_text(p) == "A\tB\nCD"


def test_nested_table_is_a_grid_of_its_own(tmp_path: Path) -> None:
    inner = table_xml(Grid(rows=[["内", "1"]]))
    outer = table_xml(Grid(rows=[["外", "占位"]])).replace("<w:p><w:r><w:t xml:space=\"preserve\">占位</w:t></w:r></w:p>",
                                                          inner.replace(' xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"', "") + "<w:p/>")
    path = tmp_path / "nested.docx"
    write_report(path, ["正文"])
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml = parts["word/document.xml"].decode()
    xml = xml.replace("<w:sectPr", outer.replace(' xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"', "") + "<w:sectPr", 1)
    parts["word/document.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    doc = read_word(path.read_bytes(), str(path))
    assert [t.name for t in doc.tables] == ["表1", "表1-1"]
    assert doc.tables[1].rows == [["内", 1]]
    assert doc.tables[0].rows == [["外", ""]]


# ---------------------------------------------------------------- seed 001 as a Word report


def test_seed_001_report_gives_the_workbook_findings_and_the_narrative_one() -> None:
    """The sample .docx is seed 001: the same 34 table findings as the _分表 workbook (each form a
    table laid out like its sheet, so the same A1), plus N704 on the 22 % share."""
    word = check(REPORT)
    book = check(SPLIT)
    assert word.forms == book.forms == 11 and word.is_word and not book.is_word
    sheet_of = {name: f"表{i + 1}" for i, (_fid, name, _t) in enumerate(book.form_scores())}
    expected = sorted((f.rule, f.severity, sheet_of[f.form], f.cell) for f in book.findings)  # type: ignore[index]
    tables = sorted((f.rule, f.severity, f.sheet, f.cell) for f in word.findings if f.sheet != "正文")
    assert tables == expected
    errors: dict[str, Counter] = {name: Counter() for name in EXPECTED_ERRORS}
    for f in word.findings:
        if f.severity == "error":
            errors[f.form][f.rule] += 1  # type: ignore[index]
    assert errors == EXPECTED_ERRORS
    narrative = [(f.rule, f.sheet, f.cell, f.expected, f.actual) for f in word.findings if f.sheet == "正文"]
    assert narrative == [("N704", "正文", "第19段", "22.79%", "22%")]


def test_seed_001_report_through_the_cli_json_and_console() -> None:
    proc = run_cli("check", str(REPORT), "--format", "json", "--no-annotate")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    entry = json.loads(proc.stdout)["files"][0]
    c301 = next(f for f in entry["findings"] if f["rule"] == "C301")
    assert (c301["sheet"], c301["cell"], c301["location"]) == ("表9", "I16", "第9个表格 I16")
    n704 = next(f for f in entry["findings"] if f["rule"] == "N704")
    assert (n704["sheet"], n704["cell"], n704["location"]) == ("正文", "第19段", "第19段")
    console = run_cli("check", str(REPORT), "--no-annotate").stdout
    assert "第9个表格 I16" in console and "第19段" in console and "（第4个表格，" in console


def test_select_and_ignore_narrative_rules() -> None:
    only_n = check(REPORT, codes={"N704"})
    assert [f.rule for f in only_n.findings] == ["N704"]
    from xlsxtool.rules import select_codes

    assert not any(f.rule.startswith("N") for f in check(REPORT, codes=select_codes(None, ["N7"])).findings)


# ---------------------------------------------------------------- forms over several tables


def _split_form(repeat_header: bool, marker: str | None) -> tuple[list[str | Grid], int]:
    """A project form cut in two tables inside its indicator block (as at a page break)."""
    rows, merges = project_form().rows, project_form().merges
    cut = next(i for i, row in enumerate(rows) if row[3] == "开展竞赛")  # the second indicator row
    top = grid_from_sheet(rows[:cut], [m for m in merges if m[2] < cut])
    # Merges crossing the cut are split in two, as Word keeps them per table.
    top.merges += [(m[0], m[1], cut - 1, m[3]) for m in merges if m[0] < cut <= m[2]]
    header = next(row for row in rows if row[3] == "三级指标")
    bottom_rows = ([header] if repeat_header else []) + rows[cut:]
    shift = len(bottom_rows) - (len(rows) - cut)
    bottom_merges = [(max(m[0], cut) - cut + shift, m[1], m[2] - cut + shift, m[3]) for m in merges if m[2] >= cut]
    bottom = grid_from_sheet(bottom_rows, [m for m in bottom_merges if m[2] > m[0] or m[3] > m[1]])
    blocks: list[str | Grid] = ["一、项目基本情况", top]
    if marker:
        blocks.append(marker)
    blocks.append(bottom)
    return blocks, cut - shift


@pytest.mark.parametrize("repeat_header,marker", [(True, None), (False, "续表"), (False, None)],
                         ids=["repeated-header", "xubiao", "page-break"])
def test_form_continued_in_a_second_table_is_one_form(tmp_path: Path, repeat_header: bool, marker: str | None) -> None:
    blocks, offset = _split_form(repeat_header, marker)
    form = project_form()
    broken = project_form(total=(100, 95))  # S206 on the 合计 得分 cell, which is in the second table
    total_row = next(i for i, row in enumerate(broken.rows) if row[0] == "合计")
    blocks[-1].rows[total_row - offset][7] = "95"  # type: ignore[union-attr]
    path = write_report(tmp_path / "续表.docx", blocks)
    result = check(path)
    assert result.forms == 1
    assert rules(result) == [("S206", "表2", f"H{total_row - offset + 1}")]
    assert len(form.rows) == len(broken.rows)


def test_continued_form_convert_names_the_other_table(tmp_path: Path) -> None:
    blocks, _offset = _split_form(True, None)
    path = write_report(tmp_path / "续表.docx", blocks)
    frames, _results = api.frames_of([path])
    ind = frames["indicators"]
    assert len(ind) == 8
    first = next(i for i, row in enumerate(project_form().rows) if row[3] == "培训骨干教师")
    assert ind["score_cell"].iloc[0] == f"H{first + 1}"  # in 表1, the form's own table
    assert ind["score_cell"].iloc[1] == "表2!H2"  # 表2: the repeated header in row 1, then this row
    assert set(frames["forms"]["sheet"]) == {"表1"}


def test_title_in_a_paragraph_above_the_table(tmp_path: Path) -> None:
    form = project_form(name=None)  # C305 falls back on the title cell
    grid = form_grid(form)
    grid.rows[0] = [""] * len(grid.rows[0])  # the title row is empty in the table…
    path = write_report(tmp_path / "t.docx", ["附件2", "2023年度项目支出绩效自评表", grid])  # …and a paragraph
    result = check(path)
    assert result.forms == 1
    assert ("C305", "表1", "B2") in rules(result)
    ext_year = api.load(api.Source(display=str(path), path=path)).extract
    assert ext_year is not None and ext_year.forms[0]["year"] == 2023


def test_two_forms_in_two_tables_stay_two_forms(tmp_path: Path) -> None:
    path = write_report(tmp_path / "two.docx", ["说明", form_grid(), "", form_grid(project_form(name="第二个项目"))])
    result = check(path)
    assert result.forms == 2 and result.findings == []


# ---------------------------------------------------------------- no form, unreadable, legacy


def test_report_without_tables_is_f007_and_never_f003(tmp_path: Path) -> None:
    path = write_report(tmp_path / "纯文字.docx", ["部门预算基本支出795.63元，其中：人员支出643.4万元；公用支出149.2万元。"])
    result = check(path)
    assert [f.rule for f in result.findings if f.rule.startswith("F")] == ["F007"]
    assert {f.rule for f in result.findings} == {"F007", "N703"}
    proc = run_cli("check", str(write_report(tmp_path / "空.docx", ["无"])), "--format", "json", "--no-annotate")
    assert proc.returncode == 0  # a warning only
    (f,) = json.loads(proc.stdout)["files"][0]["findings"]
    assert f["rule"] == "F007" and f["severity"] == "warning" and "只核对了正文" in f["message"]


def test_report_whose_tables_are_not_forms_is_f007(tmp_path: Path) -> None:
    path = write_report(tmp_path / "人员表.docx", ["人员情况", Grid(rows=[["姓名", "职务"], ["张三", "会计"]])])
    assert [f.rule for f in check(path).findings] == ["F007"]


@pytest.mark.parametrize("data,word", [
    (b"PK\x03\x04broken", "已损坏"),
    (b"", "0 字节"),
    (b"%PDF-1.4 not a docx", "不是 Word 文档"),
])
def test_unreadable_docx_is_f001_in_word_terms(tmp_path: Path, data: bytes, word: str) -> None:
    path = tmp_path / "坏.docx"
    path.write_bytes(data)
    (f,) = check(path).findings
    assert f.rule == "F001" and word in f.message


def test_encrypted_docx_is_f002(tmp_path: Path) -> None:
    path = tmp_path / "加密.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64)
    (f,) = check(path).findings
    assert f.rule == "F002" and "文档" in f.message


def test_zip_bomb_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<a/>")
        zf.writestr("word/big.bin", b"\0" * 60_000_000)
    (f,) = check(path).findings
    assert f.rule == "F001" and "压缩炸弹" in f.message


def _legacy_doc(tmp_path: Path, suffix: str) -> Path:
    """A binary Word file: an OLE container with a WordDocument stream (enough to be recognised)."""
    path = tmp_path / f"旧格式{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "WordDocument".encode("utf-16-le") + b"\0" * 400)
    return path


@pytest.mark.parametrize("suffix,label", [(".doc", "Word 97-2003"), (".wps", "WPS 文字")])
def test_doc_and_wps_without_libreoffice_say_save_as_docx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          suffix: str, label: str) -> None:
    monkeypatch.setattr("xlsxtool.word.soffice", lambda: None)
    (f,) = check(_legacy_doc(tmp_path, suffix)).findings
    assert f.rule == "F001" and label in f.message and "另存为" in f.message and ".docx" in f.message


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_doc_is_converted_and_checked_where_libreoffice_is_installed(tmp_path: Path) -> None:
    import subprocess

    src = shutil.copyfile(REPORT, tmp_path / "报告.docx")
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless", "--convert-to",
                    "doc:MS Word 97", "--outdir", str(tmp_path / "doc"), str(src)], check=True, capture_output=True, timeout=300)
    doc = tmp_path / "doc" / "报告.doc"
    result = check(doc)
    assert result.forms == 11 and any("LibreOffice" in n for n in result.notes)
    assert sum(f.rule == "C302" for f in result.findings) == sum(n["C302"] for n in EXPECTED_ERRORS.values())
    written, _notes = api.annotate_all(api.CheckResult(files=[result]), out_dir=tmp_path / "out")
    assert Path(written[str(doc)]).name == "报告_校验结果.docx"


# ---------------------------------------------------------------- discovery and reports


def test_folders_and_zips_mix_workbooks_and_reports(tmp_path: Path) -> None:
    folder = tmp_path / "报送"
    folder.mkdir()
    shutil.copyfile(REPORT, folder / "报告.docx")
    shutil.copyfile(SPLIT, folder / "表.xlsx")
    # A copy named like ours but saved by someone (not as xlsxtool wrote it): checked (issue 14).
    (folder / "报告_校验结果.docx").write_bytes(REPORT.read_bytes())
    with zipfile.ZipFile(tmp_path / "第一批.zip", "w") as zf:
        zf.write(REPORT, "单位甲/自评报告.docx")
        zf.write(SPLIT, "单位甲/自评表.xlsx")
    result = api.check([folder, tmp_path / "第一批.zip"])
    names = sorted(Path(r.path).name for r in result.files)
    assert names == ["报告.docx", "报告_校验结果.docx", "自评报告.docx", "自评表.xlsx", "表.xlsx"]
    assert all(r.forms == 11 for r in result.files)
    summary = api.write_summary(result, tmp_path / "汇总.xlsx")
    import openpyxl

    ws = openpyxl.load_workbook(summary)["问题清单"]
    sheets = {row[2] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert "第9个表格" in sheets and "正文" in sheets and "实验教学管理与研究" in sheets


def test_location_for_people() -> None:
    f = Finding(rule="C301", severity="error", file="a.docx", sheet="表9", cell="I16", form=None, message="")
    assert location(f, True) == "第9个表格 I16" and location(f, False) == "表9!I16"
    nested = Finding(rule="C301", severity="error", file="a.docx", sheet="表2-1", cell="B3", form=None, message="")
    assert location(nested, True) == "第2个表格内第1个表格 B3"


# ---------------------------------------------------------------- the annotated copy


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _canonical(data: bytes) -> bytes:
    from lxml import etree

    return etree.tostring(etree.fromstring(data), method="c14n")


def test_annotated_copy_marks_cells_and_paragraphs_and_keeps_the_rest(tmp_path: Path) -> None:
    import docx

    src = shutil.copyfile(REPORT, tmp_path / "自评 报告.docx")
    before = _sha(src)
    proc = run_cli(str(src))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    copy = tmp_path / "自评 报告_校验结果.docx"
    assert copy.exists() and _sha(src) == before
    document = docx.Document(str(copy))
    comments = [c.text for c in document.comments]
    result = check(src)
    assert len(comments) == len({(f.sheet, f.cell) for f in result.findings if f.cell})  # one per marked place
    assert any(c.startswith("N704") for c in comments) and any("S205" in c for c in comments)
    # The summary block: title, hint, table with one row per finding, notes, page break; then the original.
    assert document.paragraphs[0].text.startswith("校验结果：需修改 — 错误 32 项，警告 3 项")
    summary = document.tables[0]
    assert [c.text for c in summary.rows[0].cells] == ["序号", "位置", "表单", "规则", "级别", "问题说明"]
    assert len(summary.rows) == 1 + len(result.findings)
    assert {"第19段", "第9个表格 I16"} <= {row.cells[1].text for row in summary.rows}
    # 表9 (实验教学管理与研究) I16: the C301 cell, shaded red, its comment on its text.
    original = document.tables[1:]
    tc = original[8].cell(15, 8)._tc
    assert tc.tcPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}shd").get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill") == "FFC7CE"
    # Everything else is as it was: same parts, the same XML where it was not annotated.
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(copy) as b:
        old, new = set(a.namelist()), set(b.namelist())
        assert old <= new and new - old <= {"word/comments.xml"}
        # docProps/core.xml: lastModifiedBy is xlsxtool (tested with the copies sent back, below).
        changed = {"word/document.xml", "word/_rels/document.xml.rels", "[Content_Types].xml", "docProps/core.xml"}
        for name in old - changed:
            x, y = a.read(name), b.read(name)
            if name.endswith((".xml", ".rels")):
                assert _canonical(x) == _canonical(y), name
            else:
                assert x == y, name
    # The original paragraphs and tables follow the summary unchanged in text.
    source = docx.Document(str(src))
    texts = [p.text for p in document.paragraphs]
    start = texts.index(source.paragraphs[0].text)
    assert texts[start:] == [p.text for p in source.paragraphs]
    assert [[c.text for c in row.cells] for row in original[3].rows] == [[c.text for c in row.cells] for row in source.tables[3].rows]


def test_annotated_copy_of_a_report_in_a_zip(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "批.zip", "w") as zf:
        zf.write(REPORT, "单位/报告.docx")
    result = api.check([tmp_path / "批.zip"])
    written, notes = api.annotate_all(result, out_dir=tmp_path / "out")
    assert notes == [] and Path(next(iter(written.values()))).name == "报告_校验结果.docx"


def test_annotating_a_report_with_an_unanchored_finding_lists_it(tmp_path: Path) -> None:
    from xlsxtool.report.annotate_docx import annotate_docx

    src = write_report(tmp_path / "r.docx", ["正文一段"])
    f = Finding(rule="F007", severity="warning", file=str(src), sheet=None, cell=None, form=None, message="没有表格")
    out = annotate_docx(src, [f], tmp_path / "r_校验结果.docx", verdict="通过")
    import docx

    document = docx.Document(str(out.path))
    assert document.tables[0].rows[1].cells[1].text == "—" and len(document.comments) == 0
    assert document.paragraphs[-1].text == "正文一段"


def test_real_corpus_tables_as_word_tables_give_the_workbook_findings(tmp_path: Path) -> None:
    """The real-table corpus (tests/real) rendered as a Word table: the same findings, on 表1."""
    from tests.real.corpus import all_tables, render_xlsx

    for table in all_tables():
        book = check(render_xlsx(table, tmp_path / f"{table.name}.xlsx"))
        word = check(write_report(tmp_path / f"{table.name}.docx", ["报告正文", Grid(rows=table.rows, merges=table.merges)]))
        assert sorted((f.rule, f.cell) for f in word.findings) == sorted((f.rule, f.cell) for f in book.findings), table.name
        assert {f.sheet for f in word.findings} <= {"表1"}


def test_check_bytes_takes_a_report() -> None:
    result = api.check_bytes(REPORT.read_bytes(), name="upload.docx")
    assert result.forms == 11 and any(f.rule == "N704" for f in result.findings)


def test_quick_start_checks_the_sample_report_too(tmp_path: Path) -> None:
    """README: `xlsxtool check samples/ --out 校验输出` checks the two workbooks and the report."""
    out = tmp_path / "校验输出"
    proc = run_cli("check", str(SAMPLES), "--out", str(out), "--format", "json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert sorted(Path(f["path"]).suffix for f in doc["files"]) == [".docx", ".xlsx", ".xlsx"]
    assert doc["summary"]["forms"] == 33
    # 3 copies + 汇总 (and the run's list of what it wrote, a hidden file)
    assert sorted(p.suffix for p in out.iterdir() if not p.name.startswith(".")) == [".docx", ".xlsx", ".xlsx", ".xlsx"]


def test_read_book_reads_either_kind() -> None:
    from xlsxtool.word import read_book

    assert [s.name for s in read_book(REPORT.read_bytes(), "r.docx").sheets] == [f"表{i}" for i in range(1, 12)]
    assert read_book(SPLIT.read_bytes(), "t.xlsx").engine == "calamine"


# ---------------------------------------------------------------- the Word copy sent back (issue 14, item 3)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SUMMARY_HEADERS = ["序号", "位置", "表单", "规则", "级别", "问题说明"]


def _annotated_beside(src: Path) -> Path:
    """The copy a drag-drop run writes next to *src*."""
    result = api.check([src])
    written, notes = api.annotate_all(result)
    assert all("已先清除" in n for n in notes)  # only: a copy sent back loses our earlier marks
    return Path(written[str(src)])


def _correct(copy: Path) -> None:
    """What a clerk does in Word: fills the empty 实际完成值 of 表2 F24 (C302), adds a comment of
    their own, saves (Word puts their name in lastModifiedBy)."""
    import docx

    document = docx.Document(str(copy))
    cell = document.tables[2].cell(23, 5)  # 表2 of the original: the copy's first table is 校验结果
    assert cell.text == ""
    cell.paragraphs[0].add_run("100%")
    document.add_comment(document.paragraphs[6].runs, text="请补充依据", author="张科长", initials="ZK")
    document.core_properties.last_modified_by = "张三"
    document.save(str(copy))


def _summary_tables(document) -> list:  # type: ignore[no-untyped-def]
    return [t for t in document.tables if [c.text for c in t.rows[0].cells] == SUMMARY_HEADERS]


def _fills(tc) -> list[str]:  # type: ignore[no-untyped-def]
    return [shd.get(f"{W}fill") for shd in tc.iter(f"{W}shd")]


def _anchors(tc) -> list[str]:  # type: ignore[no-untyped-def]
    return [el.get(f"{W}id") for el in tc.iter(f"{W}commentRangeStart")]


def test_unedited_word_copy_is_skipped_in_a_folder_scan_and_listed(tmp_path: Path) -> None:
    folder = tmp_path / "收件箱"
    folder.mkdir()
    src = shutil.copyfile(REPORT, folder / "报告.docx")
    copy = _annotated_beside(src)
    assert copy.name == "报告_校验结果.docx"
    with zipfile.ZipFile(copy) as zf:
        assert b"<cp:lastModifiedBy>xlsxtool</cp:lastModifiedBy>" in zf.read("docProps/core.xml")
    assert api.is_unedited_copy(copy.read_bytes())
    with zipfile.ZipFile(tmp_path / "批.zip", "w") as zf:  # the same copy inside a batch zip
        zf.write(copy, "单位/报告_校验结果.docx")
    result = api.check([folder, tmp_path / "批.zip"])
    assert [Path(r.path).name for r in result.files] == ["报告.docx"]
    assert [(Path(s.path).name, s.reason) for s in result.skipped] == [
        ("报告_校验结果.docx", api.EARLIER_COPY), ("报告_校验结果.docx", api.EARLIER_COPY)]
    assert result.skipped[1].path.endswith("批.zip/单位/报告_校验结果.docx")


def test_corrected_word_copy_is_checked_at_the_original_addresses(tmp_path: Path) -> None:
    folder = tmp_path / "收件箱"
    folder.mkdir()
    src = shutil.copyfile(REPORT, folder / "报告.docx")
    copy = _annotated_beside(src)
    _correct(copy)
    assert not api.is_unedited_copy(copy.read_bytes())
    result = api.check([folder])
    by_name = {Path(r.path).name: r for r in result.files}
    assert sorted(by_name) == ["报告.docx", "报告_校验结果.docx"] and result.skipped == []
    original, corrected = by_name["报告.docx"], by_name["报告_校验结果.docx"]
    # The inserted 校验结果 block is not the report: same forms, same 表N and 第N段 as the
    # original, nothing read from our messages; only the fixed cell's finding is gone.
    assert corrected.forms == original.forms == 11
    want = {(f.rule, f.sheet, f.cell) for f in original.findings} - {("C302", "表2", "F24")}
    assert {(f.rule, f.sheet, f.cell) for f in corrected.findings} == want
    assert len(corrected.findings) == len(original.findings) - 1


def test_reannotating_a_corrected_word_copy_replaces_our_marks(tmp_path: Path) -> None:
    import docx

    src = shutil.copyfile(REPORT, tmp_path / "报告.docx")
    copy = _annotated_beside(src)
    _correct(copy)
    # A cell of the report's own in our red (a table pasted from Excel's 差 style): not ours to clear.
    document = docx.Document(str(copy))
    own = document.tables[1].cell(0, 0)._tc  # 表1 A1, no finding there
    own.get_or_add_tcPr().append(docx.oxml.parse_xml(f'<w:shd {docx.oxml.ns.nsdecls("w")} w:val="clear" w:fill="FFC7CE"/>'))
    document.save(str(copy))
    again = _annotated_beside(copy)
    assert again.name == "报告_校验结果_校验结果.docx"
    before, after = docx.Document(str(copy)), docx.Document(str(again))
    # One 校验结果 block: one title, one table, one page break before the report.
    assert len(_summary_tables(after)) == 1
    assert [c.text for c in after.tables[0].rows[0].cells] == SUMMARY_HEADERS
    assert sum(p.text.startswith("校验结果：") for p in after.paragraphs) == 1
    assert any("改正方法" in p.text and "本文件发回" in p.text for p in after.paragraphs[:4])
    assert any("已先清除" in p.text for p in after.paragraphs[:6])
    breaks = after.element.body.xpath('.//w:br[@w:type="page"]')
    assert len(breaks) == len(before.element.body.xpath('.//w:br[@w:type="page"]'))
    # The report itself is untouched: its paragraphs and every table's text as the clerk left them.
    first = docx.Document(str(REPORT)).paragraphs[0].text
    texts_before = [p.text for p in before.paragraphs]
    texts_after = [p.text for p in after.paragraphs]
    assert texts_after[texts_after.index(first):] == texts_before[texts_before.index(first):]
    grid = lambda t: [[c.text for c in row.cells] for row in t.rows]  # noqa: E731
    assert [grid(t) for t in after.tables[1:]] == [grid(t) for t in before.tables[1:]]
    # The fixed cell: no comment, no shading left; a cell still wrong: one comment, red.
    fixed = after.tables[2].cell(23, 5)._tc
    assert _anchors(fixed) == [] and _fills(fixed) == []
    still = after.tables[9].cell(15, 8)._tc  # 表9 I16 (C301)
    assert len(_anchors(still)) == 1 and _fills(still) == ["FFC7CE"]
    assert _fills(after.tables[1].cell(0, 0)._tc) == ["FFC7CE"]
    # Our comments are this run's only; the clerk's comment is kept.
    authors = Counter(c.author for c in after.comments)
    result = api.check([copy]).files[0]
    assert authors == {"xlsxtool": len({(f.sheet, f.cell) for f in result.findings if f.cell}), "张科长": 1}
    assert all(c.text != "" for c in after.comments)
    assert len(after.element.body.xpath(".//w:commentReference")) == len(after.comments)


def test_word_comment_records_of_our_comments_go_and_a_reply_to_one_stays(tmp_path: Path) -> None:
    """Word 2016+ saves per-comment records beside comments.xml (commentsExtended: a reply's
    parent; commentsIds / commentsExtensible: durable ids), keyed by the comment's paraId. Ours
    go with our comments; the clerk's reply to one of ours becomes a comment of its own."""
    import docx
    from lxml import etree

    src = write_report(tmp_path / "r.docx", ["正文", form_grid(project_form(total=(100, 95)))])  # S206
    copy = _annotated_beside(src)
    document = docx.Document(str(copy))
    document.add_comment(document.paragraphs[-1].runs, text="已改", author="张三")
    document.core_properties.last_modified_by = "张三"
    document.save(str(copy))
    w14 = "http://schemas.microsoft.com/office/word/2010/wordml"
    w15 = "http://schemas.microsoft.com/office/word/2012/wordml"
    cid = "http://schemas.microsoft.com/office/word/2016/wordml/cid"
    cex = "http://schemas.microsoft.com/office/word/2018/wordml/cex"
    with zipfile.ZipFile(copy) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    comments = etree.fromstring(parts["word/comments.xml"])
    ids = {}
    for n, c in enumerate(comments.iter(f"{W}comment")):
        para = f"{n + 1:08X}"
        c.findall(f"{W}p")[-1].set(f"{{{w14}}}paraId", para)
        ids[c.get(f"{W}author")] = para
    assert set(ids) == {"xlsxtool", "张三"}
    ours, reply = ids["xlsxtool"], ids["张三"]
    parts["word/comments.xml"] = etree.tostring(comments)
    parts["word/commentsExtended.xml"] = (
        f'<w15:commentsEx xmlns:w15="{w15}"><w15:commentEx w15:paraId="{ours}" w15:done="0"/>'
        f'<w15:commentEx w15:paraId="{reply}" w15:paraIdParent="{ours}" w15:done="0"/></w15:commentsEx>').encode()
    parts["word/commentsIds.xml"] = (
        f'<w16cid:commentsIds xmlns:w16cid="{cid}"><w16cid:commentId w16cid:paraId="{ours}" w16cid:durableId="1A2B3C4D"/>'
        f'<w16cid:commentId w16cid:paraId="{reply}" w16cid:durableId="5E6F7A8B"/></w16cid:commentsIds>').encode()
    parts["word/commentsExtensible.xml"] = (
        f'<w16cex:commentsExtensible xmlns:w16cex="{cex}"><w16cex:commentExtensible w16cex:durableId="1A2B3C4D"/>'
        f'<w16cex:commentExtensible w16cex:durableId="5E6F7A8B"/></w16cex:commentsExtensible>').encode()
    rels, types = parts["word/_rels/document.xml.rels"].decode(), parts["[Content_Types].xml"].decode()
    for n, (kind, rel) in enumerate([("commentsExtended", "2011/relationships/commentsExtended"),
                                     ("commentsIds", "2016/09/relationships/commentsIds"),
                                     ("commentsExtensible", "2018/08/relationships/commentsExtensible")]):
        rels = rels.replace("</Relationships>", f'<Relationship Id="rIdX{n}" Type="http://schemas.microsoft.com/office/{rel}" '
                                                f'Target="{kind}.xml"/></Relationships>')
        types = types.replace("</Types>", f'<Override PartName="/word/{kind}.xml" ContentType="application/'
                                          f'vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml"/></Types>')
    parts["word/_rels/document.xml.rels"], parts["[Content_Types].xml"] = rels.encode(), types.encode()
    with zipfile.ZipFile(copy, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)

    again = _annotated_beside(copy)
    assert Counter(c.author for c in docx.Document(str(again)).comments) == {"xlsxtool": 1, "张三": 1}
    with zipfile.ZipFile(again) as zf:
        extended = etree.fromstring(zf.read("word/commentsExtended.xml"))
        durable = etree.fromstring(zf.read("word/commentsIds.xml"))
        extensible = etree.fromstring(zf.read("word/commentsExtensible.xml"))
    assert [dict(e.attrib) for e in extended] == [{f"{{{w15}}}paraId": reply, f"{{{w15}}}done": "0"}]
    assert [e.get(f"{{{cid}}}durableId") for e in durable] == ["5E6F7A8B"]
    assert [e.get(f"{{{cex}}}durableId") for e in extensible] == ["5E6F7A8B"]
