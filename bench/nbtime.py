#!/usr/bin/python3
"""nbtime.py — scripts/nbrun.py with a stopwatch on every cell (for `make bench`).

Usage: nbtime.py TIMES.json NBRUN-ARGS...

Runs nbrun.py's main() unchanged (same kernel, same failure checks, same outputs) and writes
TIMES.json: one {"cell": N, "seconds": S} per executed code cell (N 1-based, as nbrun numbers
cells), S the wall time from sending the cell to the kernel until its reply and outputs were
complete — what a user waits for: GoNB's goimports, `go get`, `go build` and the run. nbclient's
own record_timing metadata cannot serve: the GoNB kernel's message timestamps have one-second
resolution.
"""
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # no scripts/__pycache__ in the checkout
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))

import nbrun  # noqa: E402
from nbclient import NotebookClient  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, args = sys.argv[1], sys.argv[2:]
    times = []
    execute = NotebookClient.execute_cell

    def timed(self, cell, index, *a, **kw):
        t0 = time.perf_counter()
        try:
            return execute(self, cell, index, *a, **kw)
        finally:
            times.append({"cell": index + 1, "seconds": time.perf_counter() - t0})

    NotebookClient.execute_cell = timed
    code = nbrun.main(args)
    with open(out, "w") as f:
        json.dump(times, f)
    return code


if __name__ == "__main__":
    sys.exit(main())
