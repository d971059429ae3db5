"""The fitted card: values, provenance ``fit`` (data hash, date, stderr), polarity."""
from __future__ import annotations

import datetime as _dt

from ..cards import Card
from .problem import FitData


def fitted_card(start: Card, vals, out, fd: FitData) -> Card:
    import memli
    c = start.with_values(name=f"{start.name}_fit", **vals)
    today = _dt.date.today().isoformat()
    data_ref = [{"path": f["path"], "sha256": f["sha256"]} for f in fd.files]
    for k, pr in out.items():
        if pr.vary and pr.stderr is not None or (pr.vary and pr.why_no_stderr):
            meta = dict(c.meta.get(k, {}))
            prov = {"kind": "fit", "data": data_ref, "date": today,
                    "memli_version": getattr(memli, "__version__", "?"),
                    "stderr": pr.stderr, "init": pr.init}
            if pr.stderr is None:
                prov["note"] = f"error not estimated: {pr.why_no_stderr}"
            meta["provenance"] = prov
            c.meta[k] = meta
    c.generated = bool(fd.generated or start.generated)
    c.description = (f"Fitted by memli fit to {', '.join(Path_(f['path']) for f in fd.files)}"
                     f"{' (GENERATED data)' if fd.generated else ''}; start card {start.name}.")
    c.extra = dict(c.extra)
    c.extra["fit"] = {"data": data_ref, "date": today, "start_card": start.name,
                      "memli_version": getattr(memli, "__version__", "?")}
    # the device's SET side; a model whose own convention is the other side is used
    # with its terminals swapped (its name ends in _reversed: simulator and exporters
    # take it as it is)
    c.extra["polarity"] = fd.polarity
    if c.model.is_reversed:
        c.description += (f" Terminals swapped: model {c.model.base_name} SETs at "
                          f"{c.model.reversed().set_polarity}, the data at {fd.polarity}.")
    return c


def Path_(p):
    from pathlib import Path
    return Path(p).name
