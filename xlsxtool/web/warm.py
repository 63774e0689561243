"""Imported once by the fork server that starts every batch process (runner.py): loads the
checker and runs it once on a filled project form and a blank department form, so each batch
starts as a fork of a warm process — a dropped workbook's result then costs the check itself,
not the imports and first-use set-up (about 1.5 s more otherwise). The spare batch process
(worker.serve_spare) runs the same warm-up again in itself."""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path


def warm_up(scratch: str | None = None) -> None:
    """Check a filled project form and a blank department form and write the annotated copy,
    in this process (its files in a temporary folder under *scratch*, default the system's)."""
    from .. import api, cli  # noqa: F401 — cli: each child re-runs `python -m xlsxtool`'s main module
    from ..report import annotate, export, summary  # noqa: F401 — imported for the children
    from ..templates import write_template

    with tempfile.TemporaryDirectory(prefix="xlsxtool-warm-", dir=scratch) as tmp:
        # What a batch's first file goes through: values parsed, rules firing, marks and notes
        # in the copy (a blank form leaves most of that cold: ≈ 35 ms more on the first upload).
        paths = [filled_example(Path(tmp) / "project.xlsx"),
                 write_template("department", Path(tmp) / "department.xlsx")]
        result = api.check(paths, jobs=1)
        api.annotate_all(result, out_dir=Path(tmp) / "out", jobs=1)


def filled_example(path: Path) -> Path:
    """The project template filled in as clerks fill it — amounts, a rate typed as text,
    indicators with targets, results and scores — with the usual mistakes (a score above its
    weight, a result left empty without a reason)."""
    import openpyxl

    from ..templates import layout, write_template

    lay = layout("project")
    write_template("project", path, year=2023, unit="示例单位")
    wb = openpyxl.load_workbook(path)
    ws = wb[lay.sheet]

    def put(row: int, col: int, value: object) -> None:
        ws.cell(row + 1, col + 1).value = value  # layout positions are 0-based

    put(*lay.fields["项目名称"], "示例项目")
    put(*lay.fields["主管部门"], "示例主管部门")
    funds = lay.funds_cols
    for row, (initial, budget, spent) in zip(
            [lay.funds_total, *lay.funds_sources.values()],
            [(120.0, "125.50", 118.2), (100.0, 105.5, 100.0), (20.0, 20.0, 18.2), (0, 0, 0)], strict=False):
        put(row, funds["initial"], initial)
        put(row, funds["budget"], budget)
        put(row, funds["spent"], spent)
    put(lay.funds_total, funds["rate"], "94.18%")
    put(lay.funds_total, funds["score"], 9.4)
    for row in lay.goal_rows:
        put(row, lay.goal_cols[0], "按期完成示例项目的建设和培训任务")
        put(row, lay.goal_cols[1], "基本完成，培训人数略低于计划")
    cols = lay.cols
    rows = [  # (name, target, actual, weight, score, reason) for the first rows of each group
        [("培训人数", "≥500人", "486人", 20, 18, "部分学员因疫情未能参训"),
         ("培训合格率", "≥95%", "96.5%", 15, 16, None),
         ("完成时间", "2023年12月底前", "2023年11月", 15, 15, None)],
        [("受益群众满意", "明显提升", None, 15, 12, None),
         ("长效机制", "建立", "已建立", 15, 15, None)],
        [("服务对象满意度", "≥90%", "93%", 10, 9, None)],
    ]
    for group, group_rows in zip(lay.groups, rows, strict=False):
        for row, values in zip(group.rows, group_rows, strict=False):
            for role, value in zip(("name", "target", "actual", "weight", "score", "reason"), values, strict=True):
                put(row, cols[role], value)
        put(group.first, cols["sub_weight"], sum(v[3] for v in group_rows))
        put(group.first, cols["sub_score"], sum(v[4] for v in group_rows))
    put(lay.total_row, cols["weight"], 100)
    put(lay.total_row, cols["score"], 94.4)
    put(*lay.footer["填表人"], "张三")
    wb.save(path)
    return path


try:
    warm_up()
except Exception:  # noqa: BLE001 — warming is an optimisation; a batch still runs cold
    pass
# Everything alive now (modules, caches) is left out of garbage collection from here on: a
# batch process forked from this one would otherwise copy the warm heap page by page as its
# collector touches every object (copy-on-write), before checking anything.
gc.collect()
gc.freeze()
