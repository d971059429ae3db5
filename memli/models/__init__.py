"""Model definitions.  One file per model; see :mod:`memli.models.base`."""
from .base import Model, ModelBuilder, Param, State, V, get_model, registry  # noqa: F401
