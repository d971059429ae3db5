"""Test-suite configuration.

Hypothesis runs derandomized, so every run (CI or local, `make test` or pytest) checks
the same examples and a failure reproduces.  To explore new examples, set
``MEMLI_HYPOTHESIS_EXPLORE=1``.
"""
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True, database=None)
if not os.environ.get("MEMLI_HYPOTHESIS_EXPLORE"):
    settings.load_profile("ci")
