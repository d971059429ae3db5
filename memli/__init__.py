"""memli: compact models of lithium-filament memristors.

The Li | LLZO | tip filament memristor [lu_yang] and classic memristor models are
declared once as sympy equations (``memli.models``); fast numerical evaluation,
the device simulator, fitting and the Verilog-A / SPICE exporters are all
generated from that single definition.
"""
__version__ = "0.1.0"

from .errors import MemliError, CardError, DataError, ExportError, SimulatorError  # noqa: F401
