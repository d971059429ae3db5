"""memli.units: the one parser of engineering units, and unit-from-name."""
import math

import pytest

from memli import units
from memli.errors import DataError
from memli.data.loaders import numbers
from memli.units import parse_quantity, prefix_scale, split_unit, unit_from_name


@pytest.mark.parametrize("name, unit", [
    ("r_on_ohm", "ohm"), ("k_set_per_s", "1/s"), ("sigma_siemens_per_m", "S/m"),
    ("area_m2", "m^2"), ("v_set_v", "V"), ("x", ""), ("on_off_ratio", "")])
def test_unit_from_name_longest_suffix_wins(name, unit):
    assert unit_from_name(name) == unit


@pytest.mark.parametrize("text, prefix, base", [
    ("V", "", "V"), ("mV", "m", "V"), ("uA", "u", "A"), ("µA", "u", "A"), ("μA", "u", "A"),
    ("nA", "n", "A"), ("pA", "p", "A"), ("fA", "f", "A"), ("ms", "m", "s"), ("sec", "", "s"),
    ("usec", "u", "s"), ("[mA]", "m", "A"), ("(V)", "", "V"), (" kOhm ", "k", "ohm"),
    ("MΩ", "M", "ohm"), ("Kohm", "K", "ohm"), ("Volt", "", "V"), ("AMPERES", "", "A"),
    ("seconds", "", "s")])
def test_split_unit(text, prefix, base):
    assert split_unit(text) == (prefix, base)


@pytest.mark.parametrize("text", [None, "", "m", "mm", "Hz", "xV", "mVV", "volt-ish", "3V"])
def test_split_unit_rejects_what_is_not_a_unit(text):
    assert split_unit(text) is None


@pytest.mark.parametrize("text, scale", [
    ("V", 1.0), ("mA", 1e-3), ("uA", 1e-6), ("nA", 1e-9), ("pA", 1e-12), ("fA", 1e-15),
    ("kohm", 1e3), ("Kohm", 1e3), ("Mohm", 1e6), ("GΩ", 1e9), (None, 1.0), ("", 1.0),
    ("furlong", 1.0)])
def test_prefix_scale(text, scale):
    # exact: each multiplier is one power of ten typed as a literal
    assert prefix_scale(text) == scale


@pytest.mark.parametrize("text, value, unit", [
    ("1.5e-3", 1.5e-3, None), ("12.5m", 12.5e-3, None), ("3 uA", 3e-6, "A"),
    ("-4.7nA", -4.7e-9, "A"), ("2k", 2e3, None), ("+.5 V", 0.5, "V"), ("10ms", 10e-3, "s"),
    ("2.2kΩ", 2.2e3, "ohm"), ("1 Mohm", 1e6, "ohm"), ("7\tmV", 7e-3, "V"),
    ("1e3 pA", 1e-9, "A")])
def test_parse_quantity(text, value, unit):
    got, u = parse_quantity(text)
    assert u == unit
    assert got == pytest.approx(value, rel=1e-12)   # one float multiplication


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "3 mm", "1,5", "e3", "1 uAh", "--1",
                                  "1 Hz", "TRUE"])
def test_parse_quantity_raises_value_error(text):
    with pytest.raises(ValueError, match="not a number"):
        parse_quantity(text)


def test_loaders_use_the_one_parser():
    """The loaders hold no prefix table or unit regex of their own."""
    assert not hasattr(numbers, "PREFIX")
    assert not hasattr(numbers, "UNIT_TOKEN_RE")
    assert numbers.split_unit is units.split_unit
    assert numbers.parse_cell("3 uA") == units.parse_quantity("3 uA")
    assert numbers.unit_scale("mA", "i", "x.csv:1") == units.prefix_scale("mA")


def test_cells_keep_their_loader_rules():
    # the loader adds NaN words, booleans and decimal commas on top of parse_quantity
    assert math.isnan(numbers.parse_number("n/a"))
    assert numbers.parse_number("1,5", decimal_comma=True) == 1.5
    with pytest.raises(DataError, match="'TRUE' is not a number"):
        numbers.parse_cell(True)
    assert not numbers.is_num("TRUE")
    assert numbers.is_num("12.5 mV")


def test_a_bad_cell_is_a_data_error():
    with pytest.raises(DataError, match="cell 'abc' is not a number"):
        numbers.parse_number("abc")


def test_pulse_tables_scale_header_units_with_the_same_prefixes(tmp_path):
    from memli.data.pulses import load_pulses
    p = tmp_path / "pulses.csv"
    p.write_text("pulse,amplitude (mV),width (us),v_read_v,g (uS)\n"
                 "1,-300,10,0.1,5\n2,-300,10,0.1,6\n3,-300,10,0.1,7\n")
    t = load_pulses(p)
    # each value is one literal times one power-of-ten multiplier
    assert t.amplitude_v.tolist() == pytest.approx([-0.3] * 3, rel=1e-12)
    assert t.width_s.tolist() == pytest.approx([1e-5] * 3, rel=1e-12)
    assert t.g_siemens.tolist() == pytest.approx([5e-6, 6e-6, 7e-6], rel=1e-12)
    p.write_text("pulse,amplitude (furlong),width_s,g_siemens\n1,1,1,1\n2,1,1,1\n3,1,1,1\n")
    with pytest.raises(DataError, match="furlong"):
        load_pulses(p)
