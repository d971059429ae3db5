"""Every numeric option of every command has a lower and an upper bound, enforced.

The table is memli/commands/_bounds.py.  For each numeric option this test passes a
value below the lower bound, above the upper bound, NaN and infinity, and expects the
one-line error naming the option with exit code 2 (before any work is done).
"""
import pytest

from memli import cli
from memli.commands._bounds import apply_bounds, bounds_for, numeric_options

cli._register_all()
OPTIONS = sorted({(path, flag) for path, flag, _ in numeric_options(cli.app)})


def test_every_numeric_option_has_bounds():
    assert apply_bounds(cli.app) == []
    assert len(OPTIONS) > 40


def _run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    err = capsys.readouterr().err
    return e.value.code, err


def _below(lo):
    return lo - 1 if isinstance(lo, int) else (lo - max(1.0, abs(lo)) if lo <= 0 else lo / 10)


def _above(hi):
    return hi + 1 if isinstance(hi, int) else hi * 10


@pytest.mark.parametrize("path,flag", OPTIONS, ids=[f"{p}:{f}" for p, f in OPTIONS])
def test_bounds_enforced_before_work(path, flag, capsys):
    lo, hi, _ = bounds_for(path, flag)
    values = [_below(lo), _above(hi)]
    if isinstance(lo, float) or isinstance(hi, float):
        values += ["nan", "inf", "-inf"]
    for v in values:
        argv = path.split() + [flag, str(v)]
        if flag == "--sweep":
            argv.append("0.5")
        code, err = _run(argv, capsys)
        lines = err.strip().splitlines()
        assert code == 2, (argv, err)
        assert len(lines) == 1 and flag in lines[0] and "Traceback" not in err, (argv, err)
