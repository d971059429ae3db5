"""Pairing SET and RESET sweeps kept apart (separate sheets or files) into cycles.

Each sweep's run number comes from its sheet name, else its file name (``Run12``,
``set_12``, ``cycle 12``, ``RESET-0012.csv``: the last number); its side from the name
(``set``/``reset``) or, failing that, from the voltage polarity and the SET polarity.
SET k is paired with RESET k by number, never by order; a number with only one side is
reported by number and analysed as a half cycle.
"""
from __future__ import annotations

import re
from pathlib import Path


def name_side(text: str):
    """'set', 'reset' or None from a sheet or file name."""
    low = text.lower()
    if re.search(r"(?<![a-z])re[-_ ]?set|reset|(?<![a-z])off(?![a-z])|erase", low):
        return "reset"
    if re.search(r"set|(?<![a-z])on(?![a-z])|form|write|program", low):
        return "set"
    return None


def name_number(text: str):
    nums = re.findall(r"\d+", text)
    return int(nums[-1]) if nums else None


def label_sweeps(sweeps) -> None:
    """Fill ``run`` and ``side`` of each sweep from its sheet and file name."""
    for s in sweeps:
        stem = Path(s.file).stem if s.file else ""
        sheet = getattr(s, "sheet", None) or ""
        s.side = name_side(sheet) or name_side(stem)
        s._nums = (name_number(sheet) if sheet else None, name_number(stem))
        s.run = s._nums[0] if s._nums[0] is not None else s._nums[1]


def pair_set_reset(sweeps: list, set_polarity: str = "neg"):
    """Order unipolar SET and RESET sweeps into cycles (SET_k then RESET_k).

    Applies when every sweep visits one polarity only and both SET and RESET sweeps occur
    (by name, else by polarity).  Pairs by the run number in the names when every sweep
    has one (and numbers are unique per side), else by order.

    Returns
    -------
    (new order, note or None, list of warnings)
    """
    pols = [s.polarity for s in sweeps]
    if not sweeps or "both" in pols:
        return sweeps, None, []
    label_sweeps(sweeps)
    reset_pol = "pos" if set_polarity == "neg" else "neg"
    sides = []
    for s in sweeps:
        side = s.side
        if side is None:
            side = "set" if s.polarity == set_polarity else (
                "reset" if s.polarity == reset_pol else None)
        sides.append(side)
    if len(set(sides)) < 2 or None in sides:
        return sweeps, None, []
    sets = [s for s, d in zip(sweeps, sides) if d == "set"]
    resets = [s for s, d in zip(sweeps, sides) if d == "reset"]
    warnings = []
    by_num = False
    for pick in (0, 1):
        nums = [s._nums[pick] for s in sweeps]
        if all(n is not None for n in nums):
            ss = [s._nums[pick] for s in sets]
            rr = [s._nums[pick] for s in resets]
            if len(set(ss)) == len(ss) and len(set(rr)) == len(rr):
                for s in sweeps:
                    s.run = s._nums[pick]
                by_num = True
                break
    if by_num:
        sd = {s.run: s for s in sets}
        rd = {s.run: s for s in resets}
        order = []
        for k in sorted(set(sd) | set(rd)):
            if k in sd:
                order.append(sd[k])
            if k in rd:
                order.append(rd[k])
        miss_r = sorted(set(sd) - set(rd))
        miss_s = sorted(set(rd) - set(sd))
        if miss_r:
            warnings.append(f"SET run(s) {', '.join(map(str, miss_r))} have no RESET partner")
        if miss_s:
            warnings.append(f"RESET run(s) {', '.join(map(str, miss_s))} have no SET partner")
        note = (f"paired {len(set(sd) & set(rd))} SET and RESET sweeps by the run number in "
                "their names")
        for s in order:
            if s.label is None:
                s.label = float(s.run)
        return order, note, warnings
    order = []
    for k in range(max(len(sets), len(resets))):
        if k < len(sets):
            order.append(sets[k])
        if k < len(resets):
            order.append(resets[k])
    note = f"paired {len(sets)} SET and {len(resets)} RESET sweeps into cycles (by order)"
    if len(sets) != len(resets):
        warnings.append(f"unequal counts: {len(sets)} SET and {len(resets)} RESET sweeps; "
                        f"the last {abs(len(sets) - len(resets))} stay unpaired")
    return order, note, warnings


def _rise_score(s) -> float:
    """> 0 when the current rises abruptly along the sweep (a SET), < 0 when it drops."""
    import numpy as np
    i = np.abs(np.asarray(s.i_a, float))
    if i.size < 4:
        return 0.0
    pos = i[i > 0]
    if not pos.size:
        return 0.0
    fl = max(float(np.percentile(pos, 5)), 1e-15)
    li = np.log10(np.maximum(i, fl))
    # forward half only: up to the largest |V|
    turn = int(np.argmax(np.abs(s.v_v)))
    f = li[: turn + 1] if turn >= 3 else li
    d = np.diff(f)
    if not d.size:
        return 0.0
    return float(d.max() + d.min())


def guess_set_polarity(sweeps):
    """'neg' or 'pos' for unipolar SET/RESET sweeps with no side in their names, or None."""
    score = {"neg": 0.0, "pos": 0.0}
    for s in sweeps:
        if s.polarity in score:
            score[s.polarity] += _rise_score(s)
    if score["neg"] == score["pos"]:
        return None
    return "neg" if score["neg"] > score["pos"] else "pos"
