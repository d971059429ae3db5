"""Exception hierarchy.  Every message says where, what was found, what was expected."""


class MemliError(Exception):
    """Base class of every error memli raises on bad input or failed runs."""


class CardError(MemliError):
    """A model card is missing, malformed or inconsistent with its model."""


class ModelError(MemliError):
    """A model definition is malformed (raised when a model file is loaded)."""


class DataError(MemliError):
    """Measured or user-supplied data cannot be read or is inconsistent."""


class WaveformError(MemliError):
    """A stimulus waveform is malformed."""


class ExportError(MemliError):
    """A model cannot be exported."""


class SimulatorError(MemliError):
    """An external simulator failed or is missing.  Message includes deck, command, stderr tail."""


class ConvergenceError(MemliError):
    """A numerical solve did not converge."""
