"""Trained networks on crossbar tiles of memli devices (``memli analog``).

* :mod:`memli.analog.devices` -- conductance range and achievable levels of a card,
  found by programming its device model with pulses and write-verify; programming of
  many cells with device-to-device and cycle-to-cycle spread; retention drift by
  integrating the model at 0 V.
* :mod:`memli.analog.mapping` -- weights from numpy ``.npz``, scikit-learn
  ``MLPClassifier`` pickles or torch ``nn.Linear`` layers (when torch is installed).
* :mod:`memli.analog.tiles` -- a tile: a crossbar of fixed conductances on resistive
  lines read with many input vectors in one batched solve.
* :mod:`memli.analog.infer` -- the network mapped onto tiles with every non-ideality
  switchable (wires, levels, variability, faults, drift, read noise, DAC, ADC).
"""
from .devices import DeviceProfile, characterise
from .infer import NONIDEALITIES, AnalogConfig, AnalogResult, run_analog
from .mapping import Layer, load_layers
from .tiles import Tile

__all__ = ["DeviceProfile", "characterise", "NONIDEALITIES", "AnalogConfig", "AnalogResult",
           "run_analog", "Layer", "load_layers", "Tile"]
