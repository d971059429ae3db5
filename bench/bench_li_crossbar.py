"""Crossbar write-then-read transient of issue 14: memli vs ngspice (same deck).

16 x 16 llzo_tip cells (variability off, 1 ohm wires, LRS diagonal), V/2 SET of the
corner cell at -0.3 V for 1 ms, then each row read at -0.05 V.  ngspice: the exported
deck's .tran plus one .op per row read; memli: ``program`` plus ``read_rows``.  One run
each (ngspice takes minutes); ``--quick`` uses 8 x 8.
"""
from __future__ import annotations

import sys
from pathlib import Path


def run(quick: bool = False, full: bool = False):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
    from test_crossbar_write_read_ngspice import run_both, write_read_case
    import numpy as np

    from memli.circuits.writes import program
    n = 8 if quick else 16
    # memli builds a model's numpy functions once per process (as OpenVAF compiles a
    # module once for VACASK): build them before timing
    xb, pulses = write_read_case(2)
    program(xb, pulses)
    r = run_both(n)
    dx = float(np.abs(r["memli_states"] - r["ngspice_states"]).max())
    di = float(np.abs(r["memli_read_a"] / r["ngspice_read_a"] - 1).max())
    return [(f"crossbar {n}x{n} V/2 write 1 ms + {n} row reads (ngspice tran+op)", n,
             r["ngspice_s"], r["memli_s"],
             f"single run; max state diff {dx:.2g}, read current diff {di:.2g}")]
