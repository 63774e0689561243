"""Annotation benchmark (issue 15): the package path against the openpyxl path, side by side.

    python benchmarks/annotate.py [--files 60] [--stacked 1000,2000] [--keep DIR] [--openpyxl-stacked]

1. Generates --files eleven-form workbooks with benchmarks/bulk.py's generator (the layouts
   and errors of a bureau's inbox) and checks them once (findings kept in memory).
2. Annotates every workbook with both paths, interleaved file by file in this one process on
   the same bytes, so a disturbance on the shared machine hits both alike:
   - package: report/annotate.annotate_workbook as the CLI runs it (the zip edited directly);
   - openpyxl: the same call handed a workbook opened by openpyxl (load_for_annotation with
     package=False), timed from the load on: what every copy cost before issue 15.
   Reports the median ms per workbook of each and their ratio (targets: ≤ 15 ms, ≥ 15×), and
   how many copies fell back to openpyxl (notes).
3. Stacked forms: one sheet holding N eleven-form blocks for each N of --stacked (forms one
   below the other, as bulk.py's 'stacked' layout), checked, then annotated by the package
   path (best of 3). Target: 2,000 forms ≤ 2.2× the time of 1,000. --openpyxl-stacked adds
   the openpyxl path (minutes at 2,000 forms before the merge index).

Runs from a fresh checkout (the repository is put on sys.path). Does not import from tests/.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bulk  # noqa: E402

from xlsxtool import api  # noqa: E402
from xlsxtool.report import annotate  # noqa: E402


def _verdict(findings: list) -> str:
    return "需修改" if any(f.severity == "error" for f in findings) else "通过"


def side_by_side(paths: list[Path], out: Path) -> dict[str, float]:
    pkg_ms, opx_ms, fallbacks, marked = [], [], 0, 0
    for path in paths:
        result = api.check([path])
        findings = result.findings
        if not any(f.sheet and f.cell for f in findings):
            continue
        marked += 1
        data = path.read_bytes()
        verdict = _verdict(findings)
        t0 = time.perf_counter()
        res = annotate.annotate_workbook(path, findings, out / f"{path.stem}_pkg.xlsx", verdict=verdict,
                                         source_bytes=data)
        t1 = time.perf_counter()
        loaded = annotate.load_for_annotation(path, data, keep_vba=False, package=False)
        annotate.annotate_workbook(path, findings, out / f"{path.stem}_opx.xlsx", verdict=verdict,
                                   source_bytes=data, loaded=loaded)
        t2 = time.perf_counter()
        fallbacks += any("无法直接标注" in n for n in res.notes)
        pkg_ms.append((t1 - t0) * 1000)
        opx_ms.append((t2 - t1) * 1000)
    pkg, opx = statistics.median(pkg_ms), statistics.median(opx_ms)
    return {"workbooks": marked, "package_ms": pkg, "openpyxl_ms": opx, "ratio": opx / pkg,
            "package_p90": sorted(pkg_ms)[int(len(pkg_ms) * 0.9)], "fallbacks": fallbacks}


def stacked(n_forms: int, folder: Path, rng: random.Random, with_openpyxl: bool) -> dict[str, float]:
    seeds = bulk.load_seed_forms()
    forms = []
    for _ in range(n_forms // len(seeds) + 1):
        for s in seeds:
            forms.append((s, bulk.vary_form(s, rng, "岳阳市第一中学", "岳阳市教育体育局",
                                            {"score"} if rng.random() < 0.3 else set())))
    forms = forms[:n_forms]
    path = folder / f"stacked_{n_forms}.xlsx"
    bulk.write_workbook(path, forms, "stacked")
    findings = api.check([path]).findings
    data = path.read_bytes()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        annotate.annotate_workbook(path, findings, folder / f"stacked_{n_forms}_pkg.xlsx",
                                   verdict="需修改", source_bytes=data)
        best = min(best, time.perf_counter() - t0)
    out = {"forms": n_forms, "findings": len(findings), "package_s": best}
    if with_openpyxl:
        t0 = time.perf_counter()
        loaded = annotate.load_for_annotation(path, data, keep_vba=False, package=False)
        annotate.annotate_workbook(path, findings, folder / f"stacked_{n_forms}_opx.xlsx",
                                   verdict="需修改", source_bytes=data, loaded=loaded)
        out["openpyxl_s"] = time.perf_counter() - t0
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=60)
    ap.add_argument("--stacked", default="1000,2000", help="form counts for the stacked sheet ('' to skip)")
    ap.add_argument("--openpyxl-stacked", action="store_true")
    ap.add_argument("--keep", type=Path, help="folder for the generated workbooks (reused)")
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = args.keep or tmp / "inbox"
        paths = bulk.generate(data, args.files, args.seed)
        out = tmp / "copies"
        out.mkdir()
        r = side_by_side(paths, out)
        print(f"{r['workbooks']} workbooks with marks, side by side in one process:")
        print(f"  package path   median {r['package_ms']:.1f} ms per workbook (p90 {r['package_p90']:.1f}; "
              f"target ≤ 15 ms), fallbacks to openpyxl: {r['fallbacks']}")
        print(f"  openpyxl path  median {r['openpyxl_ms']:.1f} ms per workbook")
        print(f"  ratio          {r['ratio']:.1f}×  (target ≥ 15×)")
        rng = random.Random(args.seed)
        results = []
        for n in [int(x) for x in args.stacked.split(",") if x.strip()]:
            s = stacked(n, tmp, rng, args.openpyxl_stacked)
            results.append(s)
            extra = f", openpyxl path {s['openpyxl_s']:.2f} s" if "openpyxl_s" in s else ""
            print(f"stacked {n} forms on one sheet ({s['findings']} findings): package path "
                  f"{s['package_s'] * 1000:.0f} ms{extra}")
        if len(results) >= 2:
            print(f"  growth {results[-1]['forms']}/{results[0]['forms']} forms: "
                  f"{results[-1]['package_s'] / results[0]['package_s']:.2f}× (target ≤ 2.2× for 2×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
