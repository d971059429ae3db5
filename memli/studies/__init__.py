"""Studies: parameter grids and Monte Carlo runs of memli computations on Dask.

>>> from memli.studies import load_study, run_study
>>> summary = run_study("studies/crossbar_read_mc.toml", "out/xbar")  # doctest: +SKIP
"""
from .runner import read_table, run_chunk, run_study  # noqa: F401
from .spec import Study, StudyError, load_study, study_from_dict  # noqa: F401
from .tasks import TASKS, Task, get_task, register  # noqa: F401
