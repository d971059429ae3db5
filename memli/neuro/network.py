"""A single-layer network trained in situ on a simulated crossbar of memli devices.

Each weight is a differential pair of devices, ``W = G+ - G-`` [prezioso2015]: input
``i`` drives word line ``i`` with a read voltage, output ``k`` is the difference of
the currents of bit lines ``2k`` and ``2k + 1``.  Training uses the Manhattan rule
[prezioso2015]: every weight whose accumulated delta-rule gradient has a sign gets
one fixed programming pulse, whatever the gradient's size.

Two ways to realise the Manhattan step on a device pair:

``"depress"``
    Only RESET pulses (partial stripping): a positive step resets the ``G-`` device,
    a negative one the ``G+`` device.  On li_filament cards RESET is gradual and
    self-limiting (stripping slows as the gap opens), SET is abrupt, so this is
    the mode that gives analog weights; the conductances fall over training, and
    the step shrinks with them.  Pairs whose devices both fall below
    ``refresh_fraction`` of the initial conductance are refreshed: both devices
    are SET again and the weight is re-programmed (read-verify RESET pulses).
``"bipolar"``
    Partial SET of one device and partial RESET of the other (the textbook
    scheme).  A partial SET needs an amplitude within a few mV of the SET
    threshold, so device-to-device threshold spread makes the step size scatter
    by orders of magnitude.

All devices are integrated together (:class:`memli.neuro.devices.DeviceArray`);
selected cells get the full pulse and unselected cells 0 V (ideal selection), or the
V/2 or V/3 line-bias schemes apply one phase per bit line and disturb the
half-selected cells.
Reads use ideal wires or, with ``r_wire_ohm > 0``, the crossbar's resistive lines
(:mod:`memli.circuits.network`, exact for ohmic devices by superposition).

References
----------
.. [prezioso2015] M. Prezioso, F. Merrikh-Bayat, B. D. Hoskins, G. C. Adam, K. K.
   Likharev, D. B. Strukov, "Training and operation of an integrated neuromorphic
   network based on metal-oxide memristors", Nature 521, 61-64 (2015),
   doi:10.1038/nature14441.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError
from .devices import DeviceArray, as_card

__all__ = ["Programming", "Crossbar", "TrainResult", "train", "wire_transfer",
           "DEFAULT_PROGRAMMING"]


@dataclass
class Programming:
    """Pulse settings for forming, weight updates and reads.

    Attributes
    ----------
    v_form_v, t_form_s : float
        Full SET (forming) pulse, V and s (negative: plating).
    n_condition : int
        SET/RESET cycles before forming (conditions a fresh contact, as the
        sweeps that precede measurements do [lu_yang]).
    v_erase_v, t_erase_s : float
        Full RESET pulse of a conditioning cycle.
    v_reset_v, t_reset_s : float
        Partial RESET (depression) pulse of one Manhattan step.
    n_init_resets : int
        RESET pulses after forming, placing the devices in the analog range.
    v_set_v, t_set_s : float
        Partial SET pulse of one Manhattan step (``"bipolar"`` mode only).
    v_read_v : float
        Read voltage of an input of value 1, V.
    refresh_fraction : float
        Refresh a pair when both conductances fall below this fraction of the
        mean conductance after initialisation (``"depress"`` mode).
    n_steps : int
        Backward-Euler steps per pulse.
    """

    v_form_v: float = -0.3
    t_form_s: float = 1e-3
    n_condition: int = 3
    v_erase_v: float = 0.5
    t_erase_s: float = 1e-3
    v_reset_v: float = 0.2
    t_reset_s: float = 1e-4
    n_init_resets: int = 6
    v_set_v: float = -0.19
    t_set_s: float = 1e-4
    v_read_v: float = 0.1
    refresh_fraction: float = 0.05
    n_steps: int = 8


DEFAULT_PROGRAMMING = Programming()


class Crossbar:
    """``n_in`` word lines x ``2 n_out`` bit lines of devices in differential pairs.

    Parameters
    ----------
    card : Card or str
    n_in, n_out : int
        Inputs (including a bias input, if used) and outputs.
    variability : float
        Relative device-to-device spread (see :class:`DeviceArray`).
    rng : Generator or int
    prog : Programming
    mode : {"depress", "bipolar"}
    scheme : {"ideal", "v2", "v3"}
        Write selection: ideal (unselected cells see 0 V), or the V/2 or V/3 line-bias
        schemes with their half-select disturb (see :meth:`_write`).
    r_wire_ohm : float
        Wire segment resistance between neighbouring cells, ohm (0: ideal).
    g_leak_siemens : float
        Conductance in parallel with every device (a leaky selector or ionic path),
        S; it caps the on/off ratio at ``G_LRS / g_leak``.  Each cell's leak gets
        the device spread (lognormal, sd ``variability``), like an HRS floor that
        varies from device to device; a uniform leak would cancel in the pair.
    params : mapping, optional
        Parameter overrides for every device.
    """

    def __init__(self, card, n_in: int, n_out: int, variability: float = 0.05, rng=None,
                 prog: Programming | None = None, mode: str = "depress", scheme: str = "ideal",
                 r_wire_ohm: float = 0.0, g_leak_siemens: float = 0.0, params=None):
        if mode not in ("depress", "bipolar"):
            raise DataError(f"mode {mode!r}; expected 'depress' or 'bipolar'")
        self.card = as_card(card)
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.prog = prog or DEFAULT_PROGRAMMING
        self.mode = mode
        if scheme not in ("ideal", "v2", "v3"):
            raise DataError(f"scheme {scheme!r}; expected 'ideal', 'v2' or 'v3'")
        self.scheme = scheme
        self.r_wire_ohm = float(r_wire_ohm)
        self.g_leak_siemens = float(g_leak_siemens)
        lrng = np.random.default_rng(None if rng is None else np.random.SeedSequence(
            [int(rng) if np.isscalar(rng) else 0, 7]))
        self._g_leak = (self.g_leak_siemens * np.exp(lrng.normal(0.0, variability,
                                                                (self.n_in, 2 * self.n_out)))
                        if variability > 0 else np.full((self.n_in, 2 * self.n_out),
                                                        self.g_leak_siemens))
        self.dev = DeviceArray(self.card, self.n_in * 2 * self.n_out, variability, rng,
                               params=params)
        self.n_pulses = 0
        self.n_refresh = 0
        allm = np.ones(self.dev.n, bool)
        for _ in range(self.prog.n_condition):
            self._pulse(self.prog.v_form_v, self.prog.t_form_s, allm)
            self._pulse(self.prog.v_erase_v, self.prog.t_erase_s, allm)
        self._form(allm)
        self.n_pulses = 0
        self.g_ref_siemens = float(np.mean(self.g_matrix()))

    # -- layout ---------------------------------------------------------------------
    @property
    def shape(self):
        return (self.n_in, 2 * self.n_out)

    def g_matrix(self) -> np.ndarray:
        """Device conductances (n_in, 2 n_out), S, at the read voltage."""
        g = self.dev.conductance(self.prog.v_read_v).reshape(self.shape)
        return g + self._g_leak

    def weights_siemens(self) -> np.ndarray:
        """Differential weights ``G+ - G-`` (n_in, n_out), S (ideal wires)."""
        g = self.g_matrix()
        return g[:, 0::2] - g[:, 1::2]

    # -- programming ----------------------------------------------------------------
    def _pulse(self, v_v, width_s, mask):
        if np.any(mask):
            self.dev.pulse(v_v, width_s, n_steps=self.prog.n_steps, mask=mask)
            self.n_pulses += int(np.count_nonzero(mask))

    def _write(self, v_v, width_s, sel):
        """Pulse the selected cells ``sel`` (n_in, 2 n_out) through the line drivers.

        ``scheme = "ideal"``: selected cells get ``v_v``, the others 0 V.  ``"v2"`` and
        ``"v3"``: one phase per bit line; selected rows and the bit line are driven so
        the selected cells see ``v_v``, and the half-selected ones ``v_v / 2`` (``v2``)
        or ``+-v_v / 3`` (``v3``) for the same time.
        """
        sel = np.asarray(sel, bool).reshape(self.shape)
        if not sel.any():
            return
        if self.scheme == "ideal":
            self._pulse(v_v, width_s, sel.ravel())
            return
        for j in np.flatnonzero(sel.any(axis=0)):
            rows = sel[:, j]
            v = np.zeros(self.shape)
            if self.scheme == "v2":
                v[rows, :] = v_v / 2
                v[:, j] = v_v / 2
            else:
                v[:, :] = -v_v / 3
                v[rows, :] = v_v / 3
                v[:, j] = v_v / 3
            v[rows, j] = v_v
            act = v != 0
            self.dev.pulse(np.where(act, v, 0.0).ravel(), width_s, n_steps=self.prog.n_steps,
                           mask=act.ravel())
            self.n_pulses += int(np.count_nonzero(rows))

    def _form(self, mask):
        pr = self.prog
        self._pulse(pr.v_form_v, pr.t_form_s, mask)
        for _ in range(pr.n_init_resets):
            self._pulse(pr.v_reset_v, pr.t_reset_s, mask)

    def update(self, step: np.ndarray) -> int:
        """Apply one Manhattan step ``sign(step)`` (n_in, n_out); return weights changed."""
        s = np.sign(step)
        up, down = s > 0, s < 0
        plus = np.zeros(self.shape, bool)
        minus = np.zeros(self.shape, bool)
        pr = self.prog
        if self.mode == "depress":
            minus[:, 1::2] = up        # raise W: reset G-
            plus[:, 0::2] = down       # lower W: reset G+
            self._write(pr.v_reset_v, pr.t_reset_s, plus | minus)
        else:
            setm = np.zeros(self.shape, bool)
            resm = np.zeros(self.shape, bool)
            setm[:, 0::2] = up
            resm[:, 1::2] = up
            setm[:, 1::2] = down
            resm[:, 0::2] = down
            self._write(pr.v_set_v, pr.t_set_s, setm)
            self._write(pr.v_reset_v, pr.t_reset_s, resm)
        return int(np.count_nonzero(s))

    def refresh(self) -> int:
        """Re-form pairs whose two devices have both fallen low; keep their weights.

        The pair is SET, reset ``n_init_resets`` times, then the device that should
        be lower gets RESET pulses until the pair's weight passes its old value
        (read-verify, at most 30 pulses).  Returns the number of pairs refreshed.
        """
        if self.mode != "depress":
            return 0
        g = self.g_matrix()
        lim = self.prog.refresh_fraction * self.g_ref_siemens
        low = (g[:, 0::2] < lim) & (g[:, 1::2] < lim)
        if not low.any():
            return 0
        w_old = g[:, 0::2] - g[:, 1::2]
        mask = np.zeros(self.shape, bool)
        mask[:, 0::2] = low
        mask[:, 1::2] = low
        self._form(mask.ravel())
        pr = self.prog
        for _ in range(30):
            g = self.g_matrix()
            w = g[:, 0::2] - g[:, 1::2]
            need_up = low & (w < w_old)        # reset G-
            need_dn = low & (w > w_old)        # reset G+
            m = np.zeros(self.shape, bool)
            m[:, 1::2] = need_up & (g[:, 1::2] > lim)
            m[:, 0::2] = need_dn & (g[:, 0::2] > lim)
            if not m.any():
                break
            self._pulse(pr.v_reset_v, pr.t_reset_s, m.ravel())
            low = low & ~((w - w_old) * np.sign(w_old - w + 1e-300) > 0)
        n = int(np.count_nonzero(mask)) // 2
        self.n_refresh += n
        return n

    # -- reading --------------------------------------------------------------------
    def transfer_siemens(self) -> np.ndarray:
        """Bit-line current per unit word-line voltage (n_in, 2 n_out), S.

        Ideal wires: the conductance matrix.  Resistive wires: one network solve per
        word line (superposition; exact for ohmic devices, and li_filament's current
        is linear in V at fixed state).
        """
        g = self.g_matrix()
        if self.r_wire_ohm <= 0:
            return g
        return wire_transfer(g, self.r_wire_ohm)

    def outputs_a(self, x: np.ndarray, transfer=None) -> np.ndarray:
        """Differential output currents (n_samples, n_out), A, for inputs ``x`` in [0, 1]."""
        t = self.transfer_siemens() if transfer is None else transfer
        i = (np.asarray(x, float) * self.prog.v_read_v) @ t
        return i[:, 0::2] - i[:, 1::2]


def wire_transfer(g: np.ndarray, r_wire_ohm: float) -> np.ndarray:
    """Bit-line currents per unit word-line voltage of a crossbar with resistive lines.

    Layout as in :mod:`memli.circuits.network`: word line ``i`` is driven by an ideal
    source at its column-0 cell, bit line ``j`` ends in a virtual ground at its
    row-(n-1) cell, each line has a segment ``r_wire_ohm`` between neighbouring cells.
    The nodal matrix is factorised once and solved for all ``n`` unit drives.

    Parameters
    ----------
    g : ndarray (n, m)
        Cell conductances, S.
    r_wire_ohm : float
        Segment resistance, ohm (> 0).

    Returns
    -------
    ndarray (n, m)
        ``T[i, j]``: current into the virtual ground of bit line ``j`` per volt on
        word line ``i``, S.
    """
    import scipy.sparse as sps
    import scipy.sparse.linalg as spla
    n, m = g.shape
    gw = 1.0 / r_wire_ohm
    # unknowns: w[i, j] for j >= 1, b[i, j] for i <= n - 2 (the others are pinned)
    wid = -np.ones((n, m), int)
    wid[:, 1:] = np.arange(n * (m - 1)).reshape(n, m - 1)
    bid = -np.ones((n, m), int)
    bid[:-1, :] = n * (m - 1) + np.arange((n - 1) * m).reshape(n - 1, m)
    nu = n * (m - 1) + (n - 1) * m
    rows, cols, vals = [], [], []
    rhs = np.zeros((nu, n))

    def add(a_id, b_id, gv, a_pin=None, b_pin=None):
        # conductance gv between node a and node b; pins: (row of rhs) value 1 for w[i, 0]
        for x_id, y_id, y_pin in ((a_id, b_id, b_pin), (b_id, a_id, a_pin)):
            ok = x_id >= 0
            rows.append(x_id[ok]); cols.append(x_id[ok]); vals.append(gv[ok])
            both = ok & (y_id >= 0)
            rows.append(x_id[both]); cols.append(y_id[both]); vals.append(-gv[both])
            if y_pin is not None:
                pin = ok & (y_id < 0) & (y_pin >= 0)
                np.add.at(rhs, (x_id[pin], y_pin[pin]), gv[pin])

    # w pins: w[i, 0] = 1 V for drive i (rhs column i); b pins: 0 V
    wpin = np.where(wid < 0, np.arange(n)[:, None] * np.ones((1, m), int), -1)
    none = -np.ones((n, m), int)
    # cells
    add(wid.ravel(), bid.ravel(), g.ravel(), wpin.ravel(), none.ravel())
    # word-line segments
    add(wid[:, :-1].ravel(), wid[:, 1:].ravel(), np.full(n * (m - 1), gw),
        wpin[:, :-1].ravel(), wpin[:, 1:].ravel())
    # bit-line segments
    add(bid[:-1, :].ravel(), bid[1:, :].ravel(), np.full((n - 1) * m, gw),
        none[:-1, :].ravel(), none[1:, :].ravel())
    A = sps.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                       shape=(nu, nu))
    sol = spla.splu(A).solve(rhs)                     # (nu, n)
    # current into the virtual ground of bit line j: through the last segment, or the
    # cell itself when n == 1
    w = np.where((wid >= 0)[..., None], sol[np.clip(wid, 0, None)], 0.0)   # (n, m, drive)
    w[:, 0, :] = np.eye(n)
    b = np.where((bid >= 0)[..., None], sol[np.clip(bid, 0, None)], 0.0)
    return np.einsum("rj,rjd->dj", g, w - b)


@dataclass
class TrainResult:
    """History of an in-situ training run."""

    train_accuracy: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    weight_updates: int = 0
    pulses: int = 0
    refreshes: int = 0
    epochs: int = 0
    mean_d: list = field(default_factory=list)
    crossbar: Crossbar | None = None

    @property
    def final_train_accuracy(self) -> float:
        return self.train_accuracy[-1] if self.train_accuracy else float("nan")

    @property
    def final_test_accuracy(self) -> float:
        return self.test_accuracy[-1] if self.test_accuracy else float("nan")


def accuracy(xb: Crossbar, x, y, transfer=None) -> float:
    """Fraction of samples whose largest output is the labelled class."""
    if len(y) == 0:
        return float("nan")
    return float(np.mean(np.argmax(xb.outputs_a(x, transfer), axis=1) == np.asarray(y)))


def train(xb: Crossbar, x_train, y_train, x_test=None, y_test=None, epochs: int = 50,
          batch_size: int | None = 256, beta: float = 1.0, margin: float = 0.6,
          grad_fraction: float = 0.1, stop_at_100: bool = False, rng=None,
          progress=None) -> TrainResult:
    """Manhattan-rule delta-rule training in situ [prezioso2015].

    Outputs are normalised as ``f = tanh(beta * I / (V_read * G_ref))`` (``G_ref``:
    mean device conductance after initialisation); targets are ``+margin`` for the
    labelled class and ``-margin`` otherwise; the error of an output already beyond
    its target counts as zero.  Per batch the gradient ``sum_n x_i (t_k - f_k)``
    gets one Manhattan step per weight where its magnitude exceeds
    ``grad_fraction`` times the largest one.

    Parameters
    ----------
    xb : Crossbar
    x_train : ndarray (n, n_in)
        Inputs in [0, 1] (bias column included).
    y_train : ndarray (n,)
        Class labels 0..n_out-1.
    x_test, y_test : optional
        Evaluated after every epoch.
    epochs : int
    batch_size : int, optional
        Samples per update (None: the whole set, batch mode as in [prezioso2015]).
    beta, margin, grad_fraction : float
    stop_at_100 : bool
        Stop after the first epoch with 100 % training accuracy.
    rng : Generator or int, optional
        Shuffles mini-batches.
    progress : callable, optional
        ``progress(epoch, epochs, train_accuracy)`` after every epoch.

    Returns
    -------
    TrainResult
    """
    rng = np.random.default_rng(rng)
    x_train = np.asarray(x_train, float)
    y_train = np.asarray(y_train, int)
    n = len(y_train)
    bs = n if not batch_size else int(batch_size)
    tgt = np.full((n, xb.n_out), -margin)
    tgt[np.arange(n), y_train] = margin
    scale = xb.prog.v_read_v * xb.g_ref_siemens
    res = TrainResult(crossbar=xb)
    for ep in range(epochs):
        order = rng.permutation(n) if bs < n else np.arange(n)
        for s in range(0, n, bs):
            idx = order[s:s + bs]
            t = xb.transfer_siemens()
            f = np.tanh(beta * xb.outputs_a(x_train[idx], t) / scale)
            err = tgt[idx] - f
            beyond = np.where(tgt[idx] > 0, f > tgt[idx], f < tgt[idx])
            err[beyond] = 0.0
            grad = x_train[idx].T @ err
            big = np.abs(grad) > grad_fraction * np.max(np.abs(grad), initial=0.0)
            grad = np.where(big, grad, 0.0)
            res.weight_updates += xb.update(grad)
            res.refreshes += xb.refresh()
        t = xb.transfer_siemens()
        res.train_accuracy.append(accuracy(xb, x_train, y_train, t))
        if x_test is not None:
            res.test_accuracy.append(accuracy(xb, x_test, y_test, t))
        if "d" in xb.dev.model.state_names:
            res.mean_d.append(float(np.mean(xb.dev.state("d"))))
        res.epochs = ep + 1
        if progress is not None:
            progress(ep + 1, epochs, res.train_accuracy[-1])
        if stop_at_100 and res.train_accuracy[-1] >= 1.0:
            break
    res.pulses = xb.n_pulses
    return res
