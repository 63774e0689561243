"""Render README pictures of the annotated workbook (what a clerk sees after a check).

Checks the sample with xlsxtool and annotates a copy with the real findings, then lets LibreOffice print
(1) the area around the 教育规划与发展专项经费（青少年科技活动） form, comments shown, and
(2) the 校验结果 sheet, to PDF; poppler turns the pages into cropped PNGs.

Needs: ``apt-get install -y libreoffice-calc-nogui fonts-noto-cjk poppler-utils``.

    python docs/render_screenshot.py            # writes docs/annotated_form.png, docs/annotated_summary.png
    python docs/render_screenshot.py --keep DIR # also keeps the annotated workbook and PDFs in DIR
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlsxtool.findings import Finding  # noqa: E402
from xlsxtool.report.annotate import _comment_size, annotate_workbook, output_path  # noqa: E402

SAMPLE = ROOT / "samples" / "岳阳市教育科学技术研究院_2023年度绩效自评表.xlsx"
SHEET = "自评表"
FORM = "教育规划与发展专项经费（青少年科技活动）"
FORM_AREA = "A103:J128"  # the form (title row 103 … footer row 128), column A as a margin
DPI = 110


def real_findings(path: Path) -> tuple[list[Finding], str]:
    """What `xlsxtool check` really reports on the sample (no hand-made findings)."""
    from xlsxtool import api

    result = api.check([path])
    file = result.files[0]
    return file.findings, file.verdict


def render_copy(annotated: Path, dest: Path, *, show: str, area: str | None) -> None:
    """A copy for printing: only sheet *show* visible, its print area set, comments shown."""
    import openpyxl

    wb = openpyxl.load_workbook(annotated)
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws.title == show else "hidden"
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:  # openpyxl does not read the box size back
                    cell.comment.width, cell.comment.height = _comment_size(cell.comment.text)
    wb.active = wb.sheetnames.index(show)
    ws = wb[show]
    if area:
        ws.print_area = area
        ws.print_options.headings = True  # row numbers / column letters, as on screen
    ws.page_setup.fitToHeight = 1
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.page_margins.left = ws.page_margins.right = 0.3
    ws.page_margins.top = ws.page_margins.bottom = 0.3
    wb.save(dest)
    _show_comments(dest, SHOWN_COMMENTS if area else {})


# Comments to show open in the form picture, and where to draw their boxes: an x:Anchor
# (left col, px, top row, px, right col, px, bottom row, px; 0-based) over the empty
# 偏差原因 column J, so the boxes hide nothing. The other comments stay hover-only.
SHOWN_COMMENTS = {
    "C115": "9, 8, 114, 2, 9, 215, 116, 12",
    "H126": "9, 8, 121, 6, 9, 215, 121, 56",
}


def _show_comments(path: Path, shown: dict[str, str]) -> None:
    """openpyxl writes every comment hidden and unanchored; open the chosen ones in the VML."""
    from openpyxl.utils.cell import coordinate_to_tuple

    wanted = {
        (r - 1, c - 1): anchor
        for (r, c), anchor in ((coordinate_to_tuple(a), b) for a, b in shown.items())
    }

    def patch(m: re.Match[str]) -> str:
        shape = m.group(0)
        # openpyxl writes generated prefixes (ns1:shape, ns2:Row), not v:/x:.
        row = int(re.search(r"<\w+:Row>(\d+)</", shape).group(1))  # type: ignore[union-attr]
        col = int(re.search(r"<\w+:Column>(\d+)</", shape).group(1))  # type: ignore[union-attr]
        anchor = wanted.get((row, col))
        if anchor is None:
            return shape
        shape = shape.replace("visibility:hidden", "visibility:visible")
        return re.sub(
            r"(<(\w+):ClientData[^>]*>)", rf"\1<\2:Visible/><\2:Anchor>{anchor}</\2:Anchor>", shape
        )

    tmp = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith(".vml"):
                text = re.sub(
                    r"<(\w+):shape\b.*?</\1:shape>", patch, data.decode("utf-8"), flags=re.S
                )
                data = text.encode("utf-8")
            zout.writestr(item, data)
    tmp.replace(path)


def to_png(xlsx: Path, png: Path, workdir: Path) -> None:
    """xlsx → PDF (LibreOffice) → PNG of the first page, cropped to the printed content."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(workdir), str(xlsx)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = workdir / (xlsx.stem + ".pdf")
    base = workdir / xlsx.stem
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(base)], check=True)  # fmt: skip
    x, y, w, h = _content_box(base.with_suffix(".ppm"), pad=12)
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
                    "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h), str(pdf), str(base)],
                   check=True)  # fmt: skip
    shutil.copyfile(base.with_suffix(".png"), png)


def _content_box(ppm: Path, pad: int) -> tuple[int, int, int, int]:
    """Bounding box of the non-white pixels of a binary PPM (no imaging library needed)."""
    data = ppm.read_bytes()
    parts = data.split(maxsplit=4)  # P6, width, height, maxval, pixels
    width, height = int(parts[1]), int(parts[2])
    pixels = parts[4]
    stride = width * 3
    top = bottom = None
    left, right = width, 0
    for r in range(height):
        row = pixels[r * stride : (r + 1) * stride]
        stripped = row.lstrip(b"\xff")
        if not stripped:
            continue
        top = r if top is None else top
        bottom = r
        left = min(left, (stride - len(stripped)) // 3)
        right = max(right, (len(row.rstrip(b"\xff")) - 1) // 3)
    if top is None or bottom is None:
        return 0, 0, width, height
    x0, y0 = max(0, left - pad), max(0, top - pad)
    x1, y1 = min(width, right + pad), min(height, bottom + pad)
    return x0, y0, x1 - x0, y1 - y0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep intermediate files in this folder")
    args = parser.parse_args()
    if shutil.which("soffice") is None or shutil.which("pdftoppm") is None:
        sys.exit("需要 LibreOffice (soffice) 与 poppler-utils (pdftoppm)")

    with tempfile.TemporaryDirectory() as tmpname:
        work = args.keep or Path(tmpname)
        work.mkdir(parents=True, exist_ok=True)
        src = work / SAMPLE.name
        shutil.copyfile(SAMPLE, src)
        annotated = output_path(src, force=True)
        findings, verdict = real_findings(src)
        result = annotate_workbook(src, findings, annotated, verdict=verdict)
        print(f"annotated copy: {result.path}")

        form_copy = work / "render_form.xlsx"
        summary_copy = work / "render_summary.xlsx"
        render_copy(annotated, form_copy, show=SHEET, area=FORM_AREA)
        render_copy(annotated, summary_copy, show="校验结果", area=None)
        for xlsx, png in ((form_copy, ROOT / "docs" / "annotated_form.png"),
                          (summary_copy, ROOT / "docs" / "annotated_summary.png")):  # fmt: skip
            to_png(xlsx, png, work)
            print(f"wrote {png}")


if __name__ == "__main__":
    main()
