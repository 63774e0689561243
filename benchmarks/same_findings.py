"""Do two checkouts report the same findings, byte for byte? (A refactor's acceptance test.)

    python benchmarks/same_findings.py /path/to/main /path/to/branch [--bench /tmp/bench1000]

Writes the corpora once (the real tables of tests/real/tables as workbooks, numbers typed and
all text; the reports of tests/real/reports as .docx; samples/ and tests/fixtures/), then for each
checkout runs `xlsxtool check CORPUS --format json --no-annotate` over every corpus (and the
benchmark folder of benchmarks/bulk.py, if given, with --jobs 2), plus every file on its own in
one process (findings must not depend on the batch a file is validated in), and compares the
outputs byte for byte. Exit 0: all the same.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PER_FILE = """
import json, sys
from pathlib import Path
from xlsxtool import api
out = {str(p): [f.to_dict() for f in api.check([p]).findings]
       for p in sorted(Path(sys.argv[1]).rglob("*")) if p.is_file()}
print(json.dumps(out, ensure_ascii=False, indent=0, sort_keys=True))
"""


def build_corpora(root: Path, out: Path) -> None:
    code = f"""
import shutil, sys
from pathlib import Path
sys.path.insert(0, {str(root)!r})
from tests.real import corpus, reports
out = Path({str(out)!r})
for t in corpus.all_tables():
    corpus.render_xlsx(t, out / "tables_num" / f"{{t.name}}.xlsx", numbers=True)
    corpus.render_xlsx(t, out / "tables_txt" / f"{{t.name}}.xlsx", numbers=False)
for r in reports.all_reports():
    reports.write_docx(r, out / "reports" / f"{{r.name}}.docx")
for src in ("samples", "tests/fixtures"):
    shutil.copytree(Path({str(root)!r}) / src, out / Path(src).name, dirs_exist_ok=True)
"""
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(root)})


def dump(root: Path, corpora: Path, bench: Path | None, out: Path) -> None:
    out.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(root)}
    for corpus in sorted(p for p in corpora.iterdir() if p.is_dir()):
        proc = subprocess.run([sys.executable, "-m", "xlsxtool", "check", corpus.name, "--format", "json", "--no-annotate"],
                              cwd=corpora, env=env, capture_output=True)
        (out / f"{corpus.name}.json").write_bytes(proc.stdout)
    if bench is not None:
        proc = subprocess.run([sys.executable, "-m", "xlsxtool", "check", bench.name, "--format", "json", "--no-annotate",
                               "--jobs", "2"], cwd=bench.parent, env=env, capture_output=True)
        (out / "bench.json").write_bytes(proc.stdout)
    proc = subprocess.run([sys.executable, "-c", PER_FILE, str(corpora)], env=env, capture_output=True, check=True)
    (out / "per_file.json").write_bytes(proc.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--bench", type=Path, help="the folder benchmarks/bulk.py --keep generated")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="same-findings-"))
    try:
        build_corpora(args.before.resolve(), work / "corpora")
        for name, root in (("before", args.before), ("after", args.after)):
            dump(root.resolve(), work / "corpora", args.bench.resolve() if args.bench else None, work / name)
        same = True
        for before in sorted((work / "before").iterdir()):
            after = work / "after" / before.name
            equal = before.read_bytes() == after.read_bytes()
            data = json.loads(before.read_bytes() or b"{}")
            files = len(data.get("files", data))
            findings = (sum(len(f["findings"]) for f in data["files"]) if "files" in data
                        else sum(len(v) for v in data.values()))
            print(f"{'same' if equal else 'DIFFERENT':9} {before.name:18} {files:5} files {findings:6} findings")
            same &= equal
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
