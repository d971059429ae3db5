"""Arrays of memli devices: crossbars and tip-to-film arrays.

* :mod:`memli.circuits.network` -- nodal equations of a crossbar (wiring convention).
* :mod:`memli.circuits.solver` -- fast exact solver (line relaxation + coarse grid PCG).
* :mod:`memli.circuits.crossbar` -- :class:`Crossbar` of any model: read / VMM, Newton.
* :mod:`memli.circuits.writes` -- bias schemes, disturb, sneak paths, pulse programming.
* :mod:`memli.circuits.netlist` -- the same arrays as ngspice decks, and running them.
* :mod:`memli.circuits.tipfilm` -- many tips on one LLZO film ([lu_yang]'s architecture).
"""
from .crossbar import Crossbar, DCResult, ReadResult, dc_linear, ideal_vmm
from .network import Wires
from .selector import SINH_SELECTOR, Selector

__all__ = ["Crossbar", "DCResult", "ReadResult", "dc_linear", "ideal_vmm", "Wires",
           "Selector", "SINH_SELECTOR"]
