"""Figures of the accident-target feasibility study.

Each function takes documented DataFrames (the tables written by
:func:`analysis.accidents.feasibility.build`) and returns a matplotlib Figure; saving is left to
:func:`analysis.figures.style.save_figure`. Labels are English, with Chinese names where a reader
needs them to find the place or indicator in the sources.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
import pandas as pd

from analysis.accidents.models import MODEL_NAMES, MODELS
from analysis.accidents.indicators import GEO_LEVELS
from analysis.figures.style import PALETTE, apply_style, save_and_show  # noqa: F401  (re-exported for notebooks)

_INDICATOR_LABEL = {
    "deaths_total": "Deaths 死亡人数",
    "accidents_total": "Accidents 事故起数",
    "deaths_per_100m_gdp": "Deaths per 100m yuan GDP 亿元GDP死亡率",
    "coal_deaths_per_mt": "Coal deaths per Mt 煤矿百万吨死亡率",
    "deaths_per_100k_industrial_workers": "Deaths per 100k industrial workers",
    "road_deaths_per_10k_vehicles": "Road deaths per 10k vehicles",
}
_MODEL_COLOUR = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(MODEL_NAMES)}


def plot_national_series(panel: pd.DataFrame,
                         indicators: Sequence[str] = ("deaths_total", "accidents_total")
                         ) -> plt.Figure:
    """National series with the 2016 scope break and the quality flags of each figure.

    Parameters
    ----------
    panel : pandas.DataFrame
        Accident panel (schema ``accident_panel``).
    indicators : sequence of str
        Level indicators to draw, one panel each.
    """
    apply_style()
    fig, axes = plt.subplots(1, len(indicators), figsize=(4.6 * len(indicators), 3.4))
    axes = np.atleast_1d(axes)
    for ax, code in zip(axes, indicators):
        rows = panel[(panel["geo_level"] == "national") & (panel["indicator"] == code)]
        for period, colour in (("pre2016", PALETTE[0]), ("from2016", PALETTE[1])):
            part = rows[rows["scope_period"] == period].sort_values("year")
            label = "before the 2016 reform" if period == "pre2016" else "reformed statistics"
            ax.plot(part["year"], part["value"] / 1000, "-", color=colour, lw=1, alpha=0.6)
            exact = part[~(part["is_rounded"] | part["is_preliminary"] | part["is_derived"])]
            ax.plot(exact["year"], exact["value"] / 1000, "o", color=colour, ms=4, label=label)
            flagged = part[part["is_rounded"] | part["is_preliminary"] | part["is_derived"]]
            ax.plot(flagged["year"], flagged["value"] / 1000, "o", mfc="white", color=colour,
                    ms=4)
        ax.plot([], [], "o", mfc="white", color="grey", ms=4,
                label="rounded, preliminary or derived")
        ax.axvline(2015.5, color="black", ls="--", lw=0.8)
        ax.text(2015.6, ax.get_ylim()[1] * 0.95, "2016-01-01 scope change\n统计口径调整",
                fontsize=7, va="top")
        ax.set_title(f"China 全国: {_INDICATOR_LABEL.get(code, code)}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("thousands")
        ax.set_xlabel("year")
    axes[0].legend(loc="lower left", frameon=False)
    fig.tight_layout()
    return fig


def plot_backtest(summary_by_horizon: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    """Back-test accuracy by horizon and interval coverage per model.

    Parameters
    ----------
    summary_by_horizon : pandas.DataFrame
        :func:`analysis.accidents.models.summarise_backtest` with ``by=("model", "horizon")``.
    summary : pandas.DataFrame
        The same pooled over horizons (schema ``backtest_summary``).
    """
    apply_style()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.5, 3.6))
    for model in MODEL_NAMES:
        part = summary_by_horizon[summary_by_horizon["model"] == model]
        if part.empty:
            continue
        ax1.plot(part["horizon"], part["mape"], "o-", color=_MODEL_COLOUR[model], ms=3,
                 label=MODELS[model].label)
    ax1.set_xlabel("horizon (years ahead)")
    ax1.set_ylabel("MAPE, %")
    ax1.set_title("Out-of-sample error by horizon")
    ax1.legend(fontsize=6, frameon=False, ncol=2)
    ax1.set_yscale("log")
    y = np.arange(len(summary))
    ax2.scatter(summary["coverage80"], y - 0.12, color=PALETTE[0], label="80 % interval", s=18)
    ax2.scatter(summary["coverage95"], y + 0.12, color=PALETTE[3], label="95 % interval", s=18)
    ax2.axvline(0.8, color=PALETTE[0], ls=":", lw=1)
    ax2.axvline(0.95, color=PALETTE[3], ls=":", lw=1)
    ax2.set_yticks(y, [f"{MODELS[m].label} (n={n})" for m, n in
                       zip(summary["model"], summary["n_forecasts"])])
    ax2.invert_yaxis()
    ax2.set_xlim(-0.02, 1.02)
    ax2.set_xlabel("share of actuals inside the interval (dotted: nominal)")
    ax2.set_title("Empirical interval coverage")
    ax2.legend(loc="lower right", frameon=False)
    fig.tight_layout()
    return fig


def plot_gm11_grades(gm11_grades: pd.DataFrame) -> plt.Figure:
    """The literature's in-sample GM(1,1) grade against out-of-sample error of the same fits.

    Parameters
    ----------
    gm11_grades : pandas.DataFrame
        Schema ``gm11_grades``.
    """
    apply_style()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
    for i, (series, part) in enumerate(gm11_grades.groupby("series_id", sort=True)):
        colour = PALETTE[i % len(PALETTE)]
        ax1.scatter(part["c_ratio"], part["outsample_mape"], color=colour, s=20, label=series)
        ax2.scatter(part["insample_mape"], part["outsample_mape"], color=colour, s=20)
    ax1.set_xlim(0, max(0.7, gm11_grades["c_ratio"].max() * 1.1))
    ax1.axvline(0.35, color="black", ls=":", lw=1)
    ax1.text(0.36, ax1.get_ylim()[0], "left of the line:\ngrade 'good' (一级)\nif P > 0.95",
             fontsize=7, va="bottom")
    ax1.set_xlabel("posterior-variance ratio C (in-sample) 后验差比值")
    ax1.set_ylabel("out-of-sample MAPE, %")
    ax1.set_title("GM(1,1): in-sample grade vs forecast error")
    ax1.legend(fontsize=6.5, frameon=False, loc="upper right")
    lim = max(gm11_grades["insample_mape"].max(), gm11_grades["outsample_mape"].max()) * 1.1
    ax2.plot([0, lim], [0, lim], color="grey", lw=0.8, ls="--")
    ax2.set_xlim(0, lim)
    ax2.set_ylim(0, lim)
    ax2.set_xlabel("in-sample MAPE, %")
    ax2.set_ylabel("out-of-sample MAPE, %")
    ax2.set_title("Fit is not forecast (dashed: equal)")
    fig.tight_layout()
    return fig


def plot_fan_charts(forecasts: pd.DataFrame, panel: pd.DataFrame, feasibility: pd.DataFrame,
                    target_ids: Sequence[str], method: str = "model_ensemble",
                    ncols: int = 3) -> plt.Figure:
    """Fan charts (80 % and 95 %) of the target-year value with the target line.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        Schema ``forecasts``.
    panel : pandas.DataFrame
        Accident panel, for the history.
    feasibility : pandas.DataFrame
        Schema ``feasibility`` (threshold, probability, data used, outcome).
    target_ids : sequence of str
        Targets to draw, one panel each.
    method : str
        Which predictive distribution to draw.
    """
    apply_style()
    n = len(target_ids)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.9 * nrows), squeeze=False)
    for ax, tid in zip(axes.flat, target_ids):
        row = feasibility[(feasibility["target_id"] == tid)
                          & (feasibility["method"] == method)].iloc[0]
        fc = forecasts[(forecasts["target_id"] == tid) & (forecasts["method"] == method)]
        hist = panel[(panel["geo_zh"] == row["geography_zh"])
                     & (panel["indicator"] == row["indicator"])].sort_values("year")
        base_scope = "pre2016" if int(str(row["base_years"]).split(";")[-1]) < 2016 \
            else "from2016"
        known = hist[(hist["year"] < row["year_set"]) & (hist["scope_period"] == base_scope)]
        later = hist[(hist["year"] >= row["year_set"]) & (hist["scope_period"] == base_scope)
                     & (hist["year"] <= row["target_year"])]
        other = hist[(hist["scope_period"] != base_scope) & (hist["year"] <= row["target_year"])]
        ax.fill_between(fc["year"], fc["lower95"], fc["upper95"], color=PALETTE[0], alpha=0.15,
                        lw=0, label="95 %")
        ax.fill_between(fc["year"], fc["lower80"], fc["upper80"], color=PALETTE[0], alpha=0.3,
                        lw=0, label="80 %")
        ax.plot(fc["year"], fc["median"], color=PALETTE[0], lw=1)
        ax.plot(known["year"], known["value"], "o-", color="black", ms=3, lw=0.8,
                label="data when set")
        if len(later):
            ax.plot(later["year"], later["value"], "o", mfc="white", color="black", ms=3,
                    label="observed later")
        if len(other):
            ax.plot(other["year"], other["value"], "x", color="grey", ms=3,
                    label="other scope (not comparable)")
        thr = row["threshold_value"]
        ax.axhline(thr, color=PALETTE[3], ls="--", lw=1,
                   label="target line" + (" (median)" if row["threshold_simulated"] is True
                                          else ""))
        ax.axvline(row["target_year"], color="grey", lw=0.5, ls=":")
        ax.set_title(f"{row['label']}\nP(met) = {row['probability']:.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    legend = {}
    for ax in list(axes.flat)[:n]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    fig.legend(list(legend.values()), list(legend), loc="lower center", ncol=4, frameon=False,
               fontsize=7)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


_METHOD_STYLE = {
    "model_ensemble": ("o", PALETTE[0], "model ensemble"),
    "ensemble_recalibrated": ("D", PALETTE[3], "ensemble, recalibrated"),
    "hierarchical_nb": ("s", PALETTE[2], "partially pooled NB (regional)"),
}


def plot_probabilities(feasibility: pd.DataFrame) -> plt.Figure:
    """Per target: the change required against the predicted distribution of the change
    (median and 80 % interval per method), the observed change where known, and P(met).

    Targets with no predicted change ("no major accident") show P(count = 0) as text.

    Parameters
    ----------
    feasibility : pandas.DataFrame
        Schema ``feasibility``; rows of the methods in ``_METHOD_STYLE`` with status ok.
    """
    apply_style()
    shown = feasibility[feasibility["method"].isin(_METHOD_STYLE)
                        & (feasibility["status"] == "ok")]
    order = list(dict.fromkeys(shown["target_id"]))
    fig, ax = plt.subplots(figsize=(9.5, 0.42 * len(order) + 1.5))
    offsets = dict(zip(_METHOD_STYLE, (-0.18, 0.0, 0.18)))
    for i, tid in enumerate(order):
        rows = shown[shown["target_id"] == tid]
        first = rows.iloc[0]
        required = (first["required_change_pct"] if first["comparator"] == "decline_by"
                    else 0.0 if first["comparator"] == "below" else np.nan)
        if pd.notna(required):
            ax.plot([required, required], [i - 0.35, i + 0.35], color="black", lw=1.6)
        texts = []
        for rec in rows.to_dict("records"):
            marker, colour, _ = _METHOD_STYLE[rec["method"]]
            y = i + offsets[rec["method"]]
            if pd.notna(rec["predicted_change_median"]):
                ax.plot([rec["predicted_change_lower80"], rec["predicted_change_upper80"]],
                        [y, y], color=colour, lw=1.2)
                ax.plot(rec["predicted_change_median"], y, marker, color=colour, ms=4)
            texts.append(f"{rec['probability']:.2f}")
        if pd.notna(first["outcome_change_pct"]):
            ax.plot(first["outcome_change_pct"], i, "*", color=PALETTE[4], ms=9, zorder=5)
        what = "P(met) " if first["comparator"] != "no_major" else "P(none) "
        ax.text(1.01, i, what + " / ".join(texts), transform=ax.get_yaxis_transform(),
                va="center", fontsize=7)
    labels = [f"{shown.loc[shown['target_id'] == t, 'label'].iloc[0]} "
              f"({shown.loc[shown['target_id'] == t, 'geography_en'].iloc[0] or ''}, "
              f"{int(shown.loc[shown['target_id'] == t, 'target_year'].iloc[0])})"
              for t in order]
    ax.set_yticks(range(len(order)), labels, fontsize=7)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.axvline(0, color="grey", lw=0.6, ls=":")
    ax.set_xlabel("change against the target's baseline, % (black bar: required; "
                  "star: observed)")
    for method, (marker, colour, label) in _METHOD_STYLE.items():
        ax.plot([], [], marker + "-", color=colour, label=label + " (median, 80 %)")
    ax.plot([], [], "*", color=PALETTE[4], ms=8, label="observed change")
    ax.legend(loc="upper center", bbox_to_anchor=(0.4, -1.0 / (0.42 * len(order) + 1.5)),
              ncol=2, frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def plot_regional_target(predictive: pd.DataFrame, feasibility: pd.DataFrame,
                         target_id: str) -> plt.Figure:
    """Predictive distribution behind one regional probability, the region where the target
    is met shaded.

    Parameters
    ----------
    predictive : pandas.DataFrame
        Schema ``regional_predictive``.
    feasibility : pandas.DataFrame
        Schema ``feasibility`` (for the label, the rule and P(met)).
    target_id : str
        A target with a ``hierarchical_nb`` row.
    """
    apply_style()
    part = predictive[predictive["target_id"] == target_id].sort_values("value")
    rec = feasibility[(feasibility["target_id"] == target_id)
                      & (feasibility["method"] == "hierarchical_nb")].iloc[0]
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    if part["quantity"].iloc[0] == "count":
        met = part["value"] == 0
        xlabel = f"{rec['geography_en']} count in {int(rec['target_year'])}"
    else:
        met = (part["value"] <= 0) if rec["comparator"] == "decline_by" else part["value"] < 0
        xlabel = (f"{rec['geography_en']} count in {int(rec['target_year'])} minus the "
                  "count the target allows")
    keep = part["probability"].cumsum() <= 0.999
    part, met = part[keep | (part.index == part.index[0])], met[keep | (part.index ==
                                                                        part.index[0])]
    ax.bar(part["value"], part["probability"], width=0.9,
           color=np.where(met, PALETTE[2], PALETTE[7 % len(PALETTE)]))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("predictive probability")
    ax.set_title(f"{rec['label']}\nP(met) = {rec['probability']:.2f} (green: met)",
                 fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def headline_sources(sources) -> list[str]:
    """The sources a figure shows: the back-test, and per simulated process the stored
    offline run (``sim:<process>, N worlds (offline)``) where there is one, else the build's
    own worlds (the offline worlds include the build's; see :mod:`analysis.accidents.heavy`)."""
    sources = list(dict.fromkeys(sources))
    offline = {s.split(",")[0] for s in sources if s.endswith("(offline)")}
    return [s for s in sources if s.endswith("(offline)") or s not in offline]


def plot_coverage(coverage: pd.DataFrame, models: Sequence[str] = ("ensemble", "rw_drift",
                                                                    "loglinear", "naive")
                  ) -> plt.Figure:
    """Interval coverage by horizon, raw (open) and recalibrated (filled), with bootstrap
    intervals, per source (back-test, each simulated process: :func:`headline_sources`) and
    level.

    Parameters
    ----------
    coverage : pandas.DataFrame
        Schema ``forecast_coverage``.
    models : sequence of str
        Models drawn.
    """
    apply_style()
    sources = headline_sources(coverage["source"])
    fig, axes = plt.subplots(2, len(sources), figsize=(3.0 * len(sources), 5.2),
                             sharex=True, sharey=True, squeeze=False)
    for c, src in enumerate(sources):
        for r, level in enumerate((80, 95)):
            ax = axes[r, c]
            ax.axhline(level / 100, color="grey", ls="--", lw=0.8)
            ax.axhspan(level / 100 - 0.05, min(level / 100 + 0.05, 1), color="grey",
                       alpha=0.12, lw=0)
            for k, model in enumerate(models):
                colour = PALETTE[k % len(PALETTE)]
                for kind, fill in (("raw", "white"), ("recalibrated", colour)):
                    part = coverage[(coverage["source"] == src) & (coverage["model"] == model)
                                    & (coverage["level"] == level)
                                    & (coverage["intervals"] == kind)].sort_values("horizon")
                    if part.empty:
                        continue
                    x = part["horizon"] + (k - 1.5) * 0.08 + (0.03 if fill != "white" else 0)
                    ax.errorbar(x, part["coverage"], yerr=[part["coverage"] - part["lower"],
                                                           part["upper"] - part["coverage"]],
                                fmt="o", mfc=fill, color=colour, ms=3.5, lw=0.6,
                                label=f"{model} ({kind})" if (r, c) == (0, 0) else None)
            ax.set_title(f"{src}, {level} %", fontsize=8)
            ax.set_ylim(-0.02, 1.05)
            if r == 1:
                ax.set_xlabel("horizon (years)")
    axes[0, 0].set_ylabel("coverage")
    axes[1, 0].set_ylabel("coverage")
    fig.legend(loc="lower center", ncol=4, frameon=False, fontsize=6.5)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def plot_brier(brier: pd.DataFrame, lead_group: str = "all") -> plt.Figure:
    """Brier score with outcome-year bootstrap interval per method and source.

    Parameters
    ----------
    brier : pandas.DataFrame
        Schema ``brier_scores``.
    lead_group : str
        ``all``, ``lead 1`` or ``lead 2-5``.
    """
    apply_style()
    part = brier[brier["lead_group"] == lead_group]
    sources = headline_sources(part["source"])
    methods = sorted(part["method"].unique(), key=lambda m: (not m.startswith(("model_e",
                                                                              "ensemble",
                                                                              "reference")), m))
    fig, axes = plt.subplots(1, len(sources), figsize=(2.6 * len(sources) + 1.6, 0.25 *
                                                       len(methods) + 1.4), sharey=True,
                             squeeze=False)
    for ax, src in zip(axes[0], sources):
        sub = part[part["source"] == src].set_index("method")
        for i, m in enumerate(methods):
            if m not in sub.index:
                continue
            rec = sub.loc[m]
            colour = PALETTE[0] if m in ("model_ensemble", "ensemble_recalibrated") else (
                PALETTE[2] if m == "reference_class" else
                PALETTE[4] if m == "ensemble_base_rate_pool" else "grey")
            ax.plot([rec["brier_lower"], rec["brier_upper"]], [i, i], color=colour, lw=1)
            ax.plot(rec["brier"], i, "o", color=colour, ms=4)
        pool = sub["brier"].get("ensemble_base_rate_pool", np.nan)
        ax.axvline(pool, color=PALETTE[4], ls=":", lw=0.8)
        ax.set_title(f"{src} (n={int(sub['n'].max())})", fontsize=8)
        ax.set_xlabel("Brier score")
    axes[0, 0].set_yticks(range(len(methods)), methods, fontsize=7)
    axes[0, 0].invert_yaxis()
    fig.tight_layout()
    return fig


def plot_corp_reliability(reliability: pd.DataFrame) -> plt.Figure:
    """CORP reliability diagrams (PAV calibration curves) per source and method.

    Parameters
    ----------
    reliability : pandas.DataFrame
        Schema ``reliability_corp``.
    """
    apply_style()
    sources = list(dict.fromkeys(reliability["source"]))
    fig, axes = plt.subplots(1, len(sources), figsize=(2.9 * len(sources), 3.2),
                             sharey=True, squeeze=False)
    styles = {"model_ensemble": PALETTE[0], "ensemble_recalibrated": PALETTE[3],
              "reference_class": PALETTE[2], "ensemble_base_rate_pool": PALETTE[4]}
    for ax, src in zip(axes[0], sources):
        ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=0.8)
        for method, colour in styles.items():
            part = reliability[(reliability["source"] == src)
                               & (reliability["method"] == method)].sort_values("probability")
            if part.empty:
                continue
            ax.step(part["probability"], part["calibrated"], where="post", color=colour,
                    lw=1.2, label=method)
            ax.plot(part["probability"], np.full(len(part), -0.03), "|", color=colour,
                    ms=4, alpha=0.6)
        ax.set_title(src, fontsize=8)
        ax.set_xlabel("forecast probability")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.06, 1.02)
    axes[0, 0].set_ylabel("PAV-calibrated probability")
    axes[0, 0].legend(frameon=False, fontsize=6.5, loc="upper left")
    fig.tight_layout()
    return fig


