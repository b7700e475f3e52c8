#!/usr/bin/env python3
"""`make bench`: the pipeline side by side with the engines and peers, on this machine.

For generated briefings at 1x, 10x and 40x the length of the Mali briefing in source/
(generated in a scratch folder, never committed), in one run with the runs interleaved
(A B A B ...) so that both sides of a ratio see the same machine:

  pdf        `build.py pdf --force` vs bare `weasyprint --pdf-tags` on the HTML the
             pipeline typeset (`build.py pdf --save-html`), whole processes; warm (the
             cache of covers, font coverage and subsets filled by an earlier build) and
             cold (the cache emptied before each pipeline run: a first build);
  epub       `build.py epub --force` vs Pandoc's EPUB writer on the same Markdown, warm and cold;
  no-change  `build.py all` with nothing to do, whole process;
  watch      inside one `watch` process: save -> every edition current, and each edition's
             own render; the PDF against WeasyPrint's own in-process render+write of the
             saved HTML (warm, same process kind);
  memory     peak resident memory of the pipeline's PDF build vs bare WeasyPrint.

Prints one table of medians and ratios, writes bench/results.json and draws
bench/results.svg (ratios per scale, and growth with length per edition).

    .venv/bin/python tests/benchmarks/engines.py [--runs N] [--scales 1,10,40] [--quick] [--library N]

Then the library's rows (tests/benchmarks/library_bench.py): N generated briefings (default 200)
built with --jobs 1 and 2, a no-change rebuild, one briefing edited, the parent's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from chart import draw_chart  # noqa: E402
from editor_loop import copy_project  # noqa: E402  (the tool and the Mali briefing, copied)
from live import Command  # noqa: E402

BENCH_DIR = ROOT / "bench"
PYTHON = sys.executable
WEASYPRINT = str(Path(sys.executable).with_name("weasyprint"))


# --- the briefings ----------------------------------------------------------------------


def scaled_source(project: Path, scale: int) -> Path:
    """The Mali briefing's sections repeated `scale` times (each copy a file of its own)."""
    import yaml

    original = project / "source"
    if scale == 1:
        return original
    target = project / f"source-{scale}x"
    shutil.copytree(original, target)
    manifest = yaml.safe_load((original / "briefing.yml").read_text(encoding="utf-8"))
    listed = []
    for copy in range(scale):
        for rel in manifest["sections"]:
            if copy == 0:
                listed.append(rel)
                continue
            path = target / rel
            name = path.with_name(f"{copy:02d}-{path.name}")
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"(?m)^id: (\S+)$", rf"id: \1-{copy}", text)  # front-matter ids stay unique
            text = re.sub(r"(?m)^(#{1,2} .+)$", rf"\1 ({copy + 1})", text, count=0)
            name.write_text(text, encoding="utf-8")
            listed.append(name.relative_to(target).as_posix())
    manifest["sections"] = listed
    (target / "briefing.yml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
                                         encoding="utf-8")
    return target


# --- timing ---------------------------------------------------------------------------


