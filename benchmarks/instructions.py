"""Per-file CPU instructions of each stage, counted by valgrind: a noise-free companion to bulk.py.

    python benchmarks/instructions.py [--inbox DIR] [--files 10,70] [--stages read,extract]
        # needs valgrind (apt install valgrind)

Wall times on a shared VM swing by ±30 % from minute to minute, which hides changes of a few
per cent. Instruction counts barely swing: each stage runs under `valgrind --tool=cachegrind`
on 10 and on 70 workbooks, and the difference / 60 is that stage's cost per file (start-up,
imports and per-batch costs cancel out; runs of the same code agree within ~0.1 M). Stages are cumulative: `extract` includes `read`.
Instructions are not time (the Rust reader retires ~2× more instructions per ns than Python
code), so compare a stage with itself across commits, and `raw` with `check` only as a ratio.

The inbox defaults to the folder `bulk.py --keep /tmp/bench1000` generates.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STAGE = r"""
import gc, sys
from pathlib import Path
stage, inbox, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = [str(p) for p in sorted(Path(inbox).rglob("*.xlsx"))[:n]]
gc.set_threshold(50_000, 20, 100)  # as xlsxtool.api.check runs
if stage == "raw":  # the floor exactly as bulk.py reads it
    sys.path.insert(0, sys.argv[4])
    from bulk import raw_read
    raw_read([Path(p) for p in files])
    sys.exit()
from xlsxtool import api
from xlsxtool.normalize import extract, to_frames
from xlsxtool.read import read_bytes
from xlsxtool.validate import validate
if stage == "read":
    for p in files:
        read_bytes(Path(p).read_bytes(), p)
elif stage == "extract":
    for p in files:
        extract(read_bytes(Path(p).read_bytes(), p))
elif stage == "validate":
    validate(to_frames([extract(read_bytes(Path(p).read_bytes(), p)) for p in files]))
elif stage == "check":
    api.check(files, jobs=1)
"""

STAGES = ("raw", "read", "extract", "validate", "check")


def instructions(stage: str, inbox: Path, n: int) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-c", STAGE, stage, str(inbox), str(n), str(Path(__file__).parent)],
        capture_output=True, text=True, env=env, check=False,
    )
    m = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if m is None:
        raise SystemExit(f"valgrind failed for {stage}:\n{proc.stderr[-2000:]}")
    return int(m.group(1).replace(",", ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inbox", type=Path, default=Path("/tmp/bench1000"))
    ap.add_argument("--files", type=lambda t: tuple(int(x) for x in t.split(",")), default=(10, 70),
                    help="the two run sizes whose difference is counted (default 10,70; with 10,30 the count "
                         "moved ±2 M between runs: calamine seeds its hash maps per process)")
    ap.add_argument("--stages", default=",".join(STAGES),
                    help=f"comma-separated subset of {','.join(STAGES)} (default: all)")
    args = ap.parse_args()
    if not any(args.inbox.rglob("*.xlsx")):
        raise SystemExit(f"no workbooks in {args.inbox}: run benchmarks/bulk.py --keep {args.inbox} first")
    stages = [s for s in args.stages.split(",") if s]
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise SystemExit(f"unknown stage(s): {', '.join(sorted(unknown))}; choose from {', '.join(STAGES)}")
    # Bytecode first: a module changed since the last run is compiled by whichever run imports
    # it first, and that compile (millions of instructions) must not land in one of the counts.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "xlsxtool")], check=True)
    per_file = {}
    few, many = args.files
    for stage in stages:
        per_file[stage] = (instructions(stage, args.inbox, many) - instructions(stage, args.inbox, few)) / (many - few)
        print(f"{stage:9} {per_file[stage] / 1e6:7.1f} M instructions per file", flush=True)
    if "raw" in per_file and "check" in per_file:
        print(f"\nraw / check (instructions): {per_file['raw'] / per_file['check']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