def plot_reference_class(observations: pd.DataFrame, panels: Sequence[dict]) -> plt.Figure:
    """Observed changes of a target form over time, coloured by administrative level, with
    the required change and the year the target was set.

    Parameters
    ----------
    observations : pandas.DataFrame
        Schema ``accident_change_observations``.
    panels : sequence of dict
        One per panel, keys ``title``, ``families`` (list), ``baseline_rule``, ``lag``,
        ``required_change_pct`` (the target line; 0 for "below") and ``year_set``.
    """
    apply_style()
    fig, axes = plt.subplots(1, len(panels), figsize=(4.3 * len(panels), 3.5), squeeze=False)
    # Colour by administrative level, not by place: a corpus of many places would otherwise
    # need a legend entry per place.
    present = set(observations["geo_level"])
    levels = [lvl for lvl in GEO_LEVELS if lvl in present] + sorted(present - set(GEO_LEVELS))
    colour = {lvl: PALETTE[i % len(PALETTE)] for i, lvl in enumerate(levels)}
    for ax, spec in zip(axes.flat, panels):
        obs = observations[observations["family"].isin(spec["families"])
                           & (observations["baseline_rule"] == spec["baseline_rule"])
                           & (observations["lag"] == spec["lag"])
                           & ~observations["is_context_only"]]
        for (level, origin), part in obs.groupby(["geo_level", "origin"], sort=True):
            marker = "o" if origin == "computed_from_levels" else "^"
            ax.scatter(part["year"], part["change_pct"], color=colour[level], marker=marker,
                       s=16, alpha=0.8,
                       label=f"{level} ({'levels' if marker == 'o' else 'reported'})")
        ax.axhline(spec["required_change_pct"], color="black", ls="--", lw=1,
                   label="required change")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(spec["year_set"] - 0.5, color="black", ls=":", lw=1)
        ax.text(spec["year_set"] - 0.4, ax.get_ylim()[1], "target set →\n(ex post)",
                fontsize=6.5, va="top")
        ax.set_title(spec["title"], fontsize=8.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("year of the change")
        ax.set_ylabel("change, %")
        ax.legend(fontsize=6, frameon=False, loc="lower left")
    fig.tight_layout()
    return fig