def timed(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int]:
    """Whole-process wall time (s) and peak resident memory (MiB) of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed:\n{stderr}")
    return seconds, usage.ru_maxrss // 1024


def paired(a: list[str], b: list[str], cwd: Path, runs: int, cold: bool = False) -> dict:
    """A B A B ...: medians of both, their ratio, and both sides' peak memory. `cold`: the
    cache (press.base.diskcache, under the bench's own XDG_CACHE_HOME) is emptied before each A."""
    times = {"a": [], "b": []}
    memory = {"a": [], "b": []}
    for _ in range(runs):
        for side, command in (("a", a), ("b", b)):
            if cold and side == "a":
                shutil.rmtree(Path(os.environ["XDG_CACHE_HOME"]) / "press", ignore_errors=True)
            seconds, mib = timed(command, cwd)
            times[side].append(seconds)
            memory[side].append(mib)
    ma, mb = statistics.median(times["a"]), statistics.median(times["b"])
    return {"pipeline": ma, "peer": mb, "ratio": ma / mb, "runs": times,
            "pipeline_mib": max(memory["a"]), "peer_mib": max(memory["b"])}


def build(project: Path, *args) -> list[str]:
    return [PYTHON, str(project / "build.py"), *map(str, args)]


def pdf_vs_weasyprint(project: Path, source: Path, out: Path, runs: int, cold: bool = False) -> dict:
    saved = out.parent / f"{out.name}-saved" / "index.html"
    subprocess.run(build(project, "pdf", "--force", "--source", source, "--out", out, "--save-html", saved),
                   cwd=project, check=True, capture_output=True)
    return paired(build(project, "pdf", "--force", "-q", "--source", source, "--out", out),
                  [WEASYPRINT, "--pdf-tags", str(saved), str(out.parent / "bare.pdf")], project, runs, cold) | {
        "saved_html": str(saved)}


def epub_vs_pandoc(project: Path, source: Path, out: Path, runs: int, cold: bool = False) -> dict:
    import pypandoc
    import yaml

    manifest = yaml.safe_load((source / "briefing.yml").read_text(encoding="utf-8"))
    pandoc = [pypandoc.get_pandoc_path(), "--from", "markdown", "--to", "epub3",
              "--metadata", f"title={manifest['title']}", "--metadata", f"lang={manifest['language']}",
              "--resource-path", str(source), "-o", str(out.parent / "pandoc.epub"),
              *[str(source / rel) for rel in manifest["sections"]]]
    epub = build(project, "epub", "--force", "-q", "--source", source, "--out", out)
    if not cold:  # warm: the cover and the subsets are in the cache before the first timed run
        subprocess.run(epub, cwd=project, check=True, capture_output=True)
    return paired(epub, pandoc, project, runs, cold)


def no_change(project: Path, source: Path, out: Path, runs: int) -> dict:
    command = build(project, "all", "--source", source, "--out", out)
    subprocess.run(command, cwd=project, check=True, capture_output=True)
    times = [timed(command, project)[0] for _ in range(runs)]
    return {"pipeline": statistics.median(times), "runs": times}


def in_process_weasyprint(saved_html: str, runs: int) -> float:
    """WeasyPrint's own render + write of the saved HTML, warm, in one process (median)."""
    code = (
        "import statistics, sys, time, weasyprint\n"
        "from weasyprint.text.fonts import FontConfiguration\n"
        "fc = FontConfiguration(); times = []\n"
        f"for _ in range({runs + 1}):\n"
        "    t = time.perf_counter()\n"
        f"    weasyprint.HTML(filename={saved_html!r}).render(font_config=fc, pdf_tags=True)"
        ".write_pdf(pdf_tags=True)\n"
        "    times.append(time.perf_counter() - t)\n"
        "print(statistics.median(times[1:]))\n")
    result = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout.strip())


def watch_edits(project: Path, source: Path, out: Path, runs: int) -> dict:
    """Save one section inside `watch`: save -> every edition current, and each edition's render."""
    import yaml

    manifest = yaml.safe_load((source / "briefing.yml").read_text(encoding="utf-8"))
    section = source / manifest["sections"][min(4, len(manifest["sections"]) - 1)]
    figures: dict[str, list[float]] = {"total": []}
    subprocess.run(build(project, "all", "--source", source, "--out", out), cwd=project, check=True,
                   capture_output=True)
    with Command("watch", "--no-serve", "--source", source, "--out", out,
                 build_py=project / "build.py", cwd=project) as watch:
        watch.wait_for("^watching ", 300)
        for n in range(runs):
            time.sleep(0.5)
            mark = watch.mark()
            original = section.read_text(encoding="utf-8")
            started = time.perf_counter()
            section.write_text(original + f"\nA sentence added by the benchmark, edit {n}.\n", encoding="utf-8")
            watch.wait_for(r"^rebuilt (.*) in [\d.]+ s$", 600, since=mark)
            figures["total"].append(time.perf_counter() - started)
            for line in watch.lines[mark:]:
                if found := re.match(r"^  rebuilt (\w[\w-]*) .* ([\d.]+) s$", line):
                    figures.setdefault(found.group(1), []).append(float(found.group(2)))
    return {name: statistics.median(values) for name, values in figures.items()}


# --- the table --------------------------------------------------------------------------

TARGETS = {
    "pdf": ("<=", 1.10, {40: 1.05}),     # ratio to bare weasyprint (40x: 1.05)
    "epub": ("<=", 1.0, {40: 0.3}),      # ratio to Pandoc (40x: 0.3)
    "no-change": ("<=", 0.12, {}),       # seconds
    "watch-pdf": ("<=", 1.05, {}),       # ratio to in-process WeasyPrint
    "watch-epub": ("<=", 0.08, {}),      # seconds
    "watch-total": ("<=", 1.0, {}),      # ratio to the PDF's render alone
    "memory": ("<=", 1.10, {}),          # ratio of peak RSS to bare weasyprint
}


def verdict(key: str, scale: int, value: float) -> tuple[float, str]:
    _, default, per_scale = TARGETS[key]
    target = per_scale.get(scale, default)
    return target, "met" if value <= target else "missed"


