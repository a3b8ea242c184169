"""The topic stage of the build: read the inputs, select and fit the model, write the tables.

:func:`load_inputs` and :func:`load_corpus` read ``clauses.csv``, ``documents.csv`` and
``clause_domains.csv``; :func:`run` computes the tables of the reported model into a
:class:`TopicResults`; :func:`build` adds the model-selection table (refitted only when its
inputs changed, :mod:`analysis.topics.results`) and writes everything (the pipeline calls it
through :mod:`analysis.topics.model`); :func:`load_tables` reads them back, so the notebook
recomputes nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.core.schema import write_table
from analysis.topics.corpus import (Corpus, clause_tokens, modelling_units, prepare_corpus,
                                    vectorise_on)
from analysis.topics.domains import domain_crosstab, domain_recovery
from analysis.topics.extras import SCHEMAS as EXTRA_SCHEMAS, extra_tables
from analysis.topics.final import FinalModel, fit_final
from analysis.topics.results import (ALTERNATIVE_KS, RESULT_SCHEMAS, TOPIC_ALTERNATIVES,
                                     TOPIC_PERTURBATION, TOPIC_RESTART_SIMILARITY,
                                     TOPIC_SELECTION, alternatives_table, cached_selection,
                                     restart_similarity_table, selection_fingerprint,
                                     selection_table)
from analysis.topics.selection import reuse_clusters
from analysis.topics.settings import CHOSEN_K, CHOSEN_MODEL, N_BOOT, N_RESTARTS
from analysis.topics.tables import SCHEMAS as MODEL_SCHEMAS
from analysis.topics.tables import (TOPIC_DOMAIN_RECOVERY, TOPIC_DOMAINS, TOPIC_UNITS, _round,
                                    clause_topics_table, topics_table)

#: Set to ``1`` to write ``topic_selection.csv`` empty instead of refitting when no stored
#: selection matches (for test builds of other corpora, which do not need the evidence).
SKIP_SELECTION_ENV = "ANALYSIS_SKIP_TOPIC_SELECTION"

#: Every table of the stage in build order: the reported model's, then the selection results.
SCHEMAS = MODEL_SCHEMAS + RESULT_SCHEMAS + EXTRA_SCHEMAS

#: Above this many modelled clauses, model selection runs on a sample of whole plans
#: (:func:`selection_sample`). The reason is cost: selection fits about 260 NMF models, so
#: its time grows with the corpus (on two cores: 11 minutes at 320 synthetic plans, 10,758
#: modelled clauses; 8.5 minutes on a sample of 9,997 of them), while the choice of K needs a
#: large sample of plans, not every plan. The reported model is still fitted on every
#: modelled clause.
SELECTION_MAX_CLAUSES = 5_000

#: Above this many candidate clauses (clauses that are not headings, counted before any
#: vocabulary), the reported model, the alternatives and the seeded model are fitted on a
#: sample of whole plans (at least two, so a sample can exceed it when a huge plan comes
#: first) and every other clause is projected on them
#: (:func:`modelling_corpora`). The reason is the cost of adding a plan: a sample that does
#: not change when a plan outside it is added keeps the fits, which are most of the stage
#: (on 250 synthetic plans, 8,577 modelled clauses: 117 of 140 s in one profile). 20,000
#: clauses is about 600 synthetic plans, four times the 5,000 of model selection.
FIT_MAX_CLAUSES = 20_000
#: Environment variable overriding :data:`FIT_MAX_CLAUSES` (benchmarks and tests).
FIT_MAX_ENV = "ANALYSIS_TOPIC_FIT_MAX_CLAUSES"


def _plan_hash(doc_id: str) -> bytes:
    import hashlib

    return hashlib.blake2b(str(doc_id).encode("utf-8"), digest_size=16).digest()


def selection_sample(doc_ids, max_clauses: int = SELECTION_MAX_CLAUSES) -> list[str]:
    """Plans whose clauses model selection uses.

    Every plan when their clauses number at most ``max_clauses``; else the plans in the order
    of a hash of their ``doc_id`` (a seeded random order that does not depend on which other
    plans are in the corpus), as long as their clauses stay within ``max_clauses`` (at least
    two plans). Adding a plan therefore leaves the sample, and the stored selection, as it is
    unless the new plan's hash falls inside the sample.

    Parameters
    ----------
    doc_ids : sequence of str
        Plan of each clause that may be modelled (every unit but the headings;
        :func:`selection_corpus` counts them before any vocabulary, so that the sizes do not
        depend on the rest of the corpus).

    Returns
    -------
    list of str
        The sampled plans, sorted.
    """
    sizes = pd.Series(list(doc_ids), dtype=object).value_counts()
    if sizes.sum() <= max_clauses:
        return sorted(sizes.index)
    sample, total = [], 0
    for plan in sorted(sizes.index, key=_plan_hash):
        if total + sizes[plan] > max_clauses and len(sample) >= 2:
            break
        sample.append(plan)
        total += int(sizes[plan])
    return sorted(sample)


def modelling_corpora(units: pd.DataFrame, max_clauses: int | None = None
                      ) -> tuple[Corpus, Corpus, pd.DataFrame, str]:
    """The corpus the models are fitted on, the corpus they describe, and the units.

    Up to ``max_clauses`` candidate clauses (default :data:`FIT_MAX_CLAUSES`, or the
    environment variable :data:`FIT_MAX_ENV`), both are every modelled clause
    (:func:`~analysis.topics.corpus.prepare_corpus`). Above it, the models are fitted on the
    clauses of a sample of whole plans (:func:`selection_sample` with ``max_clauses``: plans
    in hash order of ``doc_id``, so the sample does not depend on which other plans are in
    the corpus), with a vocabulary built from the sample alone, and every clause is counted
    on that vocabulary (:func:`~analysis.topics.corpus.vectorise_on`) and described by
    projection on the fitted topics. Adding a plan outside the sample therefore leaves the
    fitted models as they are, and a build with the cache reuses them (:func:`fit_final`'s
    ``cache``): the stage then costs the projection and the tables, not the fits.

    Parameters
    ----------
    units : pandas.DataFrame
        :func:`~analysis.topics.corpus.modelling_units`.

    Returns
    -------
    fit_corpus, corpus : Corpus
        The same object when no sample is needed.
    units : pandas.DataFrame
        ``units`` with ``status`` and ``n_tokens`` (as from ``prepare_corpus``).
    described : str
        What the fitting corpus is, for the build log.
    """
    if max_clauses is None:
        max_clauses = int(os.environ.get(FIT_MAX_ENV, FIT_MAX_CLAUSES))
    candidates = units[units["status"].eq("modelled")]
    plans = selection_sample(candidates["doc_id"], max_clauses)
    if len(plans) == candidates["doc_id"].nunique():
        corpus, units = prepare_corpus(units)
        return corpus, corpus, units, f"all {len(corpus)} modelled clauses"
    fit_corpus, _ = prepare_corpus(candidates[candidates["doc_id"].isin(plans)])
    corpus, units = vectorise_on(units, fit_corpus.vocab)
    return fit_corpus, corpus, units, (
        f"{len(fit_corpus)} modelled clauses of {len(plans)} of "
        f"{candidates['doc_id'].nunique()} plans (hash order of doc_id up to {max_clauses} "
        f"clauses); {len(corpus)} clauses projected")


def selection_corpus(corpus: Corpus, units: pd.DataFrame,
                     max_clauses: int = SELECTION_MAX_CLAUSES,
                     whole: bool = True) -> tuple[Corpus, str]:
    """The corpus model selection runs on (:func:`selection_sample`) and a line saying what
    it is. A sample's vocabulary is built from the sample alone (:func:`prepare_corpus`), as
    the whole corpus's is from the whole corpus, so that plans outside the sample change
    nothing. ``units``: ``doc_id, clause_id, status, tokens`` of every unit
    (``TopicResults.unit_tokens``). ``whole``: whether ``corpus`` has the whole corpus's
    own vocabulary (False when it is counted on a fitting sample's, :func:`modelling_corpora`;
    the selection then builds its own even when it takes every plan)."""
    # Plan sizes before any vocabulary (clauses that are not headings): a size that depended
    # on the whole corpus's vocabulary would move the sample when an unrelated plan is added.
    candidates = units[units["status"].ne("heading_only")]
    plans = selection_sample(candidates["doc_id"], max_clauses)
    n_plans = len(set(corpus.doc_ids))
    if set(plans) >= set(corpus.doc_ids) and whole:
        return corpus, f"all {n_plans} plans, {len(corpus)} modelled clauses"
    sampled = candidates[candidates["doc_id"].isin(plans)].copy()
    sampled["status"] = "modelled"  # too_short is decided again on the sample's vocabulary
    sample, _ = prepare_corpus(sampled)
    if set(plans) >= set(corpus.doc_ids):
        return sample, f"all {n_plans} plans, {len(sample)} modelled clauses"
    return sample, (f"{len(plans)} of {n_plans} plans ({len(sample)} of {len(corpus)} modelled "
                    f"clauses; plans in hash order of doc_id up to {max_clauses} clauses)")


@dataclass
class TopicResults:
    """Everything :func:`run` computes for the build and the notebook."""

    units: pd.DataFrame
    corpus: Corpus
    final: FinalModel
    topics: pd.DataFrame
    clause_topics: pd.DataFrame
    domains: pd.DataFrame
    recovery: pd.DataFrame
    clause_domains_found: bool
    restart_similarity: pd.DataFrame
    alternatives: pd.DataFrame
    #: Every unit with its filtered tokens (``units`` keeps the written columns only), from
    #: which a sample of plans gets its own vocabulary (:func:`selection_corpus`).
    unit_tokens: pd.DataFrame | None = None
    #: The clauses the models were fitted on (``corpus`` itself unless the corpus has more
    #: than :data:`FIT_MAX_CLAUSES`; :func:`modelling_corpora`).
    fit_corpus: Corpus | None = None
    #: What ``fit_corpus`` is, for the build log.
    fit_described: str = ""


def load_clusters(processed_dir: Path, doc_ids) -> dict[str, str] | None:
    """Reuse clusters of the modelled plans from ``reuse_shares.csv`` (written by the
    regional stage; :func:`analysis.topics.selection.reuse_clusters`), or None when that
    table is missing or the plans form fewer than two clusters (folds are then stratified
    by plan)."""
    from analysis.core.io import read_csv

    path = Path(processed_dir) / "reuse_shares.csv"
    if not path.exists():
        return None
    clusters = reuse_clusters(doc_ids, read_csv(path))
    return clusters if len(set(clusters.values())) >= 2 else None


def load_inputs(processed_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """``clauses.csv``, ``documents.csv`` and, if present, ``clause_domains.csv``."""
    from analysis.core.io import read_csv

    processed_dir = Path(processed_dir)
    clauses = read_csv(processed_dir / "clauses.csv")
    documents = read_csv(processed_dir / "documents.csv")
    path = processed_dir / "clause_domains.csv"
    domains = read_csv(path) if path.exists() else None
    return clauses, documents, domains


def load_corpus(processed_dir: Path | None = None) -> tuple[Corpus, pd.DataFrame]:
    """The modelled clauses of ``processed_dir`` (default ``data/processed``) as a
    :class:`Corpus`, with the units table saying which clauses are modelled and why not
    (counted on the fitted vocabulary when the build fits on a sample of plans:
    :func:`modelling_corpora`)."""
    from analysis.core import paths
    from analysis.text import tokenise

    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    clauses, _, _ = load_inputs(processed_dir)
    units = modelling_units(clauses, clause_tokens(clauses), tokenise.stopwords())
    _, corpus, units, _ = modelling_corpora(units)
    return corpus, units


def run(clauses: pd.DataFrame, clause_domains: pd.DataFrame | None,
        kind: str = CHOSEN_MODEL, k: int = CHOSEN_K, n_restarts: int = N_RESTARTS,
        n_boot: int = N_BOOT, tokens: pd.DataFrame | None = None,
        labels: pd.DataFrame | None = None,
        alternative_ks: tuple[int, ...] = ALTERNATIVE_KS,
        fit_max_clauses: int | None = None, cache: Path | None = None) -> TopicResults:
    """Tokenise, fit the reported model and compute every table but the selection table.

    Parameters
    ----------
    clauses : pandas.DataFrame
        ``clauses.csv``.
    clause_domains : pandas.DataFrame or None
        ``clause_domains.csv``; None leaves the domain tables empty.
    n_boot : int
        Permutations behind the chance F1 of ``topic_domain_recovery.csv``.
    tokens : pandas.DataFrame, optional
        Pre-computed :func:`analysis.text.tokenise.tokenise_clauses` output (tests pass synthetic
        tokens here).
    alternative_ks : tuple of int
        K of the finer NMF models of ``topic_alternatives.csv``.
    fit_max_clauses : int, optional
        Above this many clauses the models are fitted on a sample of plans
        (:func:`modelling_corpora`; default :data:`FIT_MAX_CLAUSES`).
    cache : Path, optional
        The build's cache folder, where the fits are kept (:func:`fit_final`); None fits.
    """
    from analysis.text import tokenise

    if tokens is None:
        tokens = clause_tokens(clauses)
    units = modelling_units(clauses, tokens, tokenise.stopwords())
    fit_corpus, corpus, units, described = modelling_corpora(units, fit_max_clauses)
    final = fit_final(fit_corpus, kind, k, n_restarts, project=corpus, cache=cache)
    topics = topics_table(final, corpus, tokenise.glossary(), labels)
    clause_topics = clause_topics_table(final, corpus)
    if clause_domains is not None:
        domains = _round(domain_crosstab(final.theta, corpus.clause_ids, clause_domains))
        recovery = _round(domain_recovery(final.theta, corpus.clause_ids, clause_domains,
                                          n_perm=n_boot, doc_ids=corpus.doc_ids))
        recovery["best_topic"] = recovery["best_topic"].astype("Int64")
    else:
        domains = pd.DataFrame(columns=TOPIC_DOMAINS.column_names)
        recovery = pd.DataFrame(columns=TOPIC_DOMAIN_RECOVERY.column_names)
    return TopicResults(units[TOPIC_UNITS.column_names], corpus, final, topics, clause_topics,
                        domains, recovery, clause_domains is not None,
                        restart_similarity_table(final),
                        alternatives_table(fit_corpus, alternative_ks, n_restarts=n_restarts,
                                           project=corpus, cache=cache),
                        units[["doc_id", "clause_id", "status", "tokens"]], fit_corpus,
                        described)


def build(raw_dir: Path | None = None, processed_dir: Path | None = None) -> list[Path]:
    """Write the topic tables (:data:`SCHEMAS`) into ``processed_dir``.

    Reads ``clauses.csv``, ``documents.csv`` and ``clause_domains.csv`` (written by the
    regional stage, which runs before this one); without the latter the two domain tables
    are written empty and a note is printed. ``topic_selection.csv`` is kept as it is when
    its fingerprint matches the modelled clauses and their reuse clusters
    (:func:`load_clusters`; :func:`analysis.topics.results.cached_selection`),
    or copied from the repository's ``data/processed`` when that one matches; else model
    selection runs again (a minute or more on two cores), unless the environment variable
    :data:`SKIP_SELECTION_ENV` is ``1`` (builds of other corpora in tests), which writes the
    table empty.
    """
    from analysis.core import paths

    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    clauses, documents, clause_domains = load_inputs(processed_dir)
    if clause_domains is None:
        print("topics: clause_domains.csv not found; topic_domains.csv and "
              "topic_domain_recovery.csv are written empty", flush=True)
    from analysis.core.memo import caching_disabled

    cache = None if caching_disabled() else processed_dir / ".cache"
    res = run(clauses, clause_domains, cache=cache)
    print(f"topics: models fitted on {res.fit_described}", flush=True)
    tables = (res.units, res.topics, res.clause_topics, res.domains, res.recovery)
    written = [write_table(t, s, processed_dir) for t, s in zip(tables, MODEL_SCHEMAS)]
    chosen, described = selection_corpus(res.corpus, res.unit_tokens,
                                         whole=res.fit_corpus is res.corpus)
    clusters = load_clusters(processed_dir, chosen.doc_ids)
    fingerprint = selection_fingerprint(chosen, clusters)
    selection_files = [processed_dir / s.filename for s in (TOPIC_SELECTION, TOPIC_PERTURBATION)]
    if cached_selection(processed_dir, fingerprint) is not None:
        print("topics: model selection unchanged (same fingerprint: clauses, reuse clusters, "
              "settings, code, library versions); topic_selection.csv kept", flush=True)
        selection = selection_files
    elif cached_selection(paths.processed_dir(), fingerprint) is not None:
        # A build of the same corpus into another folder (--out) copies the repository's.
        from analysis.core.io import atomic_write_bytes

        for target in selection_files:
            atomic_write_bytes(target, (paths.processed_dir() / target.name).read_bytes())
        selection = selection_files
    elif os.environ.get(SKIP_SELECTION_ENV) == "1":
        print(f"topics: {SKIP_SELECTION_ENV}=1: topic_selection.csv written empty", flush=True)
        selection = [write_table(pd.DataFrame(columns=s.column_names), s, processed_dir)
                     for s in (TOPIC_SELECTION, TOPIC_PERTURBATION)]
    else:
        print("topics: model selection over the K grid (inputs changed since the last "
              f"selection) on {described} ...", flush=True)
        tables = selection_table(chosen, fingerprint, clusters=clusters)
        selection = [write_table(t, s, processed_dir)
                     for t, s in zip(tables, (TOPIC_SELECTION, TOPIC_PERTURBATION))]
    written.append(selection[0])
    for table, schema in ((res.restart_similarity, TOPIC_RESTART_SIMILARITY),
                          (res.alternatives, TOPIC_ALTERNATIVES)):
        written.append(write_table(table, schema, processed_dir))
    written.append(selection[1])
    # Plan-level prevalence by composition, agreement with the plans' headings, seeded model.
    extra = extra_tables(res.corpus, res.units, res.final.theta, clauses, documents,
                         clause_domains, gamma=getattr(res.final, "gamma", None),
                         topic_word=res.final.model.topic_word, fit_corpus=res.fit_corpus,
                         cache=cache)
    written += [write_table(extra[s.name], s, processed_dir) for s in EXTRA_SCHEMAS]
    return written


def load_tables(processed_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """The written topic tables by schema name (raises if the build has not run)."""
    from analysis.core import paths
    from analysis.core.io import read_csv

    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    missing = [s.filename for s in SCHEMAS if not (processed_dir / s.filename).exists()]
    if missing:
        raise FileNotFoundError(f"missing in {processed_dir}: {', '.join(missing)}. Run "
                                "`python -m analysis build` first.")
    return {s.name: read_csv(processed_dir / s.filename) for s in SCHEMAS}
