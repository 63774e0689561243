"""Scaling benchmark (issue 15): the paths that must stay linear, and the console's cost.

    python benchmarks/scale.py --base /tmp/base15 [--inbox /tmp/bench1000] [--only zip,sheet,console]

Each step runs the checkout under test and, with --base, another checkout (e.g. a
`git worktree add /tmp/base15 main`) side by side, alternating, best of --repeat rounds:

* zip:     a zip of 1,000 and one of 5,000 eleven-form workbooks (members of the --inbox files,
           stored, no compression): `check ZIP --jobs 1 --no-annotate --format json`. Linear
           means the 5,000-member zip takes ≤ 5.5× the 1,000-member one.
* sheet:   one eleven-form workbook alone, and the same with a 200,000-row ledger sheet beside
           the forms (dates, voucher numbers, unique descriptions, amounts). In-process
           `api.check` (imports done) against python-calamine reading every sheet: what the
           data sheet adds to the check, and what it adds to the raw read.
* console: `check INBOX --no-annotate --jobs 2` with the default screen report (stdout to a
           file) against `--format json`, and against `--format jsonl`.

Generated inputs go to --work (default /tmp/scale15) and are reused.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bulk  # noqa: E402  (the eleven-form generator)

ROOT = Path(__file__).resolve().parents[1]


def make_zip(path: Path, members: list[Path], n: int) -> Path:
    if path.exists():
        return path
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(n):
            src = members[i % len(members)]
            zf.write(src, f"{src.parent.name}/{i:05d}_{src.name}")
    return path


def make_data_workbook(path: Path, rows: int) -> Path:
    """The seed's eleven forms (one sheet each) plus a ledger sheet of *rows* rows."""
    if path.exists():
        return path
    import xlsxwriter

    seeds = bulk.load_seed_forms()
    rng = random.Random(7)
    forms = [(s, bulk.vary_form(s, rng, "岳阳市第一中学", "岳阳市教育体育局", set())) for s in seeds]
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    bulk.write_forms(wb, forms, "split")
    if rows == 0:
        wb.close()
        return path
    ws = wb.add_worksheet("明细账")
    ws.write_row(0, 0, ["日期", "凭证号", "摘要", "科目", "借方金额", "贷方金额", "经办人"])
    subjects = ["办公费", "差旅费", "印刷费", "培训费", "专用材料费", "维修费", "劳务费", "委托业务费"]
    people = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆"]
    for r in range(1, rows + 1):
        ws.write_string(r, 0, f"2023-{1 + r % 12:02d}-{1 + r % 28:02d}")
        ws.write_string(r, 1, f"记-{r:06d}")
        ws.write_string(r, 2, f"支付{rng.choice(subjects)}{rng.randint(1, 99999)}号单据款项")
        ws.write_string(r, 3, rng.choice(subjects))
        ws.write_number(r, 4, round(rng.uniform(10, 50000), 2))
        ws.write_number(r, 5, 0)
        ws.write_string(r, 6, rng.choice(people))
    wb.close()
    return path


SHEET_CODE = """
import sys, time
import python_calamine as pc
from xlsxtool import api

def raw(p):
    t = time.perf_counter()
    book = pc.CalamineWorkbook.from_path(p)
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        sheet.to_python()
        _ = sheet.merged_cell_ranges
    return time.perf_counter() - t

def check(p):
    t = time.perf_counter()
    r = api.check([p])
    return time.perf_counter() - t, len(r.findings)

paths = sys.argv[2:]
api.check([paths[0]])  # warm: imports, caches
best = {}
for _ in range(int(sys.argv[1])):  # raw read and check alternate: a slow spell hits both
    for p in paths:
        seconds, findings = check(p)
        best[p, "check"] = min(best.get((p, "check"), 1e9), seconds)
        best[p, "raw"] = min(best.get((p, "raw"), 1e9), raw(p))
        best[p, "findings"] = findings
for p in paths:
    print(p, best[p, "check"], best[p, "raw"], best[p, "findings"], flush=True)
"""


