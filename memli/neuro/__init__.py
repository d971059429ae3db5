"""Neuromorphic circuits on memli devices: plasticity, a spiking synapse, in-situ training.

* :mod:`memli.neuro.devices` -- many devices integrated together (vectorised).
* :mod:`memli.neuro.plasticity` -- pulse potentiation/depression, STDP windows.
* :mod:`memli.neuro.lif` -- memristive synapse + leaky integrate-and-fire neuron, in
  memli and as an ngspice netlist.
* :mod:`memli.neuro.network` -- differential crossbar trained with the Manhattan rule.
* :mod:`memli.neuro.tasks` -- the 3x3 letters and the 8x8 digits.
"""
from .devices import DeviceArray  # noqa: F401
