"""Imported once by the fork server that starts every batch process (runner.py): loads the
checker and runs it once on a blank template, so each batch starts as a fork of a warm
process — a dropped workbook's result then costs the check itself, not the imports and
first-use set-up (about 1.5 s more otherwise)."""

from __future__ import annotations

import tempfile
from pathlib import Path


def _warm_up() -> None:
    from .. import api
    from ..report import annotate, export, summary  # noqa: F401 — imported for the children
    from ..templates import write_template

    with tempfile.TemporaryDirectory(prefix="xlsxtool-warm-") as tmp:
        path = write_template("project", Path(tmp) / "模板.xlsx")
        api.check([path], jobs=1)


try:
    _warm_up()
except Exception:  # noqa: BLE001 — warming is an optimisation; a batch still runs cold
    pass
