"""One figure style and one save function for every figure of the project.

Chinese labels render from Noto Sans SC, installed from PyPI with the package
``pylopdf-fonts-zh-cn`` and registered with matplotlib here, so figures look the same on a
machine that has no CJK system fonts. Figures are saved as PDF (fonts embedded as TrueType-
flavoured Type 42 is not possible for this CFF font, so Type 3 is used) and PNG with fixed
metadata so that repeated builds write identical files.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager

from analysis.core.paths import figures_dir

CJK_FONT_NAME = "Noto Sans SC"
_STYLE_APPLIED = False

#: Colour-blind-safe palette (Okabe & Ito 2008) shared by all figures.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000"]


def cjk_font_path() -> Path:
    """Path of the bundled Simplified-Chinese font file."""
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.sans_path())


def apply_style() -> None:
    """Register the CJK font and set the shared rcParams (idempotent)."""
    global _STYLE_APPLIED
    if _STYLE_APPLIED:
        return
    font_manager.fontManager.addfont(str(cjk_font_path()))
    matplotlib.rcParams.update({
        # Noto Sans SC covers Latin and Chinese; the PDF backend does no per-glyph fallback,
        # so the CJK font must come first rather than behind DejaVu Sans.
        "font.family": "sans-serif",
        "font.sans-serif": [CJK_FONT_NAME, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "figure.dpi": 100,
        "savefig.dpi": 200,
        "savefig.bbox": "tight",
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "pdf.fonttype": 3,
        "svg.hashsalt": "analysis",
    })
    _STYLE_APPLIED = True


def save_figure(fig: plt.Figure, name: str, folder: Path | None = None) -> list[Path]:
    """Save ``fig`` as ``<name>.pdf`` and ``<name>.png`` in ``figures/``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    name : str
        File stem, e.g. ``"fig01_targets_by_document"``.
    folder : Path, optional
        Output folder; defaults to the repository's ``figures/``.

    Returns
    -------
    list of Path
        The written files (PDF first).
    """
    apply_style()
    folder = Path(folder) if folder is not None else figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.pdf", folder / f"{name}.png"]
    # Fixed metadata: no creation date, so the files do not change between builds.
    fig.savefig(paths[0], metadata={"CreationDate": None, "Producer": "analysis"})
    fig.savefig(paths[1], metadata={"Software": None})
    return paths


def save_and_show(fig: plt.Figure, name: str, folder: Path | None = None) -> None:
    """Save ``fig`` with :func:`save_figure`, display it once in a notebook, close it.

    Displaying through IPython (not the pyplot backend) gives the same stored notebook output
    whatever ``MPLBACKEND`` is (the Makefile sets Agg), so nbval sees identical outputs.
    """
    save_figure(fig, name, folder)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # outside IPython there is nothing to show
        pass
    else:
        if get_ipython() is not None:
            display(fig)
    plt.close(fig)
