"""Simulation with planted topics: does the notebook's rule find the true K and its topics?

Corpora of N = 5, 50 and 500 plans are drawn from known topics (:func:`simulated_corpus`):
``K_TRUE`` = 5 planted topic-word distributions over a synthetic vocabulary, a topic emphasis
per plan, and clauses whose words are drawn from a mixture of topics around their plan's
emphasis. Each corpus goes through the functions the build uses: the vocabulary rules
(:func:`~analysis.topics.corpus.prepare_corpus`), the fits, stability measures and frontier
axes of :func:`~analysis.topics.selection.select_models`, the rule
:func:`~analysis.topics.selection.choose_model`, and :func:`~analysis.topics.final.fit_final`
(the medoid restart) for recovery. Recovery is the cosine similarity of each planted topic
with its Hungarian-matched fitted topic (0 for a planted topic left without a partner).

**What runs, exactly.** The rule of notebook 03 chooses over NMF *and* LDA on the grid
K = 2, 3, 4, 5, 6, 8, 10, 12 (:data:`SIM_K_GRID` is the build's :data:`K_GRID`). The rule
reads only restart, subsample and leave-one-plan-out stability, semantic coherence and FREX
exclusivity, so :func:`rule_diagnostics` fits only what those need (the cross-validation of
``select_models`` feeds the notebook's other panels, not the rule) and skips the perturbed
fits of a (model, K) whose restarts already fail the stability bar; a test checks that it
gives ``select_models``' values and choice. Per model and K it runs :data:`SIM_OPTIONS`
(3 restarts, 2 subsamples, 2 plans left out) instead of the build's 10, 5 and up to 10.

**Budget.** The study must stay within about three CPU minutes. Profiled on one core
(2026-11-29), scikit-learn's batch LDA costs about 3.5 ms of CPU per clause per fit (30
iterations): 0.4 s at 5 plans (~100 clauses), 3 s at 50 and 30 s at 500 plans (~10,000
clauses), against 0.01-0.9 s for an NMF fit at any of these sizes. One run of the rule over
both families costs about 13 CPU s at 5 plans (LDA: 24 restarts and the perturbations of the
stable K), about 90 s at 50 plans and over 12 CPU minutes at 500. Hence:

* **both families** at 5 plans only, :data:`REPLICATIONS_BOTH` runs (the rule applied to the
  NMF rows of the same runs gives the NMF-only choice, reported beside it);
* **NMF only** at 5, 50 and 500 plans, :data:`REPLICATIONS_NMF` runs (the first runs at 5
  plans are the runs over both families); at 50 and 500 plans the LDA half of the rule is
  not simulated, which the table's estimator name says.

**Fewer restarts than the build.** :func:`settings_check` runs the same corpora with the
build's settings and with :data:`SIM_OPTIONS` (it is not part of the build: about 45 CPU s a
run at 5 plans). Result, run once on 2026-11-29 (the loop of `settings_check(5, 8)`) on
the first 8 corpora at 5 plans (both families; the same corpora as the first runs of
:func:`simulation_runs`). With the build's settings the rule chose K = 4, 12, 6, 5, 6, 4, 12,
5; with :data:`SIM_OPTIONS` K = 4, 4, 6, 5, 8, 4, 6, 12 (always NMF with either). The two
agree in 4 of 8 corpora, so the reduced settings are **not** shown to give the build's
choice: the set of (model, K) passing the stability bar changes with the number of restarts
and perturbations (6-9 with the build's, 3-10 with the reduced settings), and either rule went
to the top of the grid now and then. The build's settings chose the true K in 2 of 8, the
reduced ones in 1 of 8. The simulated share is therefore that of a cheaper variant of the
rule; the build's own rule was run on these 8 corpora only (about 33 CPU s each), outside the
build.
At 50 plans one corpus (the first of :func:`simulation_runs`) was run over both families
offline: NMF K = 4 over both families, K = 5 over NMF alone. The LDA rows moved the pick
without being picked, because the frontier's axes are scaled over all stable candidates; so
the NMF-only shares at 50 and 500 plans are not those of the two-family rule.

The synthetic design (sizes, priors) is an assumption written here, not estimated from the
plans. It lives in :mod:`analysis.topics` rather than :mod:`analysis.evaluation` because the
import layers keep those two packages independent of each other.
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import pandas as pd

from analysis.core.schema import SIMULATION_COLUMNS
from analysis.topics.corpus import Corpus, prepare_corpus
from analysis.topics.diagnostics import (cosine_similarity_matrix, frex_exclusivity,
                                         perturbation_similarity, restart_stability,
                                         semantic_coherence, top_word_indices, word_incidence)
from analysis.topics.final import fit_final
from analysis.topics.selection import (_perturbed_task, _restart_task, choose_model,
                                       perturbation_rows, reportable)
from analysis.topics.settings import (COHERENCE_EPSILON, FREX_EXCLUSIVITY_WEIGHT, K_GRID,
                                      MAX_LEAVE_OUT, MIN_STABILITY, MODEL_KINDS, N_RESTARTS,
                                      N_SUBSAMPLES)

#: Planted topics; the grid of K searched is the notebook's (:data:`K_GRID`, 2 to 12).
K_TRUE = 5
SIM_K_GRID = tuple(K_GRID)
#: Synthetic vocabulary size and the Dirichlet parameter of each planted topic's words
#: (0.1 over 500 words: about 50 words carry most of a topic's mass).
N_VOCAB = 500
TOPIC_WORD_PRIOR = 0.1
#: Plans' topic emphasis ~ Dirichlet(PLAN_PRIOR); a clause's mixture ~
#: Dirichlet(CLAUSE_CONCENTRATION * K * emphasis), mostly one or two topics per clause.
PLAN_PRIOR = 2.0
CLAUSE_CONCENTRATION = 0.5
#: Clauses per plan 1 + Poisson(19) and words per clause 1 + Poisson(24): the seed plans have
#: 30-80 modelled clauses of about 44 vocabulary words each; smaller here to fit the budget.
MEAN_CLAUSES = 20
MEAN_TOKENS = 25
#: Replications per number of plans, for the rule over both families (NMF and LDA) and for
#: the rule over NMF alone (see the module docstring for why LDA stops at 5 plans).
REPLICATIONS_BOTH = {5: 5}
REPLICATIONS_NMF = {5: 20, 50: 10, 500: 3}
#: A planted topic counts as recovered at this cosine similarity with its matched fitted topic.
RECOVERY_COSINE = 0.8
#: Selection settings of the simulation: the notebook's grid, fewer restarts and perturbations
#: than the build (:func:`settings_check` compares the two).
SIM_OPTIONS = dict(ks=SIM_K_GRID, n_restarts=3, n_subsamples=2, max_leave_out=2)
#: The build's own settings (for :func:`settings_check`).
BUILD_OPTIONS = dict(ks=SIM_K_GRID, n_restarts=N_RESTARTS, n_subsamples=N_SUBSAMPLES,
                     max_leave_out=MAX_LEAVE_OUT)

#: Columns of the shared simulation layout (issue 13).
COLUMNS = list(SIMULATION_COLUMNS)


def planted_topics(rng: np.random.Generator, k: int = K_TRUE, n_vocab: int = N_VOCAB,
                   prior: float = TOPIC_WORD_PRIOR) -> tuple[np.ndarray, np.ndarray]:
    """``k`` topic-word distributions over a synthetic vocabulary ``w0000 …``.

    Returns
    -------
    numpy.ndarray
        k × n_vocab, rows sum to 1.
    numpy.ndarray
        The vocabulary (str).
    """
    beta = rng.dirichlet(np.full(n_vocab, prior), size=k)
    vocab = np.array([f"w{i:04d}" for i in range(n_vocab)], dtype=object)
    return beta, vocab


def simulated_corpus(n_plans: int, beta: np.ndarray, vocab: np.ndarray,
                     rng: np.random.Generator) -> tuple[Corpus, pd.DataFrame]:
    """Plans of clauses drawn from the planted topics, vectorised as the build does.

    Returns
    -------
    Corpus
        From :func:`~analysis.topics.corpus.prepare_corpus` (the build's vocabulary rules).
    pandas.DataFrame
        The units table (``clause_id, doc_id, tokens, status, n_tokens``).
    """
    k = beta.shape[0]
    rows = []
    for p in range(n_plans):
        emphasis = rng.dirichlet(np.full(k, PLAN_PRIOR))
        for c in range(1 + rng.poisson(MEAN_CLAUSES - 1)):
            theta = rng.dirichlet(CLAUSE_CONCENTRATION * k * emphasis)
            counts = rng.multinomial(1 + rng.poisson(MEAN_TOKENS - 1), theta @ beta)
            words = np.repeat(vocab, counts)
            rows.append(dict(clause_id=f"plan{p:03d}/{c + 1}", doc_id=f"plan{p:03d}",
                             tokens=" ".join(rng.permutation(words)), status="modelled"))
    return prepare_corpus(pd.DataFrame(rows))


def recovery(beta: np.ndarray, vocab: np.ndarray, corpus: Corpus,
             topic_word: np.ndarray) -> np.ndarray:
    """Cosine similarity of each planted topic with its Hungarian-matched fitted topic.

    Planted topics are restricted to the corpus vocabulary (words the build's vocabulary
    rules keep) before comparing; a planted topic without a partner (fewer fitted topics)
    scores 0.
    """
    from scipy.optimize import linear_sum_assignment

    position = {w: i for i, w in enumerate(vocab)}
    planted = beta[:, [position[w] for w in corpus.vocab]]
    sim = cosine_similarity_matrix(planted, topic_word)
    rows, cols = linear_sum_assignment(sim, maximize=True)
    out = np.zeros(beta.shape[0])
    out[rows] = sim[rows, cols]
    return out


def rule_diagnostics(corpus: Corpus, kinds: Sequence[str] = MODEL_KINDS,
                     ks: Sequence[int] = SIM_K_GRID, n_restarts: int = 3,
                     n_subsamples: int = 2, max_leave_out: int | None = 2,
                     min_stability: float = MIN_STABILITY) -> pd.DataFrame:
    """The columns :func:`~analysis.topics.selection.choose_model` reads, computed as
    :func:`~analysis.topics.selection.select_models` computes them, at a fraction of the cost.

    The rule reads restart, subsample and leave-one-plan-out stability, semantic coherence and
    FREX exclusivity; it never reads the cross-validated coherence or LDA's held-out
    likelihood, so those fits are not run. The fits that are run are those of
    ``select_models`` (the same task functions, seeds and perturbed rows), and two shortcuts
    keep the result identical:

    * a (model, K) whose restart stability is below ``min_stability`` is not reportable
      whatever its perturbations give, so its perturbed fits are skipped (its
      ``subsample_stability`` and ``lopo_stability`` stay NaN, which ``choose_model`` reads
      as "not computed");
    * if no (model, K) is reportable, the rule falls back on the largest least stability, so
      the skipped perturbations are then fitted after all.

    Returns
    -------
    pandas.DataFrame
        ``model, k, semantic_coherence, frex_exclusivity, stability_mean,
        subsample_stability, lopo_stability, n_fits``.
    """
    incidence = word_incidence(corpus.counts)
    perturbed = perturbation_rows(corpus, n_subsamples, max_leave_out=max_leave_out)
    rows, references = [], {}
    for kind in kinds:
        for k in ks:
            runs = [_restart_task(kind, k, r, corpus.counts) for r in range(n_restarts)]
            stab = restart_stability([m.topic_word for m in runs])
            references[kind, k] = runs[stab.medoid].topic_word
            tops = [top_word_indices(m.topic_word) for m in runs]
            rows.append(dict(
                model=kind, k=k,
                semantic_coherence=float(np.mean([
                    np.nanmean(semantic_coherence(t, incidence, COHERENCE_EPSILON))
                    for t in tops])),
                frex_exclusivity=float(np.mean([
                    frex_exclusivity(m.topic_word, weight=FREX_EXCLUSIVITY_WEIGHT).mean()
                    for m in runs])),
                stability_mean=stab.mean, subsample_stability=np.nan, lopo_stability=np.nan,
                n_fits=n_restarts))
    table = pd.DataFrame(rows)

    def perturb(i):
        kind, k = table.at[i, "model"], int(table.at[i, "k"])
        fits = [_perturbed_task(kind, k, p, label, corpus.counts, r)
                for p, (label, r) in enumerate(perturbed)]
        sims = perturbation_similarity(references[kind, k], [f[3] for f in fits])
        labels = [f[2] for f in fits]
        sub = [s for s, lab in zip(sims, labels) if lab.startswith("subsample_")]
        lopo = [s for s, lab in zip(sims, labels) if lab.startswith("without_")]
        table.at[i, "subsample_stability"] = float(np.mean(sub)) if sub else np.nan
        table.at[i, "lopo_stability"] = float(np.mean(lopo)) if lopo else np.nan
        table.at[i, "n_fits"] += len(fits)

    done = set()
    for i in table.index[table["stability_mean"] >= min_stability]:
        perturb(i)
        done.add(i)
    if not reportable(table, min_stability).any():
        for i in table.index.difference(list(done)):
            perturb(i)
    return table


def one_run(n_plans: int, seed: int, kinds: Sequence[str] = MODEL_KINDS,
            options: dict | None = None, recover: bool = True) -> dict:
    """One simulated corpus through the rule (:func:`rule_diagnostics`, ``choose_model``) and,
    with ``recover``, the final NMF fits at the chosen and at the true K.

    With both families, the rule is also applied to the NMF rows alone (``chosen_k_nmf``):
    the NMF rows are exactly what a run over NMF only computes (the same fits, and each
    family's fallback is its own), so one run gives both choices.
    """
    options = SIM_OPTIONS if options is None else options
    rng = np.random.default_rng(seed)
    beta, vocab = planted_topics(rng)
    corpus, _ = simulated_corpus(n_plans, beta, vocab, rng)
    parts = {kind: rule_diagnostics(corpus, kinds=(kind,), **options) for kind in kinds}
    diagnostics = pd.concat(list(parts.values()), ignore_index=True)
    choice = choose_model(diagnostics)
    nmf_choice = choose_model(parts["nmf"]) if "nmf" in parts else choice
    out = dict(n_plans=n_plans, seed=seed, n_clauses=len(corpus), families="+".join(kinds),
               chosen_model=choice.model, chosen_k=choice.k, boundary=choice.at_boundary,
               chosen_k_nmf=nmf_choice.k, n_fits=int(diagnostics["n_fits"].sum()),
               n_stable=int(reportable(diagnostics).sum()))
    if recover:
        n_restarts = options["n_restarts"]
        true = fit_final(corpus, "nmf", K_TRUE, n_restarts).model.topic_word
        chosen = (true if (nmf_choice.k == K_TRUE) else
                  fit_final(corpus, "nmf", nmf_choice.k, n_restarts).model.topic_word)
        out["recovery_chosen"] = recovery(beta, vocab, corpus, chosen)
        out["recovery_true"] = recovery(beta, vocab, corpus, true)
    return out


def simulation_runs(seed: int = 0, replications_both: dict[int, int] | None = None,
                    replications_nmf: dict[int, int] | None = None,
                    options: dict | None = None, first: int = 0) -> pd.DataFrame:
    """Every run of the study: one row per (N, replication), seeds derived from ``seed``.

    Replication ``r`` at ``N`` plans draws the same corpus whichever families it runs, so the
    runs over both families at 5 plans also count as the first runs over NMF alone.
    ``options`` are the selection settings (default :data:`SIM_OPTIONS`; the offline study
    of :mod:`analysis.pipeline.heavy_simulation` passes :data:`BUILD_OPTIONS`); ``first``
    skips the replications before it (to extend earlier runs one at a time).
    """
    both = REPLICATIONS_BOTH if replications_both is None else replications_both
    nmf = REPLICATIONS_NMF if replications_nmf is None else replications_nmf
    rows = []
    for n_plans in sorted(set(both) | set(nmf)):
        for r in range(first, max(both.get(n_plans, 0), nmf.get(n_plans, 0))):
            run_seed = int(np.random.SeedSequence([seed, n_plans, r]).generate_state(1)[0])
            kinds = MODEL_KINDS if r < both.get(n_plans, 0) else ("nmf",)
            start = time.process_time()
            row = one_run(n_plans, run_seed, kinds=kinds, options=options)
            row["cpu_s"] = time.process_time() - start
            rows.append(row)
    return pd.DataFrame(rows)


def settings_check(n_plans: int = 5, replications: int = 10, seed: int = 0,
                   kinds: Sequence[str] = MODEL_KINDS) -> pd.DataFrame:
    """The rule with the build's settings against the simulation's reduced settings.

    Not part of the build (too slow: the build's ten restarts, five subsamples and ten plans
    left out per model and K); run once to justify :data:`SIM_OPTIONS` (results in the module
    docstring). The corpora are those of :func:`simulation_runs` (same seeds).

    Returns
    -------
    pandas.DataFrame
        ``n_plans, replication, chosen_model_build, chosen_k_build, chosen_model_sim,
        chosen_k_sim, cpu_build_s, cpu_sim_s``.
    """
    rows = []
    for r in range(replications):
        run_seed = int(np.random.SeedSequence([seed, n_plans, r]).generate_state(1)[0])
        row = dict(n_plans=n_plans, replication=r)
        for name, options in (("build", BUILD_OPTIONS), ("sim", SIM_OPTIONS)):
            start = time.process_time()
            run = one_run(n_plans, run_seed, kinds=kinds, options=options, recover=False)
            row[f"chosen_model_{name}"] = run["chosen_model"]
            row[f"chosen_k_{name}"] = run["chosen_k"]
            row[f"chosen_k_nmf_{name}"] = run["chosen_k_nmf"]
            row[f"cpu_{name}_s"] = time.process_time() - start
        rows.append(row)
    return pd.DataFrame(rows)


def _share_rows(part: pd.DataFrame, column: str, estimator: str, base: dict,
                note: str) -> list[dict]:
    """Share of runs choosing the true K (with its Monte Carlo SE) and bias/RMSE of K."""
    reps = len(part)
    error = part[column] - K_TRUE
    hit = float((error == 0).mean())
    se = float(np.sqrt(hit * (1 - hit) / reps))
    chosen = ", ".join(map(str, part[column]))
    row = dict(base, replications=reps, quantity="choice of K", estimator=estimator,
               bias=float(error.mean()), rmse=float(np.sqrt((error ** 2).mean())))
    return [dict(row, metric="share of runs choosing true K", value=hit,
                 note=f"{note}; chosen K by run: {chosen}"),
            dict(row, metric="Monte Carlo SE of the share", value=se,
                 note="sqrt(share (1 - share) / runs)")]


def summarise(runs: pd.DataFrame, options: dict | None = None) -> pd.DataFrame:
    """The shared layout from :func:`simulation_runs` output (``options``: the settings the
    runs used, for the notes; default :data:`SIM_OPTIONS`)."""
    options = SIM_OPTIONS if options is None else options
    grid = f"true K = {K_TRUE}, grid {', '.join(map(str, options['ks']))}"
    settings = (f"{options['n_restarts']} restarts, {options['n_subsamples']} "
                f"subsamples, {options['max_leave_out']} plans left out per model and K")
    out = []
    for n_plans, part in runs.groupby("n_plans", sort=True):
        base = dict(n_plans=int(n_plans), nominal=np.nan, coverage=np.nan,
                    coverage_mc_se=np.nan)
        clauses = f"mean {part['n_clauses'].mean():.0f} clauses"
        both = part[part["families"] == "+".join(MODEL_KINDS)]
        if len(both):
            lda = int((both["chosen_model"] == "lda").sum())
            out += _share_rows(both, "chosen_k", "choose_model (NMF and LDA)", base,
                               f"{grid}; {settings}; LDA chosen in {lda} of {len(both)} runs; "
                               f"mean {both['n_clauses'].mean():.0f} clauses")
            agree = float((both["chosen_k"] == both["chosen_k_nmf"]).mean())
            out.append(dict(base, replications=len(both), quantity="choice of K",
                            estimator="choose_model (NMF and LDA)", bias=np.nan, rmse=np.nan,
                            metric="share of runs where NMF alone chooses the same K",
                            value=agree, note="the rule applied to the NMF rows of the same "
                                              "runs"))
        out += _share_rows(part, "chosen_k_nmf", "choose_model (NMF only)", base,
                           f"{grid}; {settings}; {clauses}")
        for col, estimator in (("recovery_chosen", "NMF medoid at K chosen over NMF"),
                               ("recovery_true", "NMF medoid at true K")):
            sims = np.vstack(part[col].to_numpy())
            per_run = sims.mean(axis=1)
            row = dict(base, replications=len(part), quantity="topic recovery",
                       estimator=estimator, bias=np.nan, rmse=np.nan)
            out.append(dict(row, metric="mean matched cosine", value=float(per_run.mean()),
                            note=f"per run {', '.join(f'{v:.2f}' for v in per_run)}"))
            out.append(dict(row, metric=f"share of planted topics with cosine >= "
                                        f"{RECOVERY_COSINE}",
                            value=float((sims >= RECOVERY_COSINE).mean()),
                            note="Hungarian matching of planted and fitted topic-word vectors "
                                 "(unmatched planted topics count as not recovered)"))
    return pd.DataFrame(out)[COLUMNS]


def simulation_table(seed: int = 0) -> pd.DataFrame:
    """The choice of K and topic recovery at N = 5, 50 and 500 plans (shared layout).

    Deterministic for a given ``seed``; about three CPU minutes in all (see the module
    docstring for the split and why LDA is simulated at 5 plans only).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`. Per N, "choice of K" rows for the rule over NMF only (share of runs
        choosing the true K, its Monte Carlo SE, bias and RMSE of the chosen K) and, at 5
        plans, for the rule over both families (the same, and how often NMF alone agrees);
        four "topic recovery" rows (mean matched cosine and share of planted topics
        recovered, at the K chosen over NMF and at the true K).
    """
    table = summarise(simulation_runs(seed))
    for col in ("coverage", "coverage_mc_se", "bias", "rmse", "value"):
        table[col] = table[col].astype(float).round(6) + 0.0
    return table
