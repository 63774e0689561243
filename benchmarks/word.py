"""Word report benchmark (issue 13): check and annotate a ~30-page 自评报告 with 11 tables.

    python benchmarks/word.py [--rounds 5] [--pages]

The report is the sample of seed 001 (samples/…自评报告.docx: its narrative and eleven tables)
with the narrative grown to about 30 A4 pages (seed-like paragraphs with numbers, headings and
the real paragraphs repeated), written once to a temporary folder. Measured, best of --rounds:

* check after start-up: `api.check([report])` in a process that has already imported xlsxtool,
  pandas and pandera (what a clerk waits for once the program is up); and the whole CLI
  (`xlsxtool check report.docx --no-annotate`, interpreter start-up and imports included);
* annotate: `api.annotate_all` for that result (python-docx opens the report, marks the cells
  and paragraphs, inserts the 校验结果 block and saves the copy).

--pages converts the report to PDF with LibreOffice (when installed) to count its pages.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "岳阳市教育科学技术研究院_2023年度绩效自评报告.docx"

FILLER = [
    "（{n}）项目实施情况",
    "{n}.本年度围绕全市基础教育质量提升，组织开展教学视导、学科竞赛、课题研究和教师培训等工作，"
    "全年共组织各类培训{n}期，培训教师{m}人次，覆盖全市中小学校，参训教师满意度达到98%以上。"
    "项目资金严格按照预算执行，专款专用，未发现挤占挪用情况；资金支付按照国库集中支付制度办理，"
    "审批手续完备，会计核算规范，及时完成项目验收和资料归档，形成了较为完善的项目管理闭环。",
    "从资金使用看，该项目年初预算数为{b}万元，全年执行数为{b}万元，预算执行率100%，"
    "资金主要用于专家劳务、会议场地、资料印刷和差旅等支出，各项支出均符合相关管理办法的规定。"
    "下一步将进一步细化绩效目标，完善指标体系，提高绩效目标的可衡量性，加强绩效运行监控。",
]


def build_report(dest: Path, pages: int = 30) -> Path:
    """The sample report with its narrative grown to about `pages` pages (landscape A4)."""
    import docx

    document = docx.Document(str(SAMPLE))
    body = document.element.body
    first_table = body.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tbl")
    # ~20 paragraphs of this length fill two landscape pages; the tables take about fifteen.
    for n in range(1, max(1, (pages - 15) * 10) + 1):
        text = FILLER[n % len(FILLER)].format(n=n, m=100 + 7 * n, b=f"{10 + n % 40}.{n % 100:02d}")
        p = document.add_paragraph(text)
        first_table.addprevious(p._p)  # before the forms, as in a real report
    document.save(str(dest))
    return dest


def count_pages(path: Path) -> int | None:
    command = shutil.which("soffice")
    if command is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([command, f"-env:UserInstallation={Path(tmp, 'p').as_uri()}", "--headless", "--convert-to", "pdf",
                        "--outdir", tmp, str(path)], capture_output=True, timeout=600, check=False)
        pdf = Path(tmp) / (path.stem + ".pdf")
        if not pdf.exists() or shutil.which("pdfinfo") is None:
            return None
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False).stdout
        pages = [line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")]
        return int(pages[0]) if pages else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", action="store_true", help="count the report's pages with LibreOffice")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    import pandas  # noqa: F401 - imported up front: 'after start-up'
    import pandera.pandas  # noqa: F401

    from xlsxtool import api
    from xlsxtool.report import annotate_docx  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        report = build_report(Path(tmp) / "三十页报告.docx")
        size = report.stat().st_size
        pages = count_pages(report) if args.pages else None
        api.check([report])  # warm: first-call costs (pandera schema classes, regex compiles)
        checks, annotates, clis = [], [], []
        result = None
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            result = api.check([report])
            checks.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            written, notes = api.annotate_all(result, out_dir=Path(tmp) / "out", force=True)
            annotates.append(time.perf_counter() - t0)
            assert written and not notes, notes
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "xlsxtool", "check", str(report), "--no-annotate", "--format", "json"],
                           capture_output=True, check=False, cwd=ROOT)
            clis.append(time.perf_counter() - t0)
        assert result is not None
        (file,) = result.files
        print(f"report: {size / 1024:.0f} KB, {file.word.paragraphs if file.word else '?'} paragraphs, "
              f"{file.word.tables if file.word else '?'} tables, {file.forms} forms"
              + (f", {pages} pages" if pages else "") + f"; {len(file.findings)} findings")
        print(f"check after start-up (api.check):        best {min(checks):.3f} s   (rounds: "
              + ", ".join(f"{t:.3f}" for t in checks) + ")")
        print(f"annotated copy (api.annotate_all):        best {min(annotates):.3f} s   (rounds: "
              + ", ".join(f"{t:.3f}" for t in annotates) + ")")
        print(f"whole CLI, start-up included (--no-annotate): best {min(clis):.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
