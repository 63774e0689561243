"""Word reports for tests: paragraphs and tables written as WordprocessingML, merges included.

A table is given as rows of text plus merged ranges (r0, c0, r1, c1, inclusive), like a sheet;
it is written the way Word writes it: one `w:tc` per merged range and row, `w:gridSpan` for
the columns it covers, `w:vMerge` restart/continue down the rows. Multi-line cell text becomes
one paragraph per line. python-docx supplies the package around the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass
class Grid:
    rows: list[list[str]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    grid_before: dict[int, int] = field(default_factory=dict)  # row → empty grid columns before it
    raw_rows: dict[int, str] = field(default_factory=dict)  # row → its w:tr XML as given


def _paragraphs(text: str) -> str:
    return "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
                   for line in (text.split("\n") if text else [""]))


def table_xml(grid: Grid) -> str:
    owner: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for m in grid.merges:
        r0, c0, r1, c1 = m
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                owner[(r, c)] = m
    width = max(len(r) for r in grid.rows)
    out = [f'<w:tbl xmlns:w="{W_NS}"><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr>',
           "<w:tblGrid>" + '<w:gridCol w:w="1000"/>' * width + "</w:tblGrid>"]
    for r, row in enumerate(grid.rows):
        if r in grid.raw_rows:
            out.append(grid.raw_rows[r])
            continue
        before = grid.grid_before.get(r, 0)
        tr = ["<w:tr>" + (f'<w:trPr><w:gridBefore w:val="{before}"/></w:trPr>' if before else "")]
        c = before
        while c < len(row):
            m = owner.get((r, c))
            props, span = "", 1
            if m is not None:
                r0, c0, r1, c1 = m
                if c != c0:
                    c += 1
                    continue
                span = c1 - c0 + 1
                if span > 1:
                    props += f'<w:gridSpan w:val="{span}"/>'
                if r1 > r0:
                    props += '<w:vMerge w:val="restart"/>' if r == r0 else "<w:vMerge/>"
            text = row[c] if m is None or r == m[0] else ""
            tr.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{_paragraphs(text)}</w:tc>")
            c += span
        tr.append("</w:tr>")
        out.append("".join(tr))
    out.append("</w:tbl>")
    return "".join(out)


def write_report(path: Path, blocks: list[str | Grid]) -> Path:
    """A .docx whose body holds the blocks in order: a str is a paragraph, a Grid a table."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    body = document.element.body
    sect = body.sectPr
    for block in blocks:
        el: Any = parse_xml(table_xml(block)) if isinstance(block, Grid) else parse_xml(
            f'<w:p xmlns:w="{W_NS}"><w:r><w:t xml:space="preserve">{escape(block)}</w:t></w:r></w:p>')
        if sect is not None:
            sect.addprevious(el)
        else:
            body.append(el)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def grid_from_sheet(rows: list[list[Any]], merges: list[tuple[int, int, int, int]]) -> Grid:
    """A Grid from a sheet's values (numbers written as a person types them)."""
    def text(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return Grid(rows=[[text(v) for v in row] for row in rows], merges=list(merges))
