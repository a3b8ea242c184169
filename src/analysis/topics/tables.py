"""The written topic tables: their schemas and the functions that build them.

The schemas (:data:`TOPICS`, :data:`CLAUSE_TOPICS`, :data:`TOPIC_UNITS`,
:data:`TOPIC_DOMAINS`, :data:`TOPIC_DOMAIN_RECOVERY`, in build order in :data:`SCHEMAS`)
document every column; :func:`topics_table` and :func:`clause_topics_table` turn a fitted
model into rows, with floats rounded to :data:`DECIMALS` places. Topic prevalence by plan and
group is :mod:`analysis.topics.composition`'s (``topic_prevalence_composition.csv``).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.core.schema import Column, TableSchema
from analysis.topics.corpus import Corpus
from analysis.topics.diagnostics import (exclusivity, frex_word_indices, npmi_coherence,
                                         top_word_indices)
from analysis.topics.final import FinalModel, attach_labels, read_labels, representative_clauses
from analysis.topics.settings import (DECIMALS, HEADING_MAX_CHARS, MIN_DOMAIN_CLAUSES,
                                      MIN_TOKENS, MODEL_KINDS, PARTLY_F1, RECOVERED_F1)

_T = "`analysis.topics.model`"

TOPICS = TableSchema(
    name="topics",
    filename="topics.csv",
    description="One row per topic of the reported topic model of clauses (model and K chosen "
                "in `notebooks/03_topic_models.ipynb`; the medoid of the random restarts). "
                "Topics are numbered by prevalence, largest first.",
    primary_key=("topic",),
    columns=(
        Column("topic", "int", "Topic number (1 = most prevalent).", source=_T),
        Column("label_en", "str", "Reviewed English label; empty when the fitted topic no "
               "longer matches the words the label was given for.", nullable=True,
               source="`src/analysis/data/topic_labels.csv` via `attach_labels`"),
        Column("label_status", "str", "`reviewed`: label matched by top words; `unreviewed`: "
               "needs a reader.", allowed=("reviewed", "unreviewed"), source=_T),
        Column("label_jaccard", "float", "Jaccard overlap of the fitted top words with the "
               "words the label was given for.", nullable=True, source=_T),
        Column("top_words", "str", "Top words by topic-word weight, space-separated.",
               source=_T),
        Column("top_words_en", "str", "English glosses of the top words (`?` where the "
               "glossary has none), `; `-separated.", source="`analysis.text.tokenise.glossary`"),
        Column("frex_words", "str", "Top words by FREX (frequent and exclusive, weight 0.5).",
               source="`analysis.topics.model.frex`"),
        Column("frex_words_en", "str", "English glosses of the FREX words.",
               source="`analysis.text.tokenise.glossary`"),
        Column("representative_clauses", "str", "The three clauses with the highest "
               "proportion of the topic, `;`-separated clause_ids.", source=_T),
        Column("prevalence", "float", "Mean proportion of the topic over modelled clauses.",
               source=_T),
        Column("n_dominant", "int", "Modelled clauses whose largest topic this is.", source=_T),
        Column("exclusivity", "float", "Mean exclusivity of the top words (1/K to 1).",
               source="`analysis.topics.model.exclusivity`"),
        Column("npmi_in_sample", "float", "NPMI coherence of the top words counted in all "
               "modelled clauses (in-sample; held-out values are in the notebook).",
               nullable=True, source="`analysis.topics.model.npmi_coherence`"),
        Column("stability", "float", "Mean cosine similarity of this topic with its "
               "Hungarian-matched partner in each other restart.",
               source="`analysis.topics.model.restart_stability`"),
        Column("stability_jaccard", "float", "Mean top-word Jaccard overlap with the matched "
               "partners.", source="`analysis.topics.model.restart_stability`"),
        Column("model", "str", "Model family.", allowed=MODEL_KINDS, source=_T),
        Column("k", "int", "Number of topics.", source=_T),
        Column("seed", "int", "Random state of the reported restart.", source=_T),
        Column("n_restarts", "int", "Restarts the reported one was chosen from.", source=_T),
        Column("n_clauses", "int", "Modelled clauses.", source=_T),
        Column("n_fit_clauses", "int", "Modelled clauses the model was fitted on: all of "
               "them, unless the corpus has more than `FIT_MAX_CLAUSES` (20,000) candidate "
               "clauses (not headings); then the clauses of a sample of whole plans in hash "
               "order of doc_id, whose vocabulary is the model's, and every clause's "
               "proportions come from projecting it on the fitted topics (NMF transform, as "
               "below the threshold).", source="`analysis.topics.stage.modelling_corpora`"),
        Column("vocabulary_size", "int", "Words in the vocabulary.", source=_T),
    ),
)

CLAUSE_TOPICS = TableSchema(
    name="clause_topics",
    filename="clause_topics.csv",
    description="Topic proportions of every modelled clause (one row per clause and topic; "
                "weights of a clause sum to 1). Heading-only clauses and clauses with fewer "
                f"than {MIN_TOKENS} vocabulary words are not modelled and have no rows.",
    primary_key=("clause_id", "topic"),
    columns=(
        Column("clause_id", "str", "Clause (see `clauses.csv`).", source="`clauses.csv`"),
        Column("doc_id", "str", "Document.", source="`clauses.csv`"),
        Column("topic", "int", "Topic (see `topics.csv`).", source=_T),
        Column("weight", "float", "Proportion of the clause assigned to the topic.",
               source="`TopicModel.doc_topic`"),
        Column("dominant", "bool", "True for the clause's largest topic.", source=_T),
    ),
)

TOPIC_UNITS = TableSchema(
    name="topic_units",
    filename="topic_units.csv",
    description="Every non-inferred clause with text and whether the topic model uses it.",
    primary_key=("clause_id",),
    columns=(
        Column("doc_id", "str", "Document.", source="`clauses.csv`"),
        Column("clause_id", "str", "Clause.", source="`clauses.csv`"),
        Column("level", "str", "Clause level.", source="`clauses.csv`"),
        Column("n_chars", "int", "Characters of the clause's own text.", source="`clauses.csv`"),
        Column("n_tokens", "int", "Vocabulary tokens (0 for headings).", source=_T),
        Column("status", "str", "`modelled`; `heading_only`: a heading over child clauses "
               f"(at most {HEADING_MAX_CHARS} characters), which restates them; `too_short`: "
               f"fewer than {MIN_TOKENS} vocabulary tokens.",
               allowed=("modelled", "heading_only", "too_short"), source=_T),
    ),
)


TOPIC_DOMAINS = TableSchema(
    name="topic_domains",
    filename="topic_domains.csv",
    description="Topics against the policy-domain coding of clauses (`clause_domains.csv`); "
                "empty when that table is missing.",
    primary_key=("domain", "topic"),
    columns=(
        Column("domain", "str", "Policy domain code.", source="`data/policy_domains.csv`"),
        Column("topic", "int", "Topic.", source=_T),
        Column("n_clauses", "int", "Modelled clauses coded with the domain.",
               source="`clause_domains.csv`"),
        Column("topic_mass", "float", "Sum of the topic's proportions over those clauses.",
               source=_T),
        Column("share", "float", "Mean proportion of the topic in those clauses.",
               nullable=True, source=_T),
        Column("lift", "float", "`share` over the topic's mean proportion in all modelled "
               "clauses.", nullable=True, source=_T),
        Column("n_dominant", "int", "Clauses of the domain whose largest topic this is.",
               source=_T),
    ),
)

TOPIC_DOMAIN_RECOVERY = TableSchema(
    name="topic_domain_recovery",
    filename="topic_domain_recovery.csv",
    description="For each policy domain, the topic that best reproduces its coding (as 'the "
                "clause's largest topic is this one') and how well; empty when "
                "`clause_domains.csv` is missing.",
    primary_key=("domain",),
    columns=(
        Column("domain", "str", "Policy domain code.", source="`data/policy_domains.csv`"),
        Column("n_clauses", "int", "Modelled clauses coded with the domain.",
               source="`clause_domains.csv`"),
        Column("best_topic", "int", "Topic with the best F1.", nullable=True, source=_T),
        Column("recall", "float", "Share of the domain's clauses whose largest topic is "
               "`best_topic`.", nullable=True, source=_T),
        Column("precision", "float", "Share of clauses with largest topic `best_topic` that "
               "are coded with the domain.", nullable=True, source=_T),
        Column("f1", "float", "Harmonic mean of recall and precision.", nullable=True,
               source=_T),
        Column("f1_chance", "float", "Chance level of the best F1: its mean when the "
               "clauses' largest topics are permuted within each plan (best topic re-chosen "
               "in every permutation). An agreement of two codings of the same clauses has "
               "no sampling interval.", nullable=True, source=_T),
        Column("f1_chance_q95", "float", "95th percentile of the best F1 under those "
               "permutations.", nullable=True, source=_T),
        Column("topic_best_domain", "str", "The domain that `best_topic` matches best (among "
               f"domains with at least {MIN_DOMAIN_CLAUSES} clauses).", nullable=True,
               source=_T),
        Column("verdict", "str", f"`recovered`: domain and topic are each other's best match "
               f"and F1 ≥ {RECOVERED_F1}; `partly`: each other's best match, F1 ≥ "
               f"{PARTLY_F1}; `merged`: F1 ≥ {PARTLY_F1} but the topic matches another "
               f"domain better; `missed`: F1 < {PARTLY_F1}; `too_few_clauses`: fewer than "
               f"{MIN_DOMAIN_CLAUSES} coded clauses.",
               allowed=("recovered", "partly", "merged", "missed", "too_few_clauses"),
               source=_T),
    ),
)

SCHEMAS = [TOPIC_UNITS, TOPICS, CLAUSE_TOPICS, TOPIC_DOMAINS, TOPIC_DOMAIN_RECOVERY]


def _gloss(words: Sequence[str], glossary: Mapping[str, str]) -> str:
    return "; ".join(glossary.get(w, "?") for w in words)


def topics_table(final: FinalModel, corpus: Corpus, glossary: Mapping[str, str],
                 labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``topics.csv`` table of a fitted model (see :data:`TOPICS`)."""
    beta = final.model.topic_word
    vocab = corpus.vocab
    top = [[str(vocab[i]) for i in row] for row in top_word_indices(beta)]
    frx = [[str(vocab[i]) for i in row] for row in frex_word_indices(beta)]
    labels = read_labels() if labels is None else labels
    lab = attach_labels(top, labels, final.model.kind, final.k)
    reps = representative_clauses(final.theta, corpus.clause_ids, 3, final.loading)
    dominant = final.theta.argmax(axis=1)
    table = pd.DataFrame({
        "topic": np.arange(1, final.k + 1),
        "label_en": lab["label_en"], "label_status": lab["label_status"],
        "label_jaccard": lab["label_jaccard"],
        "top_words": [" ".join(w) for w in top],
        "top_words_en": [_gloss(w, glossary) for w in top],
        "frex_words": [" ".join(w) for w in frx],
        "frex_words_en": [_gloss(w, glossary) for w in frx],
        "representative_clauses": [";".join(r) for r in reps],
        "prevalence": final.theta.mean(axis=0),
        "n_dominant": np.bincount(dominant, minlength=final.k),
        "exclusivity": exclusivity(beta),
        "npmi_in_sample": npmi_coherence(top, corpus.tokens),
        "stability": final.stability.topic_similarity,
        "stability_jaccard": final.stability.topic_jaccard,
        "model": final.model.kind, "k": final.k, "seed": final.model.seed,
        "n_restarts": len(final.restarts), "n_clauses": len(corpus),
        "n_fit_clauses": final.n_fit, "vocabulary_size": len(vocab),
    })
    return _round(table)


def clause_topics_table(final: FinalModel, corpus: Corpus) -> pd.DataFrame:
    """The ``clause_topics.csv`` table (long: one row per clause and topic)."""
    n, k = final.theta.shape
    dominant = final.theta.argmax(axis=1)
    return _round(pd.DataFrame({
        "clause_id": np.repeat(corpus.clause_ids, k),
        "doc_id": np.repeat(corpus.doc_ids, k),
        "topic": np.tile(np.arange(1, k + 1), n),
        "weight": final.theta.ravel(),
        "dominant": (np.tile(np.arange(k), n) == np.repeat(dominant, k)),
    }))


def _round(table: pd.DataFrame) -> pd.DataFrame:
    """Round float columns to :data:`DECIMALS` (and turn -0.0 into 0.0)."""
    table = table.copy()
    for col in table.columns:
        if pd.api.types.is_float_dtype(table[col]):
            table[col] = table[col].round(DECIMALS) + 0.0
    return table
