"""Write tests/data/instruments/: small GENERATED files in the layouts real instruments
and labs save (run: python tests/data/make_instrument_fixtures.py; seeded, reproducible).

Each file is a bipolar resistive switch simulated here (not measured): HRS and LRS
resistances with a slight cubic nonlinearity, a SET voltage and a RESET voltage that
vary from cycle to cycle, current compliance on the SET side, Gaussian current noise
over a noise floor, and (where the class needs it) an offset, a lower floor, a current
offset, a nearly linear loop.  ``truth()`` returns, per fixture, what the instrument
itself reports per cycle: V_set at the first sample in the LRS (compliance reached),
V_reset at the largest |I| before the drop (``peak``), and |V/I| of the model at the
read voltage on each branch.  The tests compare memli's medians with those.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "instruments"
LABEL = "GENERATED test fixture (simulated bipolar switch, not a measurement)"


def device_cycles(n, *, set_sign=-1, vmax_set=1.0, vmax_reset=1.2, dv=0.01, r_hrs=2e5,
                  r_lrs=2e3, v_set=0.6, v_reset=0.7, spread=0.05, icc=1e-4, noise=1e-11,
                  rel_noise=0.005, b=0.3, seed=0, dwell0=0, v_offset=0.0, i_offset=0.0,
                  lrs_only_in_set=False):
    """Sweeps 0 -> SET peak -> 0 -> RESET peak -> 0 per cycle; returns arrays and truth."""
    rng = np.random.default_rng(seed)
    vs, is_, truth = [], [], []
    for c in range(n):
        vs_k = v_set * (1 + spread * rng.standard_normal())
        vr_k = v_reset * (1 + spread * rng.standard_normal())
        rh = r_hrs * (1 + 0.1 * rng.standard_normal())
        rl = r_lrs * (1 + 0.05 * rng.standard_normal())
        up_s = np.round(np.arange(0, vmax_set + dv / 2, dv), 6)
        up_r = np.round(np.arange(0, vmax_reset + dv / 2, dv), 6)
        lobe_s = set_sign * np.concatenate([up_s, up_s[-2::-1]])
        lobe_r = -set_sign * np.concatenate([up_r, up_r[-2::-1]])[1:]
        v = np.concatenate([lobe_s, np.zeros(dwell0), lobe_r])
        i = np.empty_like(v)
        state = 0
        set_at = reset_at = None
        i_peak, v_peak = 0.0, None
        n_s = lobe_s.size
        for k, x in enumerate(v):
            in_set = k < n_s
            if in_set and state == 0 and abs(x) >= vs_k:
                state = 1
                set_at = x if set_at is None else set_at
            r = rl if state else rh
            cur = (x + v_offset) / r * (1 + b * x * x)
            if not in_set and k >= n_s + dwell0 and state == 1:
                if abs(x) >= vr_k:
                    state = 0
                    reset_at = v_peak
                    cur = (x + v_offset) / rh * (1 + b * x * x)
                elif abs(cur) > i_peak:
                    i_peak, v_peak = abs(cur), x
            if in_set and abs(cur) > icc:
                cur = np.sign(cur) * icc
            i[k] = cur
        i = i + i_offset + rng.normal(0, 1, v.size) * np.sqrt(noise ** 2 + (rel_noise * i) ** 2)
        vs.append(v)
        is_.append(i)

        def r_read(r, sign):
            """|V/I| an instrument reports at the read voltage on a branch of this sign."""
            x = 0.1 * sign
            return abs(x / ((x + v_offset) / r * (1 + b * x * x) + i_offset))
        truth.append({"v_set": float(set_at) if set_at is not None else None,
                      "v_reset": float(reset_at) if reset_at is not None else None,
                      "r_lrs_ohm": r_read(rl, set_sign), "r_hrs_ohm": r_read(rh, -set_sign)})
    return vs, is_, truth


def _med(truth, key):
    x = [t[key] for t in truth if t[key] is not None]
    return float(np.median(x)) if x else None


def summary(truth):
    return {k: _med(truth, k) for k in ("v_set", "v_reset", "r_hrs_ohm", "r_lrs_ohm")}


def g(x):
    return f"{x:.6e}"


def main():
    HERE.mkdir(exist_ok=True)
    import openpyxl
    truths = {}

    # 1+4. parameter-analyser workbook: one sheet per run (AV, AI, Time; scalar results
    # in row 2 only: ragged rows), a calculation sheet and a settings sheet, a notes
    # sheet with error cells that is only read when picked
    vs, is_, tr = device_cycles(3, seed=1)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for k in (3, 1, 2):
        ws = wb.create_sheet(f"Run{k}")
        ws.append(["AI", "AV", "Time", "Vset", "Vreset", "Ron"])
        v, i = vs[k - 1], is_[k - 1]
        for n in range(v.size):
            row = [float(i[n]), float(v[n]), round(n * 0.01, 4)]
            if n == 0:
                row += [tr[k - 1]["v_set"], tr[k - 1]["v_reset"], tr[k - 1]["r_lrs_ohm"]]
            ws.append(row)
    ws = wb.create_sheet("Calc")
    ws.append(["Vset", "Vreset"])
    for t in tr:
        ws.append([t["v_set"], t["v_reset"]])
    ws = wb.create_sheet("Settings")
    ws.append(["Note", LABEL])
    ws.append(["Compliance", "1E-4"])
    ws.append(["Step", "10 mV"])
    ws = wb.create_sheet("Notes")
    ws.append(["AV", "AI"])
    ws.append([0.1, "#REF!"])
    ws.append([0.2, "#REF!"])
    wb.save(HERE / "analyzer_runs.xlsx")
    truths["analyzer_runs.xlsx"] = summary(tr)

    # 1. text export with a trailing empty column (header names 5 columns, rows fill 4)
    vs, is_, tr = device_cycles(3, seed=2)
    v, i = np.concatenate(vs), np.concatenate(is_)
    lines = [f"# {LABEL}", "Index\tTime(s)\tVoltage(V)\tCurrent(A)\tComment"]
    lines += [f"{n}\t{n * 0.02:.3f}\t{v[n]:.4f}\t{g(i[n])}\t" for n in range(v.size)]
    (HERE / "text_trailing.txt").write_text("\n".join(lines) + "\n")
    truths["text_trailing.txt"] = summary(tr)

    # 2. oscilloscope capture, two-line header, dense triangle sweeps, sense resistor
    vs, is_, tr = device_cycles(2, seed=3, dv=0.002, noise=2e-8, rel_noise=0.01,
                                icc=5e-4, r_lrs=1e3, r_hrs=1e5)
    v, i = np.concatenate(vs), np.concatenate(is_)
    rs = 100.0
    vsense = i * rs
    vapplied = v + vsense
    t = np.arange(v.size) * 1e-6 - 1e-4
    lines = ["x-axis,1,2", "second,Volt,Volt"]
    lines += [f"{t[n]:.6e},{vapplied[n]:.5e},{vsense[n]:.5e}" for n in range(v.size)]
    (HERE / "scope_twoline.csv").write_text("\n".join(lines) + "\n")
    truths["scope_twoline.csv"] = summary(tr)

    # 3. SMU CSV with bracketed names (two SMUs: SMU2 holds the bottom electrode at 0 V)
    vs, is_, tr = device_cycles(3, seed=4, r_hrs=1e6, r_lrs=5e3, icc=1e-4)
    v, i = np.concatenate(vs), np.concatenate(is_)
    lines = [f"# {LABEL}",
             "Smu1.Time[1][1],Smu1.V[1][1],Smu1.I[1][1],Smu2.V[1][1],Smu2.I[1][1]"]
    lines += [f"{n * 0.005:.4f},{v[n]:.4f},{g(i[n])},0,{g(-i[n])}" for n in range(v.size)]
    (HERE / "smu_brackets.csv").write_text("\n".join(lines) + "\n")
    truths["smu_brackets.csv"] = summary(tr)

    # 3. parameter-analyser CSV with metadata lines and DataName/DataValue rows; the
    # device is on SMU2 (V2 sweeps, SMU1 holds 0 V)
    vs, is_, tr = device_cycles(2, seed=12)
    v, i = np.concatenate(vs), np.concatenate(is_)
    lines = ["SetupTitle, I/V Sweep", f"PrimitiveTest, {LABEL}",
             "TestParameter, Channel.VName, V1, V2", "TestParameter, Channel.IName, I1, I2",
             "TestParameter, Measurement.Primary.Compliance, 0.0001",
             "Dimension1, %d" % v.size, "Dimension2, 1", "DataName, V1, I1, V2, I2"]
    lines += [f"DataValue, 0, {g(1e-13)}, {v[n]:.3f}, {g(i[n])}" for n in range(v.size)]
    (HERE / "b1500_datavalue.csv").write_text("\n".join(lines) + "\n")
    truths["b1500_datavalue.csv"] = summary(tr)

    # 3+7. Vforce/Imeas, positive SET, compliance on the positive side only
    vs, is_, tr = device_cycles(4, seed=5, set_sign=+1, v_set=0.8, v_reset=0.5,
                                vmax_set=1.2, vmax_reset=1.0, icc=3e-4)
    v, i = np.concatenate(vs), np.concatenate(is_)
    lines = ["Vforce,Imeas"] + [f"{v[n]:.3f},{g(i[n])}" for n in range(v.size)]
    (HERE / "vforce_imeas_positive.csv").write_text(f"# {LABEL}\n" + "\n".join(lines) + "\n")
    truths["vforce_imeas_positive.csv"] = summary(tr)

    # 5. journal source data: wide layout, title row, header, experiment-number row;
    # another panel in columns 1-2, a blank column, then one current column per cycle
    vs, is_, tr = device_cycles(8, seed=6, r_hrs=5e5, r_lrs=1e3, icc=5e-4)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Fig. 2b"
    ws.append([f"Source data Fig. 2b ({LABEL})"])
    ws.append(["Voltage (V)", "Time (s)", "Retention R (ohm)", None]
              + ["Current (A)"] + [None] * 7)
    ws.append([None, None, None, None] + list(range(1, 9)))
    v0 = vs[0]
    for n in range(v0.size):
        row = [float(v0[n]), (n * 10.0 if n < 20 else None),
               (2e5 * (1 + 0.01 * n) if n < 20 else None), None]
        row += [float(is_[c][n]) if (c != 5 or n < v0.size) else None for c in range(8)]
        ws.append(row)
    wb.save(HERE / "wide_source_data.xlsx")
    truths["wide_source_data.xlsx"] = summary(tr)

    # 6. SET and RESET in separate files named by run number, with a gap (no set_3)
    d = HERE / "set_reset_runs"
    d.mkdir(exist_ok=True)
    for f in d.iterdir():
        f.unlink()
    vs, is_, tr = device_cycles(5, seed=7, dwell0=0)
    kept = []
    for k in range(5):
        run = 10 + k
        v, i = vs[k], is_[k]
        half = int(np.argmax(v > 0))
        vs_, is_s = v[:half], i[:half]
        vr_, ir_ = np.concatenate([[0.0], v[half:]]), np.concatenate([[i[half - 1]], i[half:]])
        if run != 12:
            (d / f"set_{run}.csv").write_text(
                f"# {LABEL}\nV,I\n" + "".join(f"{a:.3f},{g(b)}\n" for a, b in zip(vs_, is_s)))
            kept.append(tr[k])
        (d / f"reset_{run}.csv").write_text(
            f"# {LABEL}\nV,I\n" + "".join(f"{a:.3f},{g(b)}\n" for a, b in zip(vr_, ir_)))
    truths["set_reset_runs"] = summary(kept)
    # workbooks with Run sheets in a shuffled order
    wbs, wbr = openpyxl.Workbook(), openpyxl.Workbook()
    wbs.remove(wbs.active)
    wbr.remove(wbr.active)
    vs, is_, tr = device_cycles(3, seed=8)
    for k in (2, 0, 1):
        v, i = vs[k], is_[k]
        half = int(np.argmax(v > 0))
        a = wbs.create_sheet(f"Run{k + 1}")
        a.append(["V (V)", "I (A)"])
        for x, y in zip(v[:half], i[:half]):
            a.append([float(x), float(y)])
    for k in (1, 2, 0):
        v, i = vs[k], is_[k]
        half = int(np.argmax(v > 0))
        b_ = wbr.create_sheet(f"cycle {k + 1}")
        b_.append(["V (V)", "I (A)"])
        for x, y in zip(v[half - 1:], i[half - 1:]):
            b_.append([float(x), float(y)])
    wbs.save(HERE / "set_runs.xlsx")
    wbr.save(HERE / "reset_runs.xlsx")
    truths["set_runs.xlsx+reset_runs.xlsx"] = summary(tr)

    # 8. ~1e10 ohm HRS, 0.1 pA floor, LRS branch at 0 V carries current (1 mV source
    # offset, long dwell at 0 V between the lobes)
    vs, is_, tr = device_cycles(3, seed=9, r_hrs=1e10, r_lrs=1e4, icc=5e-5, noise=1e-13,
                                v_offset=1e-3, dwell0=30)
    v, i = np.concatenate(vs), np.concatenate(is_)
    lines = [f"# {LABEL}", "V [V]\tI [A]"] + [f"{v[n]:.4f}\t{g(i[n])}" for n in range(v.size)]
    (HERE / "hrs_1e10.tsv").write_text("\n".join(lines) + "\n")
    truths["hrs_1e10.tsv"] = summary(tr)

    # 10. nearly linear scope loop with an offset: no switching
    rng = np.random.default_rng(10)
    t = np.arange(4000) * 5e-6
    v = 0.8 * np.sin(2 * np.pi * t / 5e-3)
    i_dev = v / 1e3 * (1 + 0.03 * np.tanh(np.gradient(v) / np.abs(np.gradient(v)).max()))
    i_meas = i_dev + 2e-5 + rng.normal(0, 2e-6, v.size)
    rs = 50.0
    lines = [f"# {LABEL}", "x-axis,1,2", "second,Volt,Volt"]
    lines += [f"{a:.6e},{b + c * rs:.5e},{c * rs:.5e}" for a, b, c in zip(t, v, i_meas)]
    (HERE / "scope_linear.csv").write_text("\n".join(lines) + "\n")
    truths["scope_linear.csv"] = {"offset_a": 2e-5, "r_ohm": 1e3}

    # 12. headerless pulse-address table (address, amplitude V, width s): refused
    lines = [f"{k}\t{1.5 if k % 2 else -1.2}\t{1e-6:.1e}" for k in range(64)]
    (HERE / "pulse_table.txt").write_text("\n".join(lines) + "\n")
    # 12. voltage in mV without a unit (hundreds of "volts"), current in uA without unit
    vs, is_, tr = device_cycles(2, seed=11)
    v, i = np.concatenate(vs), np.concatenate(is_)
    lines = [f"# {LABEL}", "V,I"] + [f"{a * 1e3:.1f},{b * 1e6:.5f}" for a, b in zip(v, i)]
    (HERE / "mv_ua_nounits.csv").write_text("\n".join(lines) + "\n")
    truths["mv_ua_nounits.csv"] = summary(tr)
    (HERE / "truth.json").write_text(json.dumps(truths, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    sys.exit(main())
