"""Phase and instrument-subtype rules on hand-written clauses, and the two-dimensional table."""
import numpy as np
import pandas as pd
import pytest

from analysis.text import coding, phases

# Written for this test from the codebook's phase definitions (not taken from any plan).
PHASE_EXAMPLES = {
    "全面开展隐患排查治理，深化危险化学品专项整治，严格安全准入。": {"prevention"},
    "修订完善应急预案，每年组织开展综合应急演练，加强应急物资储备。": {"preparedness"},
    "灾害发生后迅速组织人员疏散转移，开展抢险救援和现场指挥。": {"response"},
    "做好受灾群众生活救助，推进灾后恢复重建，开展事故调查评估。": {"recovery"},
    "加强党支部建设，开展主题党日活动，提升干部队伍凝聚力。": set(),
}
SUBTYPE_EXAMPLES = {
    "加大财政资金投入，落实专项经费补助。": {"funding"},
    "全面推行安全生产责任保险和巨灾保险。": {"insurance"},
    "通过政府购买服务引入第三方技术服务机构。": {"service_purchase"},
    "严格执法检查，依法查处违法违规行为。": {"enforcement_inspection"},
}


@pytest.mark.parametrize("text, expected", PHASE_EXAMPLES.items())
def test_phase_rules_code_hand_written_clauses(text, expected):
    coded = coding.code_texts([text], "phase")
    assert set(coded.columns[coded.iloc[0].to_numpy()]) == expected


@pytest.mark.parametrize("text, expected", SUBTYPE_EXAMPLES.items())
def test_subtype_rules_code_hand_written_clauses(text, expected):
    coded = coding.code_texts([text], "subtype")
    assert set(coded.columns[coded.iloc[0].to_numpy()]) == expected


def test_subtypes_name_a_known_instrument_type():
    book = phases.subtypes()
    assert set(book["instrument"]) == set(coding.codes("instrument"))
    assert coding.load_rules("subtype").codes == tuple(book["subtype"])
    assert coding.load_rules("phase").codes == phases.PHASES


def _prepared(rows):
    texts = [t for _, t in rows]
    return pd.DataFrame({"doc_id": [d for d, _ in rows],
                         "clause_id": [f"c{k}" for k in range(len(rows))],
                         "content": texts, "n_chars": [len(t) for t in texts]})


def test_two_dimensional_shares_split_and_sum():
    insurance_recovery = "推行巨灾保险，做好灾后恢复重建。"      # insurance × recovery
    two_by_one = "加大财政资金投入，严格执法检查，深化隐患排查治理。"  # funding, enforcement × prevention
    nothing = "坚持以人民为中心。"                              # uncoded × no phase
    prepared = _prepared([("a", insurance_recovery), ("a", two_by_one), ("b", nothing),
                          ("b", insurance_recovery)])
    shares = phases.plan_cell_shares(prepared)
    assert np.allclose(shares.groupby("doc_id")["share"].sum(), 1.0)
    cell = shares.set_index(["doc_id", "subtype", "phase"])["share"]
    total_a = len(insurance_recovery) + len(two_by_one)
    assert cell[("a", "insurance", "recovery")] == pytest.approx(len(insurance_recovery) / total_a)
    assert cell[("a", "funding", "prevention")] == pytest.approx(len(two_by_one) / 2 / total_a)
    assert cell[("a", "enforcement_inspection", "prevention")] == pytest.approx(
        len(two_by_one) / 2 / total_a)
    total_b = len(nothing) + len(insurance_recovery)
    assert cell[("b", "uncoded", "no phase")] == pytest.approx(len(nothing) / total_b)
    # The table is the mean over plans, each plan once, with the range beside it.
    table = phases.instrument_phase_table(shares).set_index(["subtype", "phase"])
    assert table["share"].sum() == pytest.approx(1.0)
    expected = (len(insurance_recovery) / total_a + len(insurance_recovery) / total_b) / 2
    assert table.at[("insurance", "recovery"), "share"] == pytest.approx(expected)
    assert table.at[("uncoded", "no phase"), "share_min"] == 0.0
    assert table.at[("uncoded", "no phase"), "plans_with"] == 1
    assert (table["n_plans"] == 2).all()
    assert table.loc[("insurance", "recovery"), "instrument"] == "demand"


def test_background_clauses_are_left_out_of_the_plan_text():
    prepared = _prepared([("a", "推行巨灾保险，做好灾后恢复重建。"), ("a", "坚持以人民为中心。")])
    shares = phases.plan_cell_shares(prepared, background={"c1"})
    cell = shares.set_index(["subtype", "phase"])["share"]
    assert cell[("insurance", "recovery")] == pytest.approx(1.0)


def test_a_corpus_without_policy_text_gives_an_empty_table():
    prepared = _prepared([("a", "坚持以人民为中心。")])
    shares = phases.plan_cell_shares(prepared, background={"c0"})
    assert shares.empty
    assert list(shares.columns) == ["doc_id", "instrument", "subtype", "phase", "share",
                                    "n_chars"]


def test_phase_agreement_scores_rules_against_gold():
    texts = list(PHASE_EXAMPLES)
    sample = pd.DataFrame({"clause_id": [f"x{k}" for k in range(len(texts))], "text": texts})
    gold = sample.assign(phases=[";".join(sorted(v)) for v in PHASE_EXAMPLES.values()])
    table = phases.phase_agreement(sample, gold, n_boot=50).set_index("code")
    assert table.at["overall (pooled)", "kappa"] == pytest.approx(1.0)
    wrong = gold.assign(phases=["response", "recovery", "prevention", "preparedness", ""])
    worse = phases.phase_agreement(sample, wrong, n_boot=50).set_index("code")
    assert worse.at["overall (pooled)", "kappa"] < 0


def test_subtypes_roll_up_to_their_instrument_types():
    texts = list(SUBTYPE_EXAMPLES)
    sample = pd.DataFrame({"clause_id": [f"s{k}" for k in range(len(texts))], "text": texts})
    gold = sample.assign(instruments=["supply", "demand", "demand", "environment"])
    table = phases.subtype_rollup_agreement(sample, gold, n_boot=50).set_index("code")
    assert table.at["overall (pooled)", "kappa"] == pytest.approx(1.0)
    assert table.at["demand", "gold_positive"] == 2 and table.at["demand", "both"] == 2
    flipped = gold.assign(instruments=["demand", "supply", "environment", "supply"])
    worse = phases.subtype_rollup_agreement(sample, flipped, n_boot=50).set_index("code")
    assert worse.at["overall (pooled)", "kappa"] < 0.2


def test_tables_match_their_schemas():
    from analysis.core.schema import validate

    prepared = _prepared([("a", "推行巨灾保险，做好灾后恢复重建。"), ("b", "坚持以人民为中心。")])
    shares = phases.plan_cell_shares(prepared)
    validate(shares, phases.INSTRUMENT_PHASE_PLANS)
    validate(phases.instrument_phase_table(shares), phases.INSTRUMENT_PHASE)
