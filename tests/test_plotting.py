"""Figures: Chinese glyphs render from the PyPI font; saving is reproducible."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from analysis.figures.style import apply_style, cjk_font_path, save_figure  # noqa: E402


def _figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["江西省 Jiangxi", "丽水市 Lishui", "危化品"], [1, 2, 3])
    ax.set_title("应急管理 emergency management −1")
    return fig


def test_font_comes_from_a_python_package():
    path = cjk_font_path()
    assert path.exists() and "site-packages" in str(path)


def test_chinese_labels_render_without_missing_glyphs(tmp_path):
    apply_style()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        fig = _figure()
        paths = save_figure(fig, "glyphs", folder=tmp_path)
        plt.close(fig)
    assert [p.suffix for p in paths] == [".pdf", ".png"]


def test_missing_glyph_would_be_caught(tmp_path):
    """The check above can fail: a character absent from the font raises under 'error'."""
    import pytest

    apply_style()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = plt.subplots()
        ax.set_title("\U0001F600")  # an emoji: in neither Noto Sans SC nor DejaVu Sans
        with pytest.raises(UserWarning, match="missing from font"):
            fig.savefig(tmp_path / "x.png")
        plt.close(fig)


def test_saved_figures_are_byte_identical(tmp_path):
    apply_style()
    a = save_figure(_figure(), "a", folder=tmp_path / "1")
    b = save_figure(_figure(), "a", folder=tmp_path / "2")
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes()
    plt.close("all")
