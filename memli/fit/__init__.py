"""Fitting memli models to I-V data: global and per-cycle fits with uncertainties, model
ranking, a verdict on every fit, and pulse-response fits."""
from .core import FitData, FitResult, ParamResult, fit, fit_per_cycle, goodness  # noqa: F401
