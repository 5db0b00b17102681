#!/usr/bin/python3
"""nbrun — execute GoNB notebooks headless, fail loudly, write a report, check that charts drew.

Usage: nbrun.py [--out DIR] [--no-chart-check] [--timeout SECONDS] NOTEBOOK.ipynb...

For every notebook, in a fresh GoNB kernel, cell by cell:
  * a cell fails on an error output (compile error, panic, non-zero exit of the cell's program),
    and ALSO on a failing shell line: GoNB only prints "exit status N" for a failing `!cmd` or
    `!*cmd`, and `%%bash` cells go on after a failing line, so %%bash cells run with
    `set -eo pipefail` prepended and any "exit status N" (N > 0) on stderr counts as a failure;
  * the first failing cell stops that notebook; the run prints the notebook, the cell number,
    the cell's source and the real compiler/runtime message, and exits non-zero at the end.
Executed copies (.ipynb) and their HTML export go to DIR (default: report/), with an index.html.
Then headless Chromium, with networking disabled, loads every HTML page and checks that every
ECharts chart div received an ECharts instance, i.e. that the chart really drew offline.

Needs Debian's jupyter-nbconvert, python3-nbclient and chromium (scripts/setup.sh installs them).
"""
import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

EXIT_STATUS = re.compile(r"^exit status ([1-9][0-9]*)\s*$", re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# go-echarts renders every chart as <div class="item" id="..."> (templates/base_element.tpl).
CHART_DIV = re.compile(r'<div class="item" id="([A-Za-z0-9_-]+)"')
BASH_GUARD = "set -eo pipefail  # added by nbrun: a failing line fails the cell"


class CellFailure(Exception):
    def __init__(self, notebook, index, source, message):
        super().__init__(message)
        self.notebook, self.index, self.source, self.message = notebook, index, source, message

    def __str__(self):
        src = "\n".join("    | " + l for l in self.source.splitlines()[:40])
        msg = "\n".join("    " + l for l in ANSI.sub("", self.message).rstrip().splitlines())
        return f"FAILED {self.notebook}, cell {self.index}:\n{src}\n  error:\n{msg}"


def cell_error(cell):
    """Returns the failure message of an executed code cell, or None if it succeeded."""
    outputs = cell.get("outputs", [])
    stderr = "".join(o.get("text", "") for o in outputs
                     if o.get("output_type") == "stream" and o.get("name") == "stderr")
    for out in outputs:
        if out.get("output_type") == "error":
            # Compile errors carry the message in the traceback; a panic's message and stack
            # went to stderr before GoNB reported "exit status 2".
            tb = "\n".join(out.get("traceback") or [])
            return "\n".join(x for x in (stderr.strip(), tb.strip() or out.get("evalue", "")) if x)
    if EXIT_STATUS.search(ANSI.sub("", stderr)):
        return "a shell command in this cell failed:\n" + stderr
    return None


def guard_bash(source):
    lines = source.split("\n")
    if lines and lines[0].strip() == "%%bash":
        return "\n".join([lines[0], BASH_GUARD] + lines[1:])
    return source


def execute(path, out_dir, timeout):
    """Executes one notebook; writes the executed copy and HTML; raises CellFailure."""
    nb = nbformat.read(path, as_version=4)
    name = os.path.splitext(os.path.basename(path))[0]
    client = NotebookClient(nb, kernel_name="gonb", timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    failure = None
    os.makedirs(out_dir, exist_ok=True)
    # The kernel's own log (GoNB logs every cell to stderr) goes to a file next to the report.
    with open(os.path.join(out_dir, name + ".kernel.log"), "w") as log, client.setup_kernel(stderr=log):
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            original = cell.source
            cell.source = guard_bash(original)
            try:
                client.execute_cell(cell, i)
            except Exception as e:  # timeouts, dead kernels
                failure = CellFailure(path, i + 1, original, f"{type(e).__name__}: {e}")
            cell.source = original
            if failure is None:
                msg = cell_error(cell)
                if msg is not None:
                    failure = CellFailure(path, i + 1, original, msg)
            if failure is not None:
                break
    nbformat.write(nb, os.path.join(out_dir, name + ".ipynb"))
    body, _ = HTMLExporter().from_notebook_node(nb)
    with open(os.path.join(out_dir, name + ".html"), "w", encoding="utf-8") as f:
        f.write(body)
    if failure is not None:
        raise failure


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    # No network at all: every host resolves to nothing, and any proxy use goes nowhere.
    "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
]


def chromium():
    for c in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(c)
        if p:
            return p
    return None


def check_charts(html_path, budget_ms=15000):
    """Returns (number of charts, ids of charts that did not draw) for one HTML page."""
    with open(html_path, encoding="utf-8") as f:
        ids = sorted(set(CHART_DIV.findall(f.read())))
    if not ids:
        return 0, []
    exe = chromium()
    if exe is None:
        raise SystemExit("nbrun: chromium is not installed (run `make setup`); cannot check charts")
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--virtual-time-budget={budget_ms}", "--dump-dom", "file://" + os.path.abspath(html_path)],
            capture_output=True, text=True, timeout=180).stdout
    missing = []
    for cid in ids:
        m = re.search(r'<div[^>]*id="%s"[^>]*>' % re.escape(cid), dom)
        if not m or "_echarts_instance_" not in m.group(0):
            missing.append(cid)
    return len(ids), missing


def write_index(out_dir, rows):
    items = []
    for name, status, seconds, charts in rows:
        colour = "#1a7f37" if status == "ok" else "#cf222e"
        items.append(f'<tr><td><a href="{html.escape(name)}.html">{html.escape(name)}</a></td>'
                     f'<td style="color:{colour}">{html.escape(status)}</td>'
                     f'<td>{seconds:.1f} s</td><td>{charts}</td></tr>')
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>mmlab report</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}}td,th{{padding:4px 12px;text-align:left}}</style>
</head><body>
<h1>mmlab report</h1>
<p>Every notebook in <code>notebooks/</code>, executed headless with the GoNB kernel on
{html.escape(time.strftime("%Y-%m-%d %H:%M %Z"))}. Charts are drawn offline (ECharts inlined).</p>
<table><tr><th>notebook</th><th>status</th><th>time</th><th>charts drawn</th></tr>
{chr(10).join(items)}
</table></body></html>
"""
    with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write(page)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--out", default="report")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    ap.add_argument("--no-chart-check", action="store_true")
    args = ap.parse_args(argv)

    rows, failures = [], []
    for path in args.notebooks:
        name = os.path.splitext(os.path.basename(path))[0]
        print(f"nbrun: {path} ...", flush=True)
        start = time.time()
        status = "ok"
        try:
            execute(path, args.out, args.timeout)
        except CellFailure as f:
            failures.append(str(f))
            print(str(f), flush=True)
            status = f"failed at cell {f.index}"
        seconds = time.time() - start
        charts = "-"
        html_path = os.path.join(args.out, name + ".html")
        if status == "ok" and not args.no_chart_check:
            n, missing = check_charts(html_path)
            charts = f"{n - len(missing)}/{n}"
            if missing:
                status = "charts not drawn"
                failures.append(f"FAILED {path}: {len(missing)} of {n} charts did not draw in {html_path}: {', '.join(missing)}")
                print(failures[-1], flush=True)
        print(f"nbrun: {path}: {status} in {seconds:.1f} s, charts drawn {charts}", flush=True)
        rows.append((name, status, seconds, charts))
    write_index(args.out, rows)
    print(f"nbrun: report in {os.path.join(args.out, 'index.html')}")
    print(f"nbrun: {len(rows) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
