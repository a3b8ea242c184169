"""Figures 2.2, 2.3 and 2.6: measurements drawn as heatmaps without intervals, every cell
labelled with its value, Chinese names rendered."""
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.figures import regional as P  # noqa: E402
from analysis.text import coding, plan_shares  # noqa: E402


def _toy():
    documents = pd.DataFrame({"doc_id": ["p1", "p2"], "admin_level": ["city", "county"],
                              "province_en": ["Jiangxi", "Zhejiang"],
                              "jurisdiction_en": ["Yichun City", "Yongjia County"],
                              "jurisdiction_zh": ["宜春市", "永嘉县"],
                              "year_start": [2023, 2021], "year_end": [2023, 2025]})
    texts = ["加强煤矿安全监管执法，严厉打击非法违法开采行为。", "推行巨灾保险，鼓励社会力量参与。",
             "完善应急预案体系，组织开展应急演练。", "加强森林防火和防汛抗旱工作。"]
    prepared = pd.DataFrame({"doc_id": ["p1", "p1", "p2", "p2"],
                             "clause_id": ["c1", "c2", "c3", "c4"], "content": texts,
                             "n_chars": [len(t) for t in texts]})
    return documents, prepared


def _cell_texts(ax):
    return [t.get_text() for t in ax.texts]


def test_share_heatmaps_show_values_without_intervals():
    documents, prepared = _toy()
    for scheme in ("domain", "instrument"):
        shares = plan_shares.plan_shares(prepared, coding.code_clauses(prepared, scheme), scheme)
        with warnings.catch_warnings():
            warnings.simplefilter("error")   # a missing CJK glyph warns
            fig = (P.plot_domain_heatmap(shares, documents) if scheme == "domain"
                   else P.plot_instrument_shares(shares, documents))
            fig.canvas.draw()
        ax = fig.axes[0]
        n_codes = len(coding.codes(scheme)) + 1
        assert ax.get_images()[0].get_array().shape == (n_codes, 2)
        texts = _cell_texts(ax)
        assert len(texts) == n_codes * 2 and not any("[" in t for t in texts)
        # each plan's column is its shares in percent, summing to 100
        values = np.array([float(t) for t in texts]).reshape(n_codes, 2)
        np.testing.assert_allclose(values.sum(axis=0), 100, atol=0.05 * n_codes)
        assert "宜春市" in " ".join(t.get_text() for t in ax.get_xticklabels())
        assert "no interval" in ax.get_title()
        plt.close(fig)


def test_similarity_figure_without_intervals():
    documents, prepared = _toy()
    table = pd.DataFrame({"representation": ["words", "char_2_4"], "doc_a": ["p1", "p1"],
                          "doc_b": ["p2", "p2"], "cosine": [0.25, 0.5]})
    fig = P.plot_similarity(table, documents)
    texts = [t for ax in fig.axes for t in _cell_texts(ax)]
    assert sorted(texts) == ["0.25", "0.50"]
    plt.close(fig)


def test_share_differences_figure_on_a_corpus_with_nothing_to_compare():
    """One level and one province: the table is empty and the figure says so instead of
    stopping the notebook (matplotlib refuses a grid of zero columns)."""
    from analysis.figures.regional import plot_share_differences
    from analysis.text.regional import SHARE_DIFFERENCES

    empty = pd.DataFrame(columns=SHARE_DIFFERENCES.column_names)
    fig = plot_share_differences(empty)
    assert "No group differences" in fig.axes[0].texts[0].get_text()
