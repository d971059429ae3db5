"""Analog study tasks and chunk grouping of the study runner."""
import numpy as np
import pytest

from memli.studies import run_study
from memli.studies.runner import group_chunks, read_table, run_chunks
from memli.studies.spec import study_from_dict
from memli.studies.tasks import TASKS

STUDY = {"name": "tiles", "task": "analog_tile", "seed": 4, "samples": 2, "chunk_size": 3,
         "fixed": {"card": "oxide_10k", "inputs": 8},
         "grid": {"tile": [8, 16], "r_wire_ohm": [0.0, 50.0]}}


def test_group_chunks_keeps_order_and_covers_every_chunk():
    groups = group_chunks(range(40), 2)
    assert [k for g in groups for k in g] == list(range(40))
    assert len(groups) == 8                     # about four groups per worker
    assert group_chunks([], 2) == [] and group_chunks([3], 4) == [[3]]


def test_grouped_chunks_equal_single_chunks():
    spec = study_from_dict(STUDY).to_dict()
    from memli.studies.runner import run_chunk
    for k, df in run_chunks(spec, [0, 2]):
        assert df.equals(run_chunk(spec, k))


def test_analog_tile_study_wires_raise_the_error(tmp_path):
    s = run_study(STUDY, tmp_path / "o", scheduler="synchronous", plots=False)
    assert s["status"] == "complete"
    t = read_table(tmp_path / "o")
    assert (t["error"] == "").all()
    ideal = t[t.r_wire_ohm == 0.0]
    # zero wires: only the 16-bit converters are left (step 2^-15 ~ 3e-5 of full
    # scale); 50 ohm lines lose far more
    assert np.all(ideal.ir_error_rel_rms < 1e-4)
    assert np.all(t[t.r_wire_ohm == 50.0].ir_error_rel_rms > 1e-3)
    assert set(TASKS["analog_tile"].outputs) <= set(t.columns)


def test_analog_digits_task_reports_accuracy():
    out = TASKS["analog_digits"]({"tile": 64, "r_wire_ohm": 0.0, "adc_bits": 16,
                                  "dac_bits": 16, "levels": 0, "hidden": 16}, 1)
    # all off: equal to the float network within 0.5 %
    assert abs(out["accuracy_analog"] - out["accuracy_float"]) <= 0.005
    with pytest.raises(Exception, match="unknown input"):
        TASKS["analog_digits"]({"tiles": 3}, 1)