def timed(cmd: list[str], env: dict[str, str], out: Path | None = None) -> float:
    start = time.perf_counter()
    with open(out or os.devnull, "wb") as fh:
        subprocess.run(cmd, env=env, stdout=fh, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, help="another checkout to measure side by side")
    ap.add_argument("--inbox", type=Path, default=Path("/tmp/bench1000"), help="bulk.py's generated files")
    ap.add_argument("--work", type=Path, default=Path("/tmp/scale15"))
    ap.add_argument("--only", default="zip,sheet,console")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--rows", type=int, default=200_000)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    checkouts = {"this": ROOT, **({"base": args.base.resolve()} if args.base else {})}
    envs = {k: {**os.environ, "PYTHONPATH": str(v)} for k, v in checkouts.items()}
    only = set(args.only.split(","))
    py = sys.executable
    if not any(args.inbox.rglob("*.xlsx")):
        bulk.generate(args.inbox, 1000, 2023)
    members = sorted(args.inbox.rglob("*.xlsx"))

    if "zip" in only:
        zips = {n: make_zip(args.work / f"members{n}.zip", members, n) for n in (1000, 5000)}
        best: dict[tuple[str, int], float] = {}
        for _ in range(args.repeat):
            for name, env in envs.items():
                for n, z in zips.items():
                    cmd = [py, "-m", "xlsxtool", "check", str(z), "--jobs", "1", "--no-annotate", "--format", "json"]
                    t = timed(cmd, env)
                    best[name, n] = min(best.get((name, n), 1e9), t)
        for name in envs:
            a, b = best[name, 1000], best[name, 5000]
            print(f"zip {name}: 1000 members {a:.1f} s, 5000 members {b:.1f} s, ratio {b / a:.2f}")

    if "sheet" in only:
        plain = make_data_workbook(args.work / "forms.xlsx", 0)
        data = make_data_workbook(args.work / f"forms_data{args.rows}.xlsx", args.rows)
        for name, env in envs.items():
            out = subprocess.run([py, "-c", SHEET_CODE, str(args.repeat + 1), str(plain), str(data)], env=env,
                                 capture_output=True, text=True)
            best = {Path(line.split()[0]): [float(v) for v in line.split()[1:4]] for line in out.stdout.splitlines()}
            if len(best) != 2:
                print(out.stderr[-2000:])
                continue
            (check_plain, raw_plain, n_plain), (check_data, raw_data, n_data) = best[plain], best[data]
            added, sheet_raw = check_data - check_plain, raw_data - raw_plain
            print(f"sheet {name}: check forms {check_plain:.3f} s, with data sheet {check_data:.3f} s "
                  f"(added {added:.3f} s); raw read {raw_plain:.3f} / {raw_data:.3f} s (data sheet {sheet_raw:.3f} s); "
                  f"added = {added / sheet_raw:.2f}× the sheet's raw read (findings {n_plain:g} / {n_data:g})")

    if "console" in only:
        best = {}
        for _ in range(args.repeat):
            for name, env in envs.items():
                for fmt in ("rich", "json", "jsonl"):
                    if fmt == "jsonl" and name == "base":
                        continue
                    cmd = [py, "-m", "xlsxtool", "check", str(args.inbox), "--jobs", "2", "--no-annotate",
                           "--format", fmt]
                    out = args.work / f"console_{name}.{fmt}"
                    best[name, fmt] = min(best.get((name, fmt), 1e9), timed(cmd, env, out))
        for name in envs:
            rich, js = best[name, "rich"], best[name, "json"]
            extra = f", jsonl {best[name, 'jsonl']:.1f} s" if (name, "jsonl") in best else ""
            print(f"console {name}: default report {rich:.1f} s, --format json {js:.1f} s{extra}; "
                  f"report costs {(rich - js) / js:+.0%} of the check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
