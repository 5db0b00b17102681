#!/usr/bin/python3
"""Tests of nbrun: every kind of failing cell is caught, and charts that did not draw are found.

Run: /usr/bin/python3 -m unittest discover -s scripts -p 'nbrun_test.py' (make test does).
Needs the GoNB kernel and chromium (scripts/setup.sh).
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import nbformat

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nbrun  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMPORT_CELL = ("!*go mod edit -require=github.com/mmlab-go/mmlab@v0.0.0-00010101000000-000000000000 "
               "-replace=github.com/mmlab-go/mmlab=" + REPO)
CHART_CELL = """import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/janpfeifer/must"
	"github.com/mmlab-go/mmlab/figures"
)

%%
bar := charts.NewBar()
bar.SetXAxis([]string{"a", "b"}).AddSeries("s", []opts.BarData{{Value: 1}, {Value: 2}})
must.M(figures.Show(bar))"""


def notebook(dirname, name, *cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "gonb", "display_name": "Go (gonb)", "language": "go"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    path = os.path.join(dirname, name + ".ipynb")
    nbformat.write(nb, path)
    return path


class FailingCells(unittest.TestCase):
    """Each kind of failing cell stops the notebook at that cell with the real message."""

    cases = [
        # name, failing cell, text the reported message must contain
        ("compile_error", '%%\nvar x int = "s"\n_ = x', "cannot use"),
        ("panic", '%%\npanic("boom-42")', "boom-42"),
        ("nonzero_exit", 'import "os"\n%%\nos.Exit(3)', "exit status 3"),
        ("bang", "!false\n!echo after", "exit status 1"),
        ("bang_star", "!*bash -c 'exit 5'", "exit status 5"),
        ("bash_cell", "%%bash\necho start\nfalse\necho end", "exit status 1"),
    ]

    def test_each_kind_is_caught(self):
        with tempfile.TemporaryDirectory() as d:
            for name, cell, want in self.cases:
                with self.subTest(name):
                    path = notebook(d, name, '%%\nfmt.Println("ok")', cell, '%%\nfmt.Println("never")')
                    with self.assertRaises(nbrun.CellFailure) as cm:
                        nbrun.execute(path, os.path.join(d, "out"), timeout=300)
                    f = cm.exception
                    self.assertEqual(f.index, 2, "the second cell failed")
                    self.assertIn(want, f.message)
                    self.assertIn(name, str(f))
                    # The executed copy stops at the failing cell: the third cell never ran.
                    done = nbformat.read(os.path.join(d, "out", name + ".ipynb"), as_version=4)
                    self.assertEqual(done.cells[2].get("outputs"), [])
                    # The executed copy keeps the cell's original source (no injected guard).
                    self.assertNotIn(nbrun.BASH_GUARD, done.cells[1].source)

    def test_main_exits_nonzero_and_reports(self):
        with tempfile.TemporaryDirectory() as d:
            good = notebook(d, "good", '%%\nfmt.Println("fine")')
            bad = notebook(d, "bad", "!false")
            rc = nbrun.main(["--out", os.path.join(d, "out"), "--no-chart-check", good, bad])
            self.assertEqual(rc, 1)
            with open(os.path.join(d, "out", "index.html")) as f:
                index = f.read()
            self.assertIn("failed at cell 1", index)
            self.assertIn('href="good.html"', index)


class Charts(unittest.TestCase):
    def test_chart_draws_offline_in_html_export(self):
        with tempfile.TemporaryDirectory() as d:
            path = notebook(d, "chart", IMPORT_CELL, CHART_CELL, CHART_CELL)
            nb = nbformat.read(path, as_version=4)
            nb.cells[2].metadata["tags"] = ["figure:bars"]  # the second chart: no loader in its output
            nbformat.write(nb, path)
            out, export = os.path.join(d, "out"), os.path.join(d, "export")
            os.makedirs(export)
            self.assertEqual(nbrun.main(["--out", out, "--export", "bars", "--export-dir", export, path]), 0)
            n, missing = nbrun.check_charts(os.path.join(out, "chart.html"))
            self.assertEqual((n, missing), (2, []))
            # The tagged figure was exported by figures.Show (figures.SavePNG, at the chart's own
            # 900×500, not a 920×520 screenshot of the page); the export copied it.
            png = os.path.join(export, "bars.png")
            with open(png, "rb") as f:
                head = f.read(24)
            self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
            self.assertEqual((int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")), (900, 500),
                             "the PNG has the chart's size: it is the library's export")
            blank_page, blank_png = os.path.join(d, "blank.html"), os.path.join(d, "blank.png")
            with open(blank_page, "w") as f:
                f.write("<html><body style='background:#fff'></body></html>")
            with tempfile.TemporaryDirectory() as profile:
                subprocess.run([nbrun.chromium(), *nbrun.CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                "--hide-scrollbars", "--window-size=920,520", f"--screenshot={blank_png}",
                                "file://" + blank_page], capture_output=True, timeout=120, check=True)
            self.assertGreater(os.path.getsize(png), 1.5 * os.path.getsize(blank_png),
                               "the exported PNG is about as small as a blank page")
            n, missing = nbrun.check_charts(os.path.join(out, "figures", "bars.html"))
            self.assertEqual((n, missing), (1, []))
            with open(os.path.join(out, "index.html")) as f:
                index = f.read()
            self.assertIn('src="figures/bars.png"', index, "the report's index shows the key figure")
            self.assertIn('<a href="chart.html">chart</a>', index, "the index names the notebook, not its figure")
            # Asking for a figure no notebook produced fails the run.
            self.assertEqual(nbrun.main(["--out", out, "--no-chart-check", "--export", "nope",
                                         "--export-dir", export, path]), 1)
            # The ECharts script is sent once per kernel, not once per chart.
            with open(os.path.join(out, "chart.ipynb")) as f:
                executed = f.read()
            self.assertEqual(executed.count("if (!window.echarts)"), 1)

    def test_chart_that_did_not_draw_is_found(self):
        with tempfile.TemporaryDirectory() as d:
            page = os.path.join(d, "broken.html")
            with open(page, "w") as f:  # a go-echarts div with no ECharts on the page
                f.write('<html><body><div class="container"><div class="item" id="abc" '
                        'style="width:900px;height:500px;"></div></div></body></html>')
            self.assertEqual(nbrun.check_charts(page), (1, ["abc"]))

    def test_chart_draws_in_live_classic_notebook(self):
        """The executed notebook, opened in a running classic Notebook server, draws its charts."""
        with tempfile.TemporaryDirectory() as d:
            path = notebook(d, "live", IMPORT_CELL, CHART_CELL)
            nbrun.execute(path, d, timeout=300)  # overwrites live.ipynb with the executed copy
            subprocess.run(["jupyter", "trust", path], check=True, capture_output=True)
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            server = subprocess.Popen(
                ["jupyter", "notebook", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                 "--NotebookApp.token=", "--NotebookApp.password=", "--allow-root",
                 f"--notebook-dir={d}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                for _ in range(100):
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        time.sleep(0.2)
                with tempfile.TemporaryDirectory() as profile:
                    flags = [f for f in nbrun.CHROMIUM_FLAGS if not f.startswith("--host-resolver-rules")]
                    dom = subprocess.run(
                        [nbrun.chromium(), *flags, f"--user-data-dir={profile}",
                         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                         "--proxy-bypass-list=127.0.0.1", "--virtual-time-budget=20000", "--dump-dom",
                         f"http://127.0.0.1:{port}/notebooks/live.ipynb"],
                        capture_output=True, text=True, timeout=180).stdout
            finally:
                server.terminate()
                server.wait(10)
            self.assertIn('class="item"', dom, "the notebook page did not render the chart output")
            self.assertIn("_echarts_instance_", dom, "the chart did not draw in the live notebook")


class QuickReport(unittest.TestCase):
    """A quick run (MMLAB_QUICK=1, as make test sets) says so on the report's index."""

    def test_index_says_quick(self):
        with tempfile.TemporaryDirectory() as d:
            rows = [("tour", "ok", 1.0, "1/1")]
            for value, marked in (("1", True), ("", False)):
                os.environ["MMLAB_QUICK"] = value
                try:
                    nbrun.write_index(d, rows)
                finally:
                    os.environ.pop("MMLAB_QUICK", None)
                with open(os.path.join(d, "index.html")) as f:
                    index = f.read()
                self.assertEqual("Quick run" in index and "mmlab report (quick)" in index, marked,
                                 f"MMLAB_QUICK={value!r}: index marks the run as quick: {not marked}")


