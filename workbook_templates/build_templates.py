"""Regenerate the blank 自评表 templates committed in this folder (and the README picture).

    python workbook_templates/build_templates.py                 # writes the three .xlsx here
    python workbook_templates/build_templates.py --picture       # also docs/template_project.png

The templates are written by ``xlsxtool.templates.write_template`` (the same code as
``xlsxtool template KIND -o FILE``), without year or unit, so the committed files are the generic
blanks. Output is byte-identical from run to run (fixed document timestamps).

The picture needs LibreOffice and poppler
(``apt-get install -y libreoffice-calc-nogui fonts-noto-cjk poppler-utils``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from xlsxtool.templates import TEMPLATE_KINDS, layout, write_template  # noqa: E402

PICTURE = ROOT / "docs" / "template_project.png"
DPI = 110
#: Crop box (x, y, width, height) in pixels at DPI: the printed form without the empty page below.
CROP = (35, 50, 840, 712)


def build(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_template(kind, out_dir / layout(kind).file_name) for kind in TEMPLATE_KINDS]


def render_picture(dest: Path, *, year: int = 2024, unit: str = "某某中学") -> Path:
    """The project template as a PNG: printed by LibreOffice on one page, rasterised by poppler."""
    import openpyxl

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        raise SystemExit("error: the picture needs LibreOffice (soffice) and poppler (pdftoppm)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = write_template("project", work / "template.xlsx", year=year, unit=unit)
        # A print copy only: the whole form on one page, the 填表说明 sheet left out.
        wb = openpyxl.load_workbook(src)
        ws = wb[layout("project").sheet]
        ws.page_setup.orientation = "portrait"
        ws.page_setup.fitToHeight = 1
        ws.page_setup.fitToWidth = 1
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        for other in wb.worksheets[1:]:
            wb.remove(other)
        wb.save(work / "print.xlsx")
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(work), str(work / "print.xlsx")],
                       check=True, capture_output=True, timeout=180)
        x, y, w, h = CROP
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
                        "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h),
                        str(work / "print.pdf"), str(work / "page")], check=True, capture_output=True, timeout=60)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / "page.png", dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this folder)")
    parser.add_argument("--picture", nargs="?", const=PICTURE, type=Path, default=None,
                        help=f"also render the project template to a PNG (default {PICTURE.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(f"wrote {path}")
    if args.picture is not None:
        print(f"wrote {render_picture(args.picture)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
