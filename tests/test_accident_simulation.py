"""The simulation study's processes and worlds."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.accidents.loader import load_accident_stats
from analysis.accidents.panel import series_segments
from analysis.accidents.simulation import simulate_log_series, simulated_panel
from analysis.core.paths import raw_dir


def test_processes_have_their_defining_shape():
    rng = np.random.default_rng(0)
    damped = np.mean([np.diff(simulate_log_series("damped", 12, rng)) for _ in range(400)], 0)
    assert damped[0] < -0.08 and damped[-1] > -0.02          # the decline levels off
    rw = np.array([np.diff(simulate_log_series("random_walk", 12, rng)) for _ in range(400)])
    assert rw.mean() == pytest.approx(-0.05, abs=0.01)
    assert rw.std() == pytest.approx(0.06, abs=0.01)
    brk = np.array([np.diff(simulate_log_series("break", 12, rng)) for _ in range(400)])
    assert brk[:, 0].mean() == pytest.approx(-0.10, abs=0.01)
    assert brk[:, -1].mean() == pytest.approx(-0.02, abs=0.01)
    with pytest.raises(ValueError):
        simulate_log_series("nothing", 5, rng)


def test_worlds_keep_the_observed_segments_and_are_reproducible():
    panel = load_accident_stats(raw_dir())
    a = simulated_panel(panel, "damped", 0, seed=1)
    b = simulated_panel(panel, "damped", 0, seed=1)
    c = simulated_panel(panel, "damped", 1, seed=1)
    real = series_segments(panel)
    real = real[(real["n_years"] > 4) & (real["geo_level"] == "national")].set_index(
        "series_id")["n_years"]
    assert series_segments(a).set_index("series_id")["n_years"].to_dict() == real.to_dict()
    assert a["value"].tolist() == b["value"].tolist()
    assert a["value"].tolist() != c["value"].tolist()
    assert (a["value"] > 0).all()
