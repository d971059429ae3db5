"""Write the loader test fixtures in tests/data/ (run: python tests/data/make_fixtures.py).

The I-V values are a toy bistable cell, GENERATED for the tests (not measured): HRS
1 Mohm, LRS 1 kohm, SET when V < -0.3 V, RESET when V > +0.3 V; each cycle sweeps
0 -> -0.5 -> 0 -> +0.5 -> 0 V in 0.05 V steps at 1 V/s.  The layouts imitate what
parameter analysers, source meters and oscilloscopes export.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from xls_writer import write_xls  # noqa: E402

R_HRS, R_LRS, V_SET, V_RESET = 1e6, 1e3, -0.3, 0.3


def lobe(vpeak, dv=0.05):
    n = int(round(abs(vpeak) / dv))
    up = np.linspace(0, vpeak, n + 1)
    return np.concatenate([up, up[-2::-1]])


def cycle_v():
    return np.concatenate([lobe(-0.5), lobe(0.5)[1:]])


def toy_current(v, state=0):
    """Current of the toy cell along v (state 0 = HRS, 1 = LRS); returns (i, final state)."""
    i = np.empty_like(v)
    for k, x in enumerate(v):
        if x <= V_SET:
            state = 1
        elif x >= V_RESET:
            state = 0
        i[k] = x / (R_LRS if state else R_HRS)
    return i, state


def cycles(n):
    vs, is_ = [], []
    st = 0
    for _ in range(n):
        v = cycle_v()
        i, st = toy_current(v, st)
        vs.append(v)
        is_.append(i)
    v = np.concatenate(vs)
    return np.arange(v.size) * 0.05, v, np.concatenate(is_)


def w(name, text, encoding="utf-8", newline="\n"):
    (HERE / name).write_bytes(text.replace("\n", newline).encode(encoding))


def main():
    t, v, i = cycles(3)
    n1 = cycle_v().size
    # 1. source-meter CSV: time, V, I in mA, comments
    w("smu_mA.csv", "# GENERATED test fixture (toy cell)\n# Keithley 2450 sweep export\n"
      "Time (s),Voltage (V),Current (mA)\n"
      + "".join(f"{a:.4f},{b:.4f},{c * 1e3:.6e}\n" for a, b, c in zip(t, v, i)))
    # 2. whitespace, no header, V then I
    w("noheader.txt", "% GENERATED test fixture\n"
      + "".join(f"  {b: .4f}   {c: .6e}\n" for b, c in zip(v, i)))
    # 3. BOM + CRLF + semicolons + decimal commas + trailing separator + units row
    w("bom_crlf_semicolon.csv", "\ufeffZeit;Spannung;Strom;\nms;mV;uA;\n"
      + "".join(f"{a * 1e3:.1f};{b * 1e3:.1f};{c * 1e6:.6e};\n".replace(".", ",")
                for a, b, c in zip(t, v, i)), newline="\r\n")
    # 4. tab separated, engineering notation with prefixes
    def eng(x):
        for p, s in ((1e-9, "n"), (1e-6, "u"), (1e-3, "m")):
            if abs(x) < 1e3 * p:
                return f"{x / p:.4g}{s}"
        return f"{x:.4g}"
    w("engineering.tsv", "I\tV\n" + "".join(f"{eng(c)}A\t{eng(b)}\n" for b, c in zip(v, i)))
    # 5. header names used by parameter analysers, columns in another order, cycle column
    cyc = np.repeat(np.arange(3), n1)
    w("analyzer_cycles.csv", "Imeas,Cycle,Vforce,Time\n"
      + "".join(f"{c:.6e},{k},{b:.4f},{a:.3f}\n" for c, k, b, a in zip(i, cyc, v, t)))
    # 6. blocks separated by blank lines and repeated headers
    txt = ""
    for k in range(3):
        s = slice(k * n1, (k + 1) * n1)
        txt += f"Sweep {k + 1}\nV,I\n" + "".join(f"{b:.4f},{c:.6e}\n" for b, c in
                                                zip(v[s], i[s])) + "\n"
    w("blocks.csv", txt)
    # 7. oscilloscope capture: CH1 = applied, CH2 = across 100 ohm sense resistor
    rs = 100.0
    vsense = i * rs
    w("scope.csv", "Model,DPO2024\nRecord Length,{}\nSample Interval,0.05\nTrigger Point,0\n"
      "Source,CH1,CH2\n\nTIME,CH1,CH2\n".format(t.size)
      + "".join(f"{a:.4e},{b + c:.6e},{c:.6e}\n" for a, b, c in zip(t, v, vsense)))
    # 8. UTF-16 text with a BOM
    w("utf16.txt", "V\tI\n" + "".join(f"{b:.4f}\t{c:.6e}\n" for b, c in zip(v, i)),
      encoding="utf-16")
    # 8b. potentiostat-style export: banner lines, set-point and measured voltage
    # columns (the measured one named Ewe), current in mA, a cycle column
    w("potentiostat.mpt", "EC-Lab ASCII FILE\nNb header lines : 4\n\n"
      "mode\tox/red\ttime/s\tcontrol/V\tEwe/V\t<I>/mA\tcycle number\n"
      + "".join(f"2\t1\t{a:.3f}\t{b + 0.3:.4f}\t{b:.4f}\t{c * 1e3:.6e}\t{k}\n"
                for a, b, c, k in zip(t, v, i, np.repeat(np.arange(3), n1))))
    # 9. folder of per-cycle two-column files with decimal commas
    d = HERE / "percycle_decimal_comma"
    d.mkdir(exist_ok=True)
    for k in range(3):
        s = slice(k * n1, (k + 1) * n1)
        (d / f"cycle_{k + 1}.txt").write_text(
            "".join(f"{b:.4f}\t{c:.6e}\n".replace(".", ",") for b, c in zip(v[s], i[s])))
    # 10. workbooks: one sheet per run (out of order), settings and calc sheets,
    # computed columns including error cells
    def run_rows(s):
        rows = [["Time", "V", "I", "R", "abs(I)"]]
        for a, b, c in zip(t[s], v[s], i[s]):
            rows.append([a, b, c, "#DIV/0!" if b == 0 else b / c, abs(c)])
        return rows
    sheets = {"Settings": [["Instrument", "B1500A"], ["Compliance", "1 mA"], ["Mode", "sweep"]],
              "Run3": run_rows(slice(2 * n1, 3 * n1)), "Run1": run_rows(slice(0, n1)),
              "Calc": [["mean R", "#REF!"], ["note", "computed"]],
              "Run2": run_rows(slice(n1, 2 * n1))}
    import openpyxl
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(HERE / "analyzer.xlsx")
    write_xls(HERE / "analyzer.xls", sheets)
    # 11. SET and RESET sweeps in two workbooks
    nset = lobe(-0.5).size
    ws_set, ws_reset = openpyxl.Workbook(), openpyxl.Workbook()
    for wb_, part in ((ws_set, "set"), (ws_reset, "reset")):
        wb_.remove(wb_.active)
        for k in range(3):
            s0 = k * n1
            s = slice(s0, s0 + nset) if part == "set" else slice(s0 + nset - 1, s0 + n1)
            ws = wb_.create_sheet(f"Sweep{k + 1}")
            ws.append(["V (V)", "I (A)"])
            for b, c in zip(v[s], i[s]):
                ws.append([float(b), float(c)])
    ws_set.save(HERE / "set_sweeps.xlsx")
    ws_reset.save(HERE / "reset_sweeps.xlsx")
    # 12. bad inputs
    w("bad_empty.csv", "")
    w("bad_comment_only.csv", "# nothing here\n# at all\n")
    w("bad_cell.csv", "V,I\n0.1,1e-6\n0.2,2e-6\n0.3,abc\n0.4,4e-6\n")
    w("bad_ragged.csv", "V,I,T\n0.1,1e-6,0\n0.2,2e-6,1\n0.3\n0.4,4e-6,3\n")
    w("bad_novoltage.csv", "Time,Current\n0,1e-6\n1,2e-6\n2,3e-6\n")
    w("bad_nan.csv", "V,I\n0.1,1e-6\n0.2,nan\n0.3,3e-6\n")
    w("bad_single.csv", "V,I\n0.1,1e-6\n")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["V", "I"])
    ws.append([0.1, 1e-6])
    ws.append([0.2, "#REF!"])
    ws.append([0.3, 3e-6])
    wb.save(HERE / "bad_ref.xlsx")
    print("fixtures written to", HERE)


if __name__ == "__main__":
    main()
