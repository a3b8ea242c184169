"""Issue 13 item 6 tables of the topic stage: prevalence by composition, agreement with the
plans' headings, and the seeded model beside the unsupervised one.

:func:`extra_tables` is the one call the topic stage makes (after fitting the reported
model); it returns the tables of :data:`SCHEMAS` by schema name. Everything here reuses the
stage's corpus and reported model, so it adds only the seeded fit and the draws (a few
seconds on the seed corpus).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.memo import cached_step, caching_disabled
from analysis.topics.composition import (MIN_PLANS, NOT_TESTED, TOPIC_PREVALENCE_COMPOSITION,
                                         prevalence_by_composition, reported_proportions)
from analysis.topics.draws import DirichletDraws
from analysis.topics.corpus import Corpus
from analysis.topics.headings import TOPIC_HEADING_AGREEMENT, heading_agreement, heading_groups
from analysis.topics.seeded import (SEEDED_CLAUSE_TOPICS, SEEDED_RULE_AGREEMENT, SEEDED_TOPICS,
                                    clause_topic_table, fit_seeded, project_seeded,
                                    rule_agreement, seed_words, topic_word_table)
from analysis.topics.settings import derive_seed
from analysis.topics.tables import _round

#: Tables of :func:`extra_tables`, in build order.
SCHEMAS = [TOPIC_PREVALENCE_COMPOSITION, TOPIC_HEADING_AGREEMENT, SEEDED_TOPICS,
           SEEDED_CLAUSE_TOPICS, SEEDED_RULE_AGREEMENT]


def extra_tables(corpus: Corpus, units: pd.DataFrame, theta: np.ndarray, clauses: pd.DataFrame,
                 documents: pd.DataFrame, clause_domains: pd.DataFrame | None,
                 gamma: np.ndarray | None = None, topic_word: np.ndarray | None = None,
                 fit_corpus: Corpus | None = None, cache=None) -> dict[str, pd.DataFrame]:
    """Compute the five tables of :data:`SCHEMAS`.

    Parameters
    ----------
    corpus : Corpus
        The modelled clauses (``TopicResults.corpus``).
    units : pandas.DataFrame
        ``topic_units`` rows (``clause_id, n_chars``; ``TopicResults.units``): clause weights.
    theta : numpy.ndarray
        Clause × topic proportions of the reported model (``TopicResults.final.theta``).
    clauses, documents : pandas.DataFrame
        ``clauses.csv`` and ``documents.csv``.
    clause_domains : pandas.DataFrame or None
        ``clause_domains.csv``; None leaves ``seeded_rule_agreement`` empty.
    gamma : numpy.ndarray, optional
        LDA variational parameters (``TopicResults.final.gamma``); None for NMF, whose
        prevalence uses its clauses' token shares under its topics
        (:func:`~analysis.topics.composition.reported_proportions`) and the token-count
        Dirichlet approximation.
    topic_word : numpy.ndarray, optional
        The reported model's topic-word distributions (needed for NMF).
    fit_corpus : Corpus, optional
        The sample of plans the models are fitted on (``TopicResults.fit_corpus``; default
        ``corpus``): the seeded model is fitted on it and the other clauses are inferred
        (:func:`~analysis.topics.seeded.project_seeded`).
    cache : Path, optional
        The build's cache folder, where the seeded fit is kept under a key made of its
        clauses' tokens, its seeds and the code (:func:`analysis.core.memo.cached_step`),
        and each clause's token shares under the reported topics
        (:func:`~analysis.topics.composition.remembered_token_shares`).

    Returns
    -------
    dict
        Schema name → table (validated columns, rounded to ``DECIMALS``).
    """
    weights = (units.set_index("clause_id")["n_chars"].reindex(corpus.clause_ids)
               .to_numpy(dtype=float))
    shares, conc = reported_proportions(theta, corpus.counts, topic_word, gamma, cache)
    seeds = seed_words(corpus.vocab)
    seeded = _seeded_model(corpus, corpus if fit_corpus is None else fit_corpus, seeds, cache)
    prevalence = pd.concat([
        prevalence_by_composition(DirichletDraws(conc, seed=derive_seed(61)), shares,
                                  corpus.doc_ids, weights, documents, model="reported",
                                  seed=derive_seed(62)),
        prevalence_by_composition(DirichletDraws(seeded.concentration, seed=derive_seed(63)),
                                  seeded.theta, corpus.doc_ids, weights, documents,
                                  model="seeded", seed=derive_seed(64)),
    ], ignore_index=True)
    heads = heading_groups(clauses).set_index("clause_id").reindex(corpus.clause_ids)
    agreement = pd.concat([
        heading_agreement(theta.argmax(axis=1), heads["heading_group"].to_numpy(),
                          corpus.doc_ids, model="reported", seed=derive_seed(65)),
        heading_agreement(seeded.theta.argmax(axis=1), heads["heading_group"].to_numpy(),
                          corpus.doc_ids, model="seeded", seed=derive_seed(66)),
    ], ignore_index=True)
    if clause_domains is not None:
        rules = rule_agreement(seeded, corpus.clause_ids, corpus.doc_ids, weights,
                               clause_domains, seed=derive_seed(67))
    else:
        rules = pd.DataFrame(columns=SEEDED_RULE_AGREEMENT.column_names)
    tables = [prevalence, agreement, topic_word_table(seeded),
              clause_topic_table(seeded, corpus.clause_ids, corpus.doc_ids), rules]
    return {s.name: _round(t)[s.column_names] for s, t in zip(SCHEMAS, tables)}


def _tokens_digest(tokens) -> str:
    import hashlib

    digest = hashlib.sha256()
    for doc in tokens:
        digest.update((" ".join(doc) + "\n").encode("utf-8"))
    return digest.hexdigest()


def _seeded_model(corpus: Corpus, fit_corpus: Corpus, seeds: dict, cache):
    """The seeded model fitted on ``fit_corpus`` (kept in ``cache``), describing ``corpus``:
    the clauses it was fitted on keep their fitted state, the others are inferred
    (:func:`~analysis.topics.seeded.project_seeded`)."""
    from analysis.topics.seeded import _tomotopy

    # The instruction set tomotopy runs with changes its draws (ISA pins it unless the
    # environment says otherwise), so it is part of the key.
    fitted = cached_step(cache, "topic-seeded", ("analysis.topics.seeded",),
                         (_tokens_digest(fit_corpus.tokens), repr(sorted(seeds.items())),
                          str(_tomotopy().isa)),
                         lambda: fit_seeded(fit_corpus.tokens, seeds),
                         libraries=("numpy", "tomotopy"))
    if fit_corpus is corpus:
        return fitted
    rows = {c: i for i, c in enumerate(fit_corpus.clause_ids)}
    fitted_rows = [rows.get(c) for c in corpus.clause_ids]
    if cache is None or caching_disabled():
        return project_seeded(fitted, corpus.tokens, fitted_rows)
    return _project_by_plan(fitted, corpus, fitted_rows, Path(cache) / "steps" / INFER_FOLDER)


#: Folder (under the cache's ``steps``) of the seeded model's inferred clauses, by plan.
INFER_FOLDER = "topic-seeded-infer"


def _project_by_plan(fitted, corpus: Corpus, fitted_rows: list, folder: Path):
    """:func:`~analysis.topics.seeded.project_seeded`, with each plan's inferred clauses
    kept between builds (tomotopy infers every clause on its own, with the model's seed, so a
    plan's result depends on the model and its own tokens only: verified in
    tests/test_topic_fit_sample.py). The store holds the plans of the last build only."""
    import hashlib
    import pickle

    from analysis.core.codeversion import source_digest
    from analysis.core.io import atomic_write_bytes
    from analysis.topics.seeded import INFER_ITERATIONS, _tomotopy

    model_key = hashlib.sha256(
        fitted.model_bytes + f"\0{INFER_ITERATIONS}\0{_tomotopy().isa}\0{_tomotopy().__version__}"
        f"\0{source_digest(('analysis.topics.seeded', 'analysis.topics.extras'))}".encode()
    ).hexdigest()
    path = folder / "plans.pkl"
    stored: dict = {}
    try:
        loaded = pickle.loads(path.read_bytes())
        if loaded.get("model") == model_key:
            stored = loaded["plans"]
    except Exception:  # noqa: BLE001  (a missing or damaged store is only a miss)
        stored = {}
    todo: dict[str, list[int]] = {}
    for i, (doc, row) in enumerate(zip(corpus.doc_ids, fitted_rows)):
        if row is None:
            todo.setdefault(doc, []).append(i)
    keys = {doc: hashlib.sha256("\n".join(" ".join(corpus.tokens[i]) for i in idx)
                                .encode("utf-8")).hexdigest() for doc, idx in todo.items()}
    known = {i: row for doc, idx in todo.items() if keys[doc] in stored
             for i, row in zip(idx, stored[keys[doc]])}
    projected = project_seeded(fitted, corpus.tokens, fitted_rows, known=known)
    kept = {keys[doc]: projected.concentration[idx] for doc, idx in todo.items()}
    try:
        atomic_write_bytes(path, pickle.dumps({"model": model_key, "plans": kept},
                                              protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:  # a store that cannot be written costs time, never the build
        pass
    return projected


def load_extra_tables(processed_dir=None) -> dict[str, pd.DataFrame]:
    """The written tables of :data:`SCHEMAS` by schema name (raises if the build has not run)."""
    from pathlib import Path

    from analysis.core import paths
    from analysis.core.io import read_csv

    folder = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    missing = [s.filename for s in SCHEMAS if not (folder / s.filename).exists()]
    if missing:
        raise FileNotFoundError(f"missing in {folder}: {', '.join(missing)}. Run "
                                "`python -m analysis build` first.")
    return {s.name: read_csv(folder / s.filename) for s in SCHEMAS}


def _value(estimate: float, low: float, high: float) -> str:
    """``estimate`` alone, or ``estimate [low, high]`` when the row has an interval."""
    if pd.isna(low) or pd.isna(high):
        return f"{estimate:.3f}"
    return f"{estimate:.3f} [{low:.3f}, {high:.3f}]"


def plan_prevalence_view(prevalence: pd.DataFrame, model: str = "reported") -> pd.DataFrame:
    """Plans × topics: each plan's prevalence (text; ``[ci_low, ci_high]`` only where the
    table has an interval, which it does not for plans, see
    :func:`~analysis.topics.composition.prevalence_by_composition`)."""
    part = prevalence[(prevalence["model"] == model) & (prevalence["estimand"] == "plan_share")]
    text = [_value(e, lo, hi)
            for e, lo, hi in zip(part["estimate"], part["ci_low"], part["ci_high"])]
    return (part.assign(value=text).pivot(index="group", columns="topic", values="value")
            .rename_axis(index="plan", columns="topic"))


def heading_view(agreement: pd.DataFrame) -> pd.DataFrame:
    """Observed ARI/NMI against the permutation baseline, by model and scope."""
    cols = ["model", "scope", "doc_id", "metric", "value", "baseline_mean", "baseline_q95",
            "n_headings", "n_topics_used"]
    table = agreement[cols].assign(
        doc_id=agreement["doc_id"].fillna("").astype(str).replace("", "(all plans)"))
    return table.pivot_table(index=["model", "scope", "doc_id"], columns="metric",
                                       values=["value", "baseline_mean", "baseline_q95"],
                                       sort=False).round(3)


def describe_extras(tables: dict[str, pd.DataFrame]) -> str:
    """A few sentences with the figures of the three analyses (for the notebook text)."""
    prev = tables["topic_prevalence_composition"]
    diffs = prev[prev["estimand"] == "group_difference"]
    agree = tables["topic_heading_agreement"].set_index(["model", "scope", "metric"])
    rules = tables["seeded_rule_agreement"].set_index("domain")
    n_untested = int((diffs["verdict"] == NOT_TESTED).sum())
    lines = [f"Group differences: {len(diffs)} rows, {n_untested} not tested (a group has "
             f"fewer than {MIN_PLANS} plans); "
             f"{int(diffs['verdict'].str.startswith('interval').sum())} tested."]
    for model in ("reported", "seeded"):
        if (model, "mean_over_plans", "ari") not in agree.index:
            continue
        a = agree.loc[(model, "mean_over_plans", "ari")]
        n = agree.loc[(model, "mean_over_plans", "nmi")]
        lines.append(f"{model} model vs part headings (mean over plans): ARI {a['value']:.2f} "
                     f"(chance {a['baseline_mean']:.2f}, 95th pct {a['baseline_q95']:.2f}); "
                     f"NMI {n['value']:.2f} (chance {n['baseline_mean']:.2f}, 95th pct "
                     f"{n['baseline_q95']:.2f}).")
    if "all" in rules.index:
        r = rules.loc["all"]
        dom = rules.drop(index="all")
        lines.append(f"Seeded topics vs rule coding: micro-F1 {r['f1']:.2f} (chance "
                     f"{r['f1_chance']:.2f}), hit rate {r['hit_rate']:.2f}; per-domain F1 "
                     f"{dom['f1'].min():.2f} to {dom['f1'].max():.2f}; topics whose seed words "
                     f"carry under 5 % of their mass: "
                     f"{', '.join(dom.index[dom['seed_mass'] < 0.05]) or 'none'}.")
    return "\n".join(lines)


def describe_plan_prevalence(prevalence: pd.DataFrame, topics: pd.DataFrame,
                             model: str = "reported") -> str:
    """Per topic: the plans with the highest and lowest prevalence, the range
    of the group means over plans by level and province, and whether differences were tested.

    Parameters
    ----------
    prevalence : pandas.DataFrame
        ``topic_prevalence_composition.csv``.
    topics : pandas.DataFrame
        ``topics.csv`` (labels) for the reported model, ``seeded_topics.csv`` for the seeded.
    """
    part = prevalence[prevalence["model"] == model]
    names = (dict(zip(topics["topic"], topics["label_en"])) if "label_en" in topics
             else dict(zip(topics["topic"], topics["name"])))
    lines = []
    for topic, rows in part.groupby("topic", sort=True):
        plans = rows[rows["estimand"] == "plan_share"].sort_values("estimate")
        hi, lo = plans.iloc[-1], plans.iloc[0]
        text = (f"T{topic} {names.get(topic, '')}: highest in {hi['group']} "
                f"{_value(hi['estimate'], hi['ci_low'], hi['ci_high'])}, lowest in "
                f"{lo['group']} {_value(lo['estimate'], lo['ci_low'], lo['ci_high'])}")
        for grouping, word in (("admin_level", "levels"), ("province_en", "provinces")):
            means = rows[(rows["estimand"] == "group_mean") & (rows["grouping"] == grouping)]
            diffs = rows[(rows["estimand"] == "group_difference") & (rows["grouping"] == grouping)]
            tested = int((~diffs["verdict"].eq(NOT_TESTED)).sum())
            if diffs.empty:
                note = "(one group)"
            elif tested:
                note = f"({tested} of {len(diffs)} differences tested)"
            else:
                note = f"(differences not tested: groups of fewer than {MIN_PLANS} plans)"
            text += (f"; {word} {means['estimate'].min():.3f} to {means['estimate'].max():.3f} "
                     + note)
        lines.append(text)
    return "\n".join(lines)


def seeded_view(seeded_topics: pd.DataFrame, n_words: int = 8) -> pd.DataFrame:
    """Seeded topics: name, number of seed words, top words with seed words starred."""
    top = seeded_topics[seeded_topics["rank"] <= n_words].sort_values(["topic", "rank"])
    words = top["word"].where(~top["is_seed"].astype(bool), top["word"] + "*")
    return (top.assign(word=words).groupby(["topic", "name", "n_seeds"], sort=True)["word"]
            .agg(" ".join).rename("top_words (* seed)").reset_index().set_index("topic"))
