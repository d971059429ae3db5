"""100 seeded random parameter draws per model, uniform (log-uniform for log-scale
parameters) within the declared bounds, instance parameters included: the Verilog-A
module compiles with OpenVAF and the sweep converges in VACASK and in ngspice, for all
100 (issue 6).  The module is compiled once per model (parameters are runtime values);
VACASK runs the 100 draws in one netlist, ngspice one deck per draw.
"""
import pytest

from memli.models.base import registry
from memli.verify import batch_converge, random_draws

N_DRAWS = 100


@pytest.mark.parametrize("model_name", sorted(registry()))
@pytest.mark.parametrize("simulator", ["vacask", "ngspice"])
def test_random_draws_converge(model_name, simulator):
    m = registry()[model_name]
    draws = random_draws(m, N_DRAWS, seed=0)
    ok = batch_converge(m, draws, simulator=simulator)
    failed = [{k: draws[j][k] for k in m.params} for j, o in enumerate(ok) if not o]
    print(f"{model_name} {simulator}: {sum(ok)}/{N_DRAWS} converged")
    assert sum(ok) == N_DRAWS, failed[:3]
