"""Device simulator: waveforms and implicit time integration of any memli model."""
from .device import SimResult, simulate  # noqa: F401
from .waveform import Waveform  # noqa: F401
