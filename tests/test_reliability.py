"""Inter-coder reliability: Krippendorff's alpha per code and with MASI over label sets."""
import numpy as np
import pandas as pd
import pytest

from analysis.evaluation.reliability import (alpha_table, binary_alpha, disagreements,
                                             masi_alpha, set_distance, split_cell)


def _coding(sets):
    return pd.DataFrame({"clause_id": [f"c{i}" for i in range(len(sets))],
                         "domains": [";".join(sorted(s)) for s in sets]})


def test_binary_alpha_matches_krippendorffs_worked_example():
    # Krippendorff (2011, "Computing Krippendorff's alpha-reliability", section A):
    # two coders, ten units, binary values; alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert binary_alpha(np.array([a, b])) == pytest.approx(0.095, abs=0.001)


def test_masi_distance_and_alpha_extremes():
    assert set_distance(frozenset(), frozenset()) == 0.0
    assert set_distance(frozenset("a"), frozenset("b")) == 1.0
    sets = [frozenset("ab"), frozenset("c"), frozenset()] * 5
    assert masi_alpha([sets, sets]) == pytest.approx(1.0)
    # partial overlap counts as partial agreement: better than total disagreement
    partial = [frozenset("a"), frozenset("c"), frozenset()] * 5
    other = [frozenset("c"), frozenset(), frozenset("ab")] * 5
    assert masi_alpha([sets, other]) < masi_alpha([sets, partial]) < 1.0


def test_alpha_table_recovers_agreement_levels_in_simulation():
    rng = np.random.default_rng(3)
    labels = list("abcdef")
    truth = [frozenset(x for x in labels if rng.random() < 0.25) for _ in range(150)]

    def coder(noise):
        return [frozenset(x for x in labels
                          if ((x in t) if rng.random() > noise else rng.random() < 0.25))
                for t in truth]

    perfect = alpha_table({"b": _coding(truth), "c": _coding(truth)}, {"domain": labels},
                          n_boot=50)
    assert (perfect["alpha"] == 1.0).all()
    chance = alpha_table({"b": _coding(coder(1.0)), "c": _coding(coder(1.0))},
                         {"domain": labels}, n_boot=200)
    masi = chance[chance["code"] == "all (MASI)"].iloc[0]
    assert masi["alpha_low"] < 0.0 < masi["alpha_high"] + 0.05
    noisy = alpha_table({"b": _coding(coder(0.2)), "c": _coding(coder(0.2))},
                        {"domain": labels}, n_boot=200)
    per_code = noisy[noisy["code"] != "all (MASI)"]["alpha"]
    assert 0.45 < per_code.mean() < 0.85


def test_disagreements_lists_only_differing_clauses():
    b = _coding([{"a"}, {"b"}, set()])
    c = _coding([{"a"}, {"a"}, set()])
    sample = pd.DataFrame({"clause_id": ["c0", "c1", "c2"], "item": [1, 2, 3],
                           "text": ["x", "y", "z"]})
    table = disagreements({"b": b, "c": c}, sample)
    assert table["clause_id"].tolist() == ["c1"]
    assert table.loc[0, "b"] == "b" and table.loc[0, "c"] == "a"


def test_split_cell():
    assert split_cell("a; b;") == frozenset({"a", "b"})
    assert split_cell(float("nan")) == frozenset()


def test_reliability_sample_files_are_complete_and_valid():
    from conftest import ROOT

    from analysis.text.coding import codes

    folder = ROOT / "tests" / "gold" / "reliability"
    sample = pd.read_csv(folder / "sample.csv", dtype=str, keep_default_na=False)
    valid = {"domains": set(codes("domain")), "instruments": set(codes("instrument")),
             "phases": {"prevention", "preparedness", "response", "recovery"}}
    used = set(pd.read_csv(ROOT / "tests" / "gold" / "domain_sample.csv")["clause_id"])
    assert len(sample) >= 150 and not set(sample["clause_id"]) & used
    for name in ("coder_b.csv", "coder_c.csv", "adjudicated.csv"):
        table = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        assert table["clause_id"].tolist() == sample["clause_id"].tolist(), name
        for column, allowed in valid.items():
            for cell in table[column]:
                assert split_cell(cell) <= allowed, (name, cell)


def test_the_study_reproduces_its_published_figures():
    from analysis.evaluation.reliability import reliability_study

    study = reliability_study(n_boot=50)
    masi = study["alpha"].set_index(["scheme", "code"]).loc[("domain", "all (MASI)")]
    assert masi["n_units"] == 150 and 0.85 < masi["alpha"] < 0.95
    rules = study["rules"].set_index("scheme")["kappa"]
    assert 0.55 < rules["domain"] < 0.70 and 0.50 < rules["instrument"] < 0.70
    by_code = study["rules_by_code"]
    assert set(by_code["scheme"]) == {"domain", "instrument"}
    from analysis.text.coding import codes

    domains = by_code[by_code["scheme"] == "domain"]
    assert set(domains["code"]) == set(codes("domain"))
    assert domains[["precision", "recall"]].stack().between(0, 1).all()
