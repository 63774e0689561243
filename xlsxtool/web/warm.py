"""Imported once by the fork server that starts every batch process (runner.py): loads the
checker and runs it once on a blank template, so each batch starts as a fork of a warm
process — a dropped workbook's result then costs the check itself, not the imports and
first-use set-up (about 1.5 s more otherwise)."""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path


def warm_up(scratch: str | None = None) -> None:
    """One check of both blank forms and an annotated copy, in this process (its files in a
    temporary folder under *scratch*, default the system's)."""
    from .. import api, cli  # noqa: F401 — cli: each child re-runs `python -m xlsxtool`'s main module
    from ..report import annotate, export, summary  # noqa: F401 — imported for the children
    from ..templates import write_template

    with tempfile.TemporaryDirectory(prefix="xlsxtool-warm-", dir=scratch) as tmp:
        # Both kinds of form, and the annotated copy: what a batch's first file will go through.
        paths = [write_template(kind, Path(tmp) / f"{kind}.xlsx") for kind in ("project", "department")]
        result = api.check(paths, jobs=1)
        api.annotate_all(result, out_dir=Path(tmp) / "out", jobs=1)


try:
    warm_up()
except Exception:  # noqa: BLE001 — warming is an optimisation; a batch still runs cold
    pass
# Everything alive now (modules, caches) is left out of garbage collection from here on: a
# batch process forked from this one would otherwise copy the warm heap page by page as its
# collector touches every object (copy-on-write), before checking anything.
gc.collect()
gc.freeze()