def rows(results: dict) -> list[dict]:
    out = []
    for scale_name, r in results["scales"].items():
        scale = int(scale_name.rstrip("x"))
        pdf, epub = r["pdf"], r["epub"]
        out.append(dict(scale=scale_name, what="PDF vs bare weasyprint", now=pdf["pipeline"],
                        peer=pdf["peer"], ratio=pdf["ratio"], key="pdf"))
        out.append(dict(scale=scale_name, what="EPUB vs Pandoc", now=epub["pipeline"],
                        peer=epub["peer"], ratio=epub["ratio"], key="epub"))
        for key, label in (("pdf", "PDF vs bare weasyprint, cold cache"), ("epub", "EPUB vs Pandoc, cold cache")):
            if f"{key}_cold" in r:
                cold = r[f"{key}_cold"]
                out.append(dict(scale=scale_name, what=label, now=cold["pipeline"], peer=cold["peer"],
                                ratio=cold["ratio"], key=key))
        out.append(dict(scale=scale_name, what="all, nothing changed", now=r["no_change"]["pipeline"],
                        peer=None, ratio=None, key="no-change"))
        w = r["watch"]
        out.append(dict(scale=scale_name, what="watch: PDF render vs in-process weasyprint",
                        now=w.get("pdf", float("nan")), peer=r["weasyprint_in_process"],
                        ratio=w.get("pdf", float("nan")) / r["weasyprint_in_process"], key="watch-pdf"))
        out.append(dict(scale=scale_name, what="watch: EPUB render", now=w.get("epub", float("nan")),
                        peer=None, ratio=None, key="watch-epub"))
        out.append(dict(scale=scale_name, what="watch: save -> all current vs PDF render",
                        now=w["total"], peer=w.get("pdf"), ratio=w["total"] / w["pdf"] if w.get("pdf") else None,
                        key="watch-total"))
        out.append(dict(scale=scale_name, what="peak memory MiB, PDF vs weasyprint", now=pdf["pipeline_mib"],
                        peer=pdf["peer_mib"], ratio=pdf["pipeline_mib"] / pdf["peer_mib"], key="memory"))
    for row in out:
        value = row["ratio"] if row["ratio"] is not None else row["now"]
        row["target"], row["verdict"] = verdict(row["key"], int(row["scale"].rstrip("x")), value)
    return out


def print_table(table: list[dict]) -> None:
    header = f"{'scale':>5}  {'measure':<46} {'now':>9} {'peer':>9} {'ratio':>7} {'target':>7}  verdict"
    print(header)
    print("-" * len(header))
    for row in table:
        peer = f"{row['peer']:9.3f}" if row["peer"] is not None else " " * 9
        ratio = f"{row['ratio']:6.2f}x" if row["ratio"] is not None else " " * 7
        unit = "" if row["key"] == "memory" else ""
        target = f"{row['target']:.2f}{'x' if row['ratio'] is not None else 's'}"
        print(f"{row['scale']:>5}  {row['what']:<46} {row['now']:9.3f}{unit} {peer} {ratio} {target:>7}  {row['verdict']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per side (medians)")
    parser.add_argument("--scales", default="1,10,40", help="lengths, in multiples of the Mali briefing")
    parser.add_argument("--out", type=Path, default=BENCH_DIR, help="where results.json and results.svg go")
    parser.add_argument("--library", type=int, default=200, metavar="N",
                        help="the library rows: N generated briefings (library_bench.py); 0 leaves them out")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    results = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
               "runs": args.runs, "scales": {}}
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["XDG_CACHE_HOME"] = str(Path(scratch) / "xdg")  # the bench's own cache, never the user's
        project = copy_project(Path(scratch))
        for scale in scales:
            source = scaled_source(project, scale)
            out = Path(scratch) / f"out-{scale}x"
            runs = args.runs if scale < 40 else max(2, args.runs - 1)
            print(f"bench: {scale}x ...", file=sys.stderr, flush=True)
            r: dict = {}
            r["pdf"] = pdf_vs_weasyprint(project, source, out, runs)
            r["epub"] = epub_vs_pandoc(project, source, out, runs)
            r["pdf_cold"] = pdf_vs_weasyprint(project, source, out, runs, cold=True)
            r["pdf_cold"].pop("saved_html")
            r["epub_cold"] = epub_vs_pandoc(project, source, out, runs, cold=True)
            r["no_change"] = no_change(project, source, out, max(runs, 5))
            r["weasyprint_in_process"] = in_process_weasyprint(r["pdf"].pop("saved_html"), runs)
            r["watch"] = watch_edits(project, source, out, runs)
            results["scales"][f"{scale}x"] = r
    table = rows(results)
    results["table"] = table
    print_table(table)
    if args.library:  # the library at scale: its own rows (jobs 1 and 2, no-change, one edit, memory)
        import library_bench

        print(f"bench: a library of {args.library} briefings ...", file=sys.stderr, flush=True)
        results["library"] = library_bench.run(args.library, args.runs, log=lambda line: print(line, file=sys.stderr))
        print()
        library_bench.print_rows(results["library"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    (args.out / "results.svg").write_text(draw_chart(results))
    print(f"\nwrote {args.out / 'results.json'} and {args.out / 'results.svg'}")


if __name__ == "__main__":
    main()
