"""Deprecated location of :mod:`memli.simulators.verify` (kept for one release).

``import memli.verify`` gives the same module object as ``memli.simulators.verify``.
"""
import sys

from .simulators import verify as _verify

sys.modules[__name__] = _verify
