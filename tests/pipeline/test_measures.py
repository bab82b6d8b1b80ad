"""The seed's measure (TDMI - MI, measure="flow") beside transfer entropy, through the same flow path.

On a ground-truth chain both measures order the layers by both of the seed's methods; under a strong
hidden common driver they differ the way theory says: the seed's difference goes negative (the zero-lag
dependence exceeds the lagged one), while bivariate TE, a conditional MI, is positive both ways.
"""

import numpy as np
import pytest

from infoflow.data.synthetic import delay_chain
from infoflow.flow import information_flow
from infoflow.structure import progression


@pytest.mark.parametrize("seed", [0, 1])
def test_both_measures_order_the_layers_of_a_chain(seed):
    act = delay_chain(3000, n_layers=3, units_per_layer=3, driver_ar=0.3, seed=seed)
    layer = np.repeat([0, 1, 2], 3)
    for measure in ("te", "flow"):
        ds = information_flow(act, method="gaussian_copula", measure=measure, surrogates=30, lags=(1, 2), seed=0)
        assert ds.attrs["measure"] == measure
        for method in ("trophic", "hodge"):
            h = np.asarray(progression(ds, method, weight=measure).values)
            means = [np.nanmean(h[layer == k]) for k in range(3)]
            assert means[0] < means[1] < means[2], (measure, method, means)
            if method == "trophic":  # the significant-flow graph separates the layers completely
                assert (np.nanmax(h[layer == 0]) < np.nanmin(h[layer == 1]) <= np.nanmax(h[layer == 1])
                        < np.nanmin(h[layer == 2])), (measure, h)


def _common_driver(n, phi, sd, rng):
    """Hidden AR(1) driver z (coefficient phi, unit innovations) read by x and y at the same delay."""
    z = np.zeros(n + 200)
    e = rng.standard_normal(n + 200)
    for t in range(1, n + 200):
        z[t] = phi * z[t - 1] + e[t]
    z = z[200:]
    x = np.r_[0.0, z[:-1]] + sd * rng.standard_normal(n)
    y = np.r_[0.0, z[:-1]] + sd * rng.standard_normal(n)
    return np.column_stack([x, y])[1:]


def _theory(phi, sd):
    """Gaussian values (nats): TDMI_1 - MI and TE_1 (history 1) from x to y (the same both ways)."""
    v = 1.0 / (1.0 - phi**2)
    s = v + sd**2
    rho0, rho1 = v / s, phi * v / s
    flow = -0.5 * np.log(1 - rho1**2) + 0.5 * np.log(1 - rho0**2)
    # (y_{t+1}, y_t, x_t): var(y1 | y0) / var(y1 | y0, x0)
    cov = np.array([[s, phi * v, phi * v], [phi * v, s, v], [phi * v, v, s]])

    def cond_var(i, given):
        a = cov[np.ix_([i], given)]
        return float(cov[i, i] - (a @ np.linalg.solve(cov[np.ix_(given, given)], a.T))[0, 0])

    te = 0.5 * np.log(cond_var(0, [1]) / cond_var(0, [1, 2]))
    return flow, te


@pytest.mark.parametrize("phi,sd", [(0.9, 0.5), (0.8, 0.7)])
def test_common_driver_makes_the_seed_measure_negative_and_te_positive_both_ways(phi, sd):
    rng = np.random.default_rng(7)
    act = _common_driver(6000, phi, sd, rng)
    flow_theory, te_theory = _theory(phi, sd)
    assert flow_theory < 0 < te_theory  # what theory says, before any estimate
    te_ds = information_flow(act, method="gaussian_copula", measure="te", surrogates=40, lags=(1,), seed=0)
    fl_ds = information_flow(act, method="gaussian_copula", measure="flow", surrogates=40, lags=(1,), seed=0)
    te = te_ds["te"].values
    fl = fl_ds["flow"].max("lag").values
    for i, j in ((0, 1), (1, 0)):
        # the seed's measure: negative, near its Gaussian value, never significant
        assert fl[i, j] == pytest.approx(flow_theory, abs=0.05)
        assert not bool(fl_ds["significant"].values[i, j])
        # TE: positive, near its Gaussian value, significant both ways (a bivariate measure cannot tell a
        # hidden common driver from flow), and symmetric: no net direction
        assert te[i, j] == pytest.approx(te_theory, abs=0.03)
        assert bool(te_ds["significant"].values[i, j])
    assert abs(te[0, 1] - te[1, 0]) < 0.03
    # same estimator path: the TDMI - MI values do not depend on which measure is tested
    np.testing.assert_allclose(te_ds["flow"].values, fl_ds["flow"].values)
