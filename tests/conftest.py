"""Test-suite configuration.

Under CI (``CI`` set) hypothesis runs derandomized, so a run is reproducible: the
same examples every time; locally it explores new examples on every run.
"""
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
