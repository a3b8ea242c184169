"""The instrument sub-type × phase heatmap draws every cell of the table it is given."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.figures.instruments import plot_instrument_phase  # noqa: E402
from analysis.text import coding, phases  # noqa: E402


def test_heatmap_has_a_cell_per_subtype_and_phase():
    texts = ["推行巨灾保险，做好灾后恢复重建。", "修订完善应急预案，组织开展应急演练。", "坚持以人民为中心。"]
    prepared = pd.DataFrame({"doc_id": ["a", "a", "b"], "clause_id": ["1", "2", "3"],
                             "content": texts, "n_chars": [len(t) for t in texts]})
    table = phases.instrument_phase_table(phases.plan_cell_shares(prepared))
    fig = plot_instrument_phase(table)
    ax = fig.axes[0]
    n_rows, n_cols = len(coding.codes("subtype")) + 1, len(phases.PHASES) + 1
    assert len(ax.get_yticks()) == n_rows and len(ax.get_xticks()) == n_cols
    image = ax.get_images()[0].get_array()
    assert image.shape == (n_rows, n_cols)
    assert np.isclose(image.sum(), 100)              # percentages of a table summing to 1
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Insurance 保险" in labels
    assert "2 plans" in ax.get_title()
    plt.close(fig)