NUMBER_CELL = """import (
	"github.com/janpfeifer/must"
	"github.com/mmlab-go/mmlab/figures"
)

%%
must.M(figures.ShowCaption("gap %.3f", figures.N("NAME", VALUE)))"""


def number_cell(name, value):
    return NUMBER_CELL.replace("NAME", name).replace("VALUE", value)


class Numbers(unittest.TestCase):
    """The numbers that captions name end up in <out>/numbers.json; conflicting ones fail the run."""

    def test_named_numbers_are_merged(self):
        with tempfile.TemporaryDirectory() as d:
            a = notebook(d, "a", IMPORT_CELL, number_cell("t.gap", "0.0546"), number_cell("t.x", "-1"))
            b = notebook(d, "b", IMPORT_CELL, number_cell("t.y", "2"))
            out = os.path.join(d, "out")
            self.assertEqual(nbrun.main(["--out", out, "--no-chart-check", a, b]), 0)
            with open(os.path.join(out, "numbers.json")) as f:
                doc = json.load(f)
            self.assertEqual(doc["numbers"], {"t.gap": {"value": 0.0546, "notebook": "a"},
                                              "t.x": {"value": -1.0, "notebook": "a"},
                                              "t.y": {"value": 2.0, "notebook": "b"}})
            self.assertIs(doc["quick"], nbrun.quick())

    def test_conflicts_fail(self):
        with self.assertRaises(nbrun.NumbersError) as cm:
            nbrun.merge_numbers([("a", {"x": 1.0}), ("b", {"x": 1.5})])
        self.assertIn("x is 1.0 in a but 1.5 in b", str(cm.exception))
        self.assertEqual(nbrun.merge_numbers([("a", {"x": 1.0}), ("b", {"x": 1.0})]),
                         {"x": {"value": 1.0, "notebook": "a"}})
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "n.jsonl")
            with open(path, "w") as f:
                f.write('{"name": "x", "value": 1}\n{"name": "x", "value": 2}\n')
            with self.assertRaises(nbrun.NumbersError) as cm:
                nbrun.read_numbers(path, "nb")
            self.assertIn("x recorded twice", str(cm.exception))
            with open(path, "w") as f:
                f.write('{"value": 1}\n')
            with self.assertRaises(nbrun.NumbersError):
                nbrun.read_numbers(path, "nb")


if __name__ == "__main__":
    unittest.main()
