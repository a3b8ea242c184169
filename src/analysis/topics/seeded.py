"""A seeded (guided) topic model built from the domain codebook, beside the unsupervised one.

:func:`seed_words` takes, for each of the 16 policy domains, the specific keywords of the
domain rules (``data/domain_rules.csv``: keyword rules of weight 2 or more, split at ``|``,
plain Chinese words only, no regular-expression parts) that occur in the model vocabulary.
:func:`fit_seeded` fits LDA by collapsed Gibbs sampling with tomotopy (Lee 2022,
https://bab2min.github.io/tomotopy), one topic per domain with seed words plus
:data:`N_FREE` unseeded topics; a seed word's topic-word prior is :data:`SEED_PRIOR` for its
domain's topic and :data:`OFF_PRIOR` for the other topics (tomotopy's ``set_word_prior``,
the "guided LDA" of Jagarlamudi, Daumé and Udupa 2012). One worker thread and a fixed seed
make the fit deterministic; the instruction set is pinned (:data:`ISA`) because tomotopy's
vectorised sampler may round differently on another one.

:func:`rule_agreement` compares the clauses' largest seeded topics with the rule-based coding
(``clause_domains.csv``). The seeds are the rules' own keywords, so agreement is partly built
in: it says how far the *rest* of a clause's vocabulary pulls it away from its keywords, not
how accurate either coding is.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.core.grouping import permutations_within, rows_by_group
from analysis.core.schema import Column, TableSchema
from analysis.topics.settings import SEED, TOP_N, derive_seed

#: Unseeded topics added to the seeded ones (text that no domain's keywords claim).
N_FREE = 2
#: Symmetric document-topic and topic-word priors, and the seed words' priors.
ALPHA = 0.1
ETA = 0.01
SEED_PRIOR = 1.0
OFF_PRIOR = 0.001
#: Gibbs iterations (burn-in included); the final state is reported.
ITERATIONS = 1000
#: Rule keywords of at least this weight are seeds (2 = "specific to the code").
MIN_SEED_WEIGHT = 2.0
#: tomotopy's instruction set, fixed so that the fit does not depend on the machine's CPU.
ISA = "sse2"
_PLAIN = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def _tomotopy():
    # Must be set before the first import of tomotopy, which picks its compiled module then.
    os.environ.setdefault("TOMOTOPY_ISA", ISA)
    import warnings

    with warnings.catch_warnings():
        # Its compiled types lack __module__ (a DeprecationWarning on import, harmless).
        warnings.simplefilter("ignore", DeprecationWarning)
        import tomotopy

    return tomotopy


def seed_words(vocab: Sequence[str], rules_path: Path | None = None,
               min_weight: float = MIN_SEED_WEIGHT) -> dict[str, list[str]]:
    """Seed words per domain: plain keywords of the domain rules found in ``vocab``.

    Returns
    -------
    dict
        Domain code → sorted seed words, in codebook order; domains without any seed word in
        the vocabulary are left out. A word listed under several domains seeds each of them.
    """
    from analysis.text.coding import RULES_PATH, codes

    table = pd.read_csv(rules_path or RULES_PATH, dtype=str, keep_default_na=False)
    table = table[(table["scheme"] == "domain") & (table["kind"] == "keyword")]
    table = table[table["weight"].astype(float) >= min_weight]
    in_vocab = set(vocab)
    seeds: dict[str, set[str]] = {}
    for code, pattern in zip(table["code"], table["pattern"]):
        for alt in pattern.split("|"):
            if _PLAIN.match(alt) and alt in in_vocab:
                seeds.setdefault(code, set()).add(alt)
    return {c: sorted(seeds[c]) for c in codes("domain") if c in seeds}


@dataclass
class SeededModel:
    """A fitted seeded model.

    Attributes
    ----------
    topic_names : list of str
        Domain code of each topic, then ``unseeded_1`` …
    seeds : dict
        Seed words per domain.
    vocab : numpy.ndarray
        The model's vocabulary (tomotopy's order).
    topic_word : numpy.ndarray
        Topics × vocabulary distributions.
    theta : numpy.ndarray
        Clauses × topics proportions (posterior mean given the final state).
    concentration : numpy.ndarray
        Clauses × topics ``alpha + n_dk`` of the final state (Dirichlet for draws).
    isa : str
        Instruction set tomotopy ran with.
    model_bytes : bytes
        The tomotopy model without its documents (``saves(full=False)``), from which
        :func:`project_seeded` infers the proportions of clauses it was not fitted on.
    """

    topic_names: list[str]
    seeds: dict
    vocab: np.ndarray
    topic_word: np.ndarray
    theta: np.ndarray
    concentration: np.ndarray
    isa: str
    model_bytes: bytes = b""


def fit_seeded(tokens: Sequence[Sequence[str]], seeds: dict[str, list[str]],
               n_free: int = N_FREE, iterations: int = ITERATIONS,
               seed: int | None = None) -> SeededModel:
    """Fit the seeded LDA on tokenised clauses.

    Parameters
    ----------
    tokens : sequence of sequence of str
        In-vocabulary tokens of each clause (:attr:`analysis.topics.corpus.Corpus.tokens`);
        every clause needs at least one token.
    seeds : dict
        Domain → seed words (:func:`seed_words`).
    n_free : int
        Unseeded topics.
    iterations : int
    seed : int, optional
        Random seed (default derived from :data:`analysis.topics.settings.SEED`).
    """
    tp = _tomotopy()
    names = list(seeds) + [f"unseeded_{i + 1}" for i in range(n_free)]
    k = len(names)
    mdl = tp.LDAModel(k=k, alpha=ALPHA, eta=ETA, min_cf=0, rm_top=0,
                      seed=derive_seed(SEED % 1000, 51) if seed is None else seed)
    for doc in tokens:
        if not doc:
            raise ValueError("every clause needs at least one token")
        mdl.add_doc(list(doc))
    owners: dict[str, set[int]] = {}
    for t, domain in enumerate(seeds):
        for w in seeds[domain]:
            owners.setdefault(w, set()).add(t)
    for w in sorted(owners):
        mdl.set_word_prior(w, [SEED_PRIOR if t in owners[w] else OFF_PRIOR for t in range(k)])
    mdl.train(iterations, workers=1, parallel=tp.ParallelScheme.NONE)
    vocab = np.asarray(list(mdl.used_vocabs), dtype=object)
    topic_word = np.array([mdl.get_topic_word_dist(t) for t in range(k)])
    alpha = np.asarray(mdl.alpha, dtype=float).reshape(-1)
    counts = np.zeros((len(mdl.docs), k))
    for i, doc in enumerate(mdl.docs):
        counts[i] = np.bincount(np.asarray(doc.topics, dtype=int), minlength=k)
    conc = counts + alpha[None, :]
    theta = conc / conc.sum(axis=1, keepdims=True)
    return SeededModel(names, dict(seeds), vocab, topic_word, theta, conc, str(tp.isa),
                       mdl.saves(full=False))


#: Gibbs iterations of :func:`project_seeded`'s inference for each clause the model was not
#: fitted on (tomotopy's default).
INFER_ITERATIONS = 100


def project_seeded(model: SeededModel, tokens: Sequence[Sequence[str]],
                   fitted_rows: Sequence[int | None],
                   known: Mapping[int, np.ndarray] | None = None) -> SeededModel:
    """The model's proportions of other clauses (the model fitted on a sample of plans).

    Parameters
    ----------
    model : SeededModel
        From :func:`fit_seeded`.
    tokens : sequence of sequence of str
        In-vocabulary tokens of every clause to describe.
    fitted_rows : sequence
        For each clause, its row among the clauses the model was fitted on (its proportions
        and concentration are then the fitted ones), or None: it is then inferred by
        tomotopy's ``infer`` (:data:`INFER_ITERATIONS` Gibbs sweeps over the clause's own
        topic assignments with the topics held fixed; one thread, the model's seed, each
        clause on its own, so a clause's result depends on no other clause), and its
        concentration is ``alpha`` plus the topic counts of its final state, as for the
        fitted clauses.
    known : mapping, optional
        Concentrations of clauses (by position) inferred earlier with the same model, taken
        as they are (a build's per-plan store; inference being per clause, they equal what
        inferring them again would give).

    Returns
    -------
    SeededModel
        ``model`` with ``theta`` and ``concentration`` of the given clauses.
    """
    if len(tokens) != len(fitted_rows):
        raise ValueError("one fitted row (or None) per clause")
    k = len(model.topic_names)
    conc = np.zeros((len(tokens), k))
    known = {} if known is None else known
    todo = [i for i, row in enumerate(fitted_rows) if row is None and i not in known]
    for i, row in enumerate(fitted_rows):
        if row is not None:
            conc[i] = model.concentration[row]
        elif i in known:
            conc[i] = known[i]
    if todo:
        tp = _tomotopy()
        mdl = tp.LDAModel.loads(model.model_bytes)
        alpha = np.asarray(mdl.alpha, dtype=float).reshape(-1)
        docs = [mdl.make_doc(list(tokens[i])) for i in todo]
        known = [len(d.words) > 0 for d in docs]
        if any(known):
            mdl.infer([d for d, ok in zip(docs, known) if ok], iterations=INFER_ITERATIONS,
                      workers=1, parallel=tp.ParallelScheme.NONE, together=False)
        for i, doc, ok in zip(todo, docs, known):
            counts = (np.bincount(np.asarray(doc.topics, dtype=int), minlength=k) if ok
                      else np.zeros(k))
            conc[i] = counts + alpha
    theta = conc / conc.sum(axis=1, keepdims=True)
    return SeededModel(model.topic_names, model.seeds, model.vocab, model.topic_word, theta,
                       conc, model.isa, model.model_bytes)


def topic_word_table(model: SeededModel, top_n: int = TOP_N) -> pd.DataFrame:
    """Top words of each seeded topic: ``topic, name, rank, word, weight, is_seed``."""
    rows = []
    for t, name in enumerate(model.topic_names):
        seeds = set(model.seeds.get(name, ()))
        order = np.lexsort((model.vocab.astype(str), -model.topic_word[t]))[:top_n]
        for r, j in enumerate(order):
            rows.append(dict(topic=t + 1, name=name, rank=r + 1, word=str(model.vocab[j]),
                             weight=float(model.topic_word[t, j]),
                             is_seed=str(model.vocab[j]) in seeds,
                             n_seeds=len(seeds)))
    return pd.DataFrame(rows)


def clause_topic_table(model: SeededModel, clause_ids: Sequence[str],
                       doc_ids: Sequence[str]) -> pd.DataFrame:
    """Long table of clause proportions: ``clause_id, doc_id, topic, name, weight, dominant``."""
    k = len(model.topic_names)
    dominant = model.theta.argmax(axis=1)
    n = len(clause_ids)
    return pd.DataFrame({
        "clause_id": np.repeat(np.asarray(clause_ids, dtype=object), k),
        "doc_id": np.repeat(np.asarray(doc_ids, dtype=object), k),
        "topic": np.tile(np.arange(1, k + 1), n),
        "name": np.tile(np.asarray(model.topic_names, dtype=object), n),
        "weight": model.theta.reshape(-1),
        "dominant": (dominant[:, None] == np.arange(k)[None, :]).reshape(-1)})


def rule_agreement(model: SeededModel, clause_ids: Sequence[str], doc_ids: Sequence[str],
                   weights: Sequence[float], clause_domains: pd.DataFrame,
                   n_perm: int = 1000, seed: int | None = None) -> pd.DataFrame:
    """Agreement of the clauses' largest seeded topic with the rule-based domain coding.

    For each seeded domain: clauses coded with it by the rules, clauses whose largest topic
    is its topic, both, precision, recall and F1, the F1 expected by chance (largest topics
    permuted among the clauses of each plan), and the domain's mean share over plans under
    each coding (the seeded topic's character-weighted prevalence; the rules' share of a
    plan's characters, a clause with k codes giving 1/k to each, as in ``domain_shares.csv``).
    A final ``all`` row gives micro-averaged figures and ``hit_rate``: the share of
    rule-coded clauses whose largest topic is one of their codes.
    """
    rng = np.random.default_rng(derive_seed(52) if seed is None else seed)
    domains = [n for n in model.topic_names if n in model.seeds]
    pos = {c: i for i, c in enumerate(clause_ids)}
    coded = np.zeros((len(clause_ids), len(domains)), dtype=bool)
    for c, d in zip(clause_domains["clause_id"].astype(str), clause_domains["domain"]):
        if c in pos and d in domains:
            coded[pos[c], domains.index(d)] = True
    top = model.theta.argmax(axis=1)
    docs = np.asarray(doc_ids, dtype=object)
    w = np.asarray(weights, dtype=float)

    def f1s(labels):
        pred = labels[:, None] == np.arange(len(domains))[None, :]
        tp_ = (pred & coded).sum(axis=0)
        denom = pred.sum(axis=0) + coded.sum(axis=0)
        return np.divide(2 * tp_, denom, out=np.zeros(len(domains)), where=denom > 0), pred

    f1, pred = f1s(top)
    null = np.empty((n_perm, len(domains)))
    null_micro = np.empty(n_perm)
    rows_of = rows_by_group(docs)[1]  # plans in sorted order
    # Within-plan permutation keeps how many clauses each topic tops, so the denominators are
    # fixed and only the true positives are counted, a chunk of permutations at once.
    coded_rows = [np.flatnonzero(coded[:, j]) for j in range(len(domains))]
    n_pred = pred.sum(axis=0)
    denom = n_pred + coded.sum(axis=0)
    micro_denom = n_pred.sum() + coded.sum()
    done = 0
    for block in permutations_within(top, rows_of, n_perm, rng):
        # a domain's true positives: its coded clauses whose (permuted) largest topic is its own
        diagonal = np.column_stack([(block[:, rows] == j).sum(axis=1)
                                    for j, rows in enumerate(coded_rows)]) \
            if coded_rows else np.zeros((len(block), 0), dtype=int)
        size = len(block)
        null[done:done + size] = np.divide(2 * diagonal, denom, out=np.zeros(diagonal.shape),
                                           where=denom > 0)
        null_micro[done:done + size] = (2 * diagonal.sum(axis=1) / micro_denom
                                        if micro_denom else 0.0)
        done += size
    n_codes = coded.sum(axis=1)
    alloc = np.where(n_codes[:, None] > 0, coded / np.maximum(n_codes, 1)[:, None], 0.0)
    rule_share = np.mean([(w[r] @ alloc[r]) / w[r].sum() for r in rows_of], axis=0)
    topic_share = np.mean([(w[r] @ model.theta[r][:, :len(domains)]) / w[r].sum()
                           for r in rows_of], axis=0)
    vocab_index = {w: i for i, w in enumerate(model.vocab)}
    seed_mass = [float(model.topic_word[j, [vocab_index[w] for w in model.seeds[d]
                                             if w in vocab_index]].sum())
                 for j, d in enumerate(domains)]
    out = []
    for j, d in enumerate(domains):
        both = int((pred[:, j] & coded[:, j]).sum())
        n_rule, n_top = int(coded[:, j].sum()), int(pred[:, j].sum())
        out.append(dict(domain=d, n_seeds=len(model.seeds[d]), n_rule=n_rule, n_topic=n_top,
                        n_both=both, precision=both / n_top if n_top else np.nan,
                        recall=both / n_rule if n_rule else np.nan, f1=float(f1[j]),
                        f1_chance=float(null[:, j].mean()), share_rules=float(rule_share[j]),
                        share_seeded=float(topic_share[j]), seed_mass=seed_mass[j],
                        hit_rate=np.nan))
    both = int((pred & coded).sum())
    any_code = n_codes > 0
    out.append(dict(domain="all", n_seeds=sum(len(v) for v in model.seeds.values()),
                    n_rule=int(coded.sum()), n_topic=int(pred.sum()), n_both=both,
                    precision=both / pred.sum() if pred.sum() else np.nan,
                    recall=both / coded.sum() if coded.sum() else np.nan,
                    f1=_micro_f1(pred, coded),
                    f1_chance=float(null_micro.mean()), share_rules=float(rule_share.sum()),
                    share_seeded=float(topic_share.sum()), seed_mass=float(np.mean(seed_mass)) if seed_mass else 0.0,
                    hit_rate=(float((pred & coded).any(axis=1)[any_code].mean())
                              if any_code.any() else np.nan)))
    return pd.DataFrame(out)



def _micro_f1(predicted: np.ndarray, coded: np.ndarray) -> float:
    """Micro F1 of two boolean clause × domain matrices; 0 when neither marks anything (a
    corpus without seed words or rule codes must not stop the build with a NaN)."""
    denom = predicted.sum() + coded.sum()
    return float(2 * (predicted & coded).sum() / denom) if denom else 0.0

_S = "`analysis.topics.seeded`"
SEEDED_TOPICS = TableSchema(
    name="seeded_topics",
    filename="seeded_topics.csv",
    description="Top words of the seeded topic model: LDA by collapsed Gibbs sampling "
                "(tomotopy), one topic per policy domain seeded with the plain keywords of "
                f"the domain rules, plus {N_FREE} unseeded topics.",
    primary_key=("topic", "rank"),
    columns=(
        Column("topic", "int", "Topic number.", source=_S),
        Column("name", "str", "Domain code of the seeded topic, or `unseeded_i`.",
               source="`data/policy_domains.csv`"),
        Column("rank", "int", f"Rank of the word in the topic (1..{TOP_N}).", source=_S),
        Column("word", "str", "Word.", source=_S),
        Column("weight", "float", "Probability of the word in the topic.", source=_S),
        Column("is_seed", "bool", "Whether the word is one of the topic's seeds.", source=_S),
        Column("n_seeds", "int", "Seed words of the topic found in the vocabulary.",
               source="`data/domain_rules.csv`"),
    ),
)
SEEDED_CLAUSE_TOPICS = TableSchema(
    name="seeded_clause_topics",
    filename="seeded_clause_topics.csv",
    description="Topic proportions of each modelled clause under the seeded model (posterior "
                "mean given the final Gibbs state: (alpha + topic counts) normalised). Above "
                "`FIT_MAX_CLAUSES` candidate clauses the model is fitted on a sample of plans "
                "(see `n_fit_clauses` in `topics.csv`): the sample's clauses keep their fitted "
                "state and the others get the state of tomotopy's `infer` (100 sweeps, topics "
                "fixed), so the two groups are not estimated in quite the same way.",
    primary_key=("clause_id", "topic"),
    columns=(
        Column("clause_id", "str", "Clause.", source="`clauses.csv`"),
        Column("doc_id", "str", "Plan.", source="`clauses.csv`"),
        Column("topic", "int", "Topic number.", source=_S),
        Column("name", "str", "Domain code of the topic, or `unseeded_i`.", source=_S),
        Column("weight", "float", "Proportion of the clause in the topic.", source=_S),
        Column("dominant", "bool", "Whether this is the clause's largest topic.", source=_S),
    ),
)
SEEDED_RULE_AGREEMENT = TableSchema(
    name="seeded_rule_agreement",
    filename="seeded_rule_agreement.csv",
    description="Agreement of the clauses' largest seeded topic with the rule-based domain "
                "coding of `clause_domains.csv`, per seeded domain and overall (`all`).",
    primary_key=("domain",),
    notes=("The seeds are the rules' own keywords, so agreement is partly built in; it is "
           "not an accuracy figure for either coding (those come from the hand-coded sample, "
           "`coding_agreement.csv`).",),
    columns=(
        Column("domain", "str", "Domain code, or `all` (micro-averaged).",
               source="`data/policy_domains.csv`"),
        Column("n_seeds", "int", "Seed words of the domain in the vocabulary.",
               source="`data/domain_rules.csv`"),
        Column("n_rule", "int", "Modelled clauses the rules code with the domain.",
               source="`clause_domains.csv`"),
        Column("n_topic", "int", "Modelled clauses whose largest topic is the domain's.",
               source=_S),
        Column("n_both", "int", "Clauses in both.", source=_S),
        Column("precision", "float", "n_both / n_topic.", nullable=True, source=_S),
        Column("recall", "float", "n_both / n_rule.", nullable=True, source=_S),
        Column("f1", "float", "Harmonic mean of precision and recall.", source=_S),
        Column("f1_chance", "float", "Mean F1 with largest topics permuted among the "
               "clauses of each plan (1000 permutations).", source=_S),
        Column("share_rules", "float", "Mean over plans of the domain's share of the plan's "
               "characters under the rules (modelled clauses; k codes give 1/k each).",
               source=_S),
        Column("share_seeded", "float", "Mean over plans of the seeded topic's "
               "character-weighted prevalence.", source=_S),
        Column("seed_mass", "float", "Probability mass of the seeded topic on its seed words "
               "(`all`: mean over domains); small values mean the topic drifted away from the "
               "domain it was seeded with.", source=_S),
        Column("hit_rate", "float", "`all` row only: share of rule-coded clauses whose "
               "largest topic is one of their codes.", nullable=True, source=_S),
    ),
)
