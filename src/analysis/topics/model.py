"""Topic models of plan clauses: model selection, stability, labels, prevalence, domains.

The unit of analysis is the clause (``clauses.csv``: non-inferred clauses with text). Clauses
that are only a heading over their children (e.g. ``二、主要工作`` or
``（一）推进应急责任体系高效化建设``) are not modelled: their words restate the children that
follow, so modelling them would count the same content twice and add very short documents
that make co-occurrence statistics noisy. No clauses are merged.

Two model families are compared over a grid of K:

* NMF (scikit-learn, Frobenius loss, coordinate descent) on sublinear TF-IDF;
* LDA (scikit-learn, batch variational Bayes) on counts.

Evidence for choosing a model (:func:`select_models`):

* held-out topic coherence: NPMI of each topic's top words, with co-occurrence counted in
  clauses that the model did not see (repeated K-fold over clauses, stratified by plan). One
  implementation (:func:`npmi_pairs`) serves clause-level and sliding-window co-occurrence;
* held-out likelihood for LDA by document completion (:func:`heldout_loglik`): half of each
  held-out clause's tokens estimate its topic proportions, the other half is scored;
* exclusivity (:func:`exclusivity`): how much of each top word's probability mass belongs to
  its topic rather than to other topics;
* stability over random restarts (:func:`restart_stability`): topics of two runs are matched
  with the Hungarian algorithm (:func:`match_topics`), and the mean cosine similarity of the
  matched pairs is averaged over every pair of runs.

Per topic the build reports top words, FREX words (:func:`frex`, as in R's stm), the three
most representative clauses, a reviewed English label (``data/topic_labels.csv``) and its
stability; per clause its topic proportions. Prevalence by plan, administrative level and
province is estimated with plans as the unit (:mod:`analysis.topics.composition`: a plan's
character-weighted prevalence, a group's mean over its plans, intervals by the method of
composition only for groups of enough plans). The topics are compared with
the policy-domain coding of the regional stage (:func:`domain_crosstab`,
:func:`domain_recovery`).

Determinism: every random draw comes from :data:`SEED` through :func:`derive_seed`, model fits
run with BLAS/OpenMP limited to one thread (:func:`single_threaded`) whatever the environment
says, parallel model selection gives each fit its own seed (so results do not depend on the
number of workers), and written floats are rounded to :data:`DECIMALS` places. The same inputs
and the locked library versions therefore give byte-identical tables run to run and process to
process (tested); a different BLAS build could still change a last digit before rounding.

The code lives in one module per concern, and this module re-exports every name so that
``analysis.topics.model`` stays the build entry point (the pipeline calls :func:`build` and
reads :data:`SCHEMAS`) and ``from analysis.topics import model`` keeps working:

* :mod:`analysis.topics.settings`: every setting, :func:`derive_seed`, :func:`single_threaded`;
* :mod:`analysis.topics.corpus`: modelled clauses and their counts (:class:`Corpus`);
* :mod:`analysis.topics.models`: NMF and LDA fits (:class:`TopicModel`, :func:`fit_model`);
* :mod:`analysis.topics.diagnostics`: NPMI, exclusivity, FREX, matching, stability, held-out
  likelihood;
* :mod:`analysis.topics.selection`: cross-validation, :func:`select_models`,
  :func:`choose_model`;
* :mod:`analysis.topics.final`: the reported model (:func:`fit_final`) and its labels;
* :mod:`analysis.topics.composition`: plan-level prevalence by the method of composition;
* :mod:`analysis.topics.domains`: agreement with the policy-domain coding;
* :mod:`analysis.topics.tables`: schemas and builders of the reported model's tables;
* :mod:`analysis.topics.results`: model-selection, restart and finer-model tables (the
  selection refitted only when its inputs change);
* :mod:`analysis.topics.stage`: inputs, :func:`run`, :func:`build`, :func:`load_tables`,
  :data:`SCHEMAS` (every table of the stage);
* :mod:`analysis.topics.report`: text summaries for the notebook;
* :mod:`analysis.topics.benchmark`: the ``topic_fit`` benchmark (registered on import).
"""
from __future__ import annotations

from analysis.topics.benchmark import bench_topic_fit, synthetic_corpus  # noqa: F401
from analysis.topics.corpus import (Corpus, _Analyzer, clause_tokens, modelling_units,  # noqa: F401
                                    prepare_corpus)
from analysis.topics.diagnostics import (Stability, assign_max, cooccurrence_units,  # noqa: F401
                                         cosine_similarity_matrix, exclusivity, frex,
                                         frex_word_indices, heldout_loglik, match_topics,
                                         npmi_coherence, npmi_pairs, restart_stability,
                                         split_for_completion, top_word_indices, top_word_jaccard,
                                         word_exclusivity)
from analysis.topics.domains import (_domain_indicator, _f1_table, domain_crosstab,  # noqa: F401
                                     domain_recovery, policy_domains)
from analysis.topics.final import (FinalModel, attach_labels, fit_final, read_labels,  # noqa: F401
                                   representative_clauses)
from analysis.topics.models import TopicModel, fit_model  # noqa: F401
from analysis.topics.report import (describe_recovery, describe_selection,  # noqa: F401
                                    representative_texts)
from analysis.topics.selection import (Choice, _cv_task, _restart_task, _run_tasks,  # noqa: F401
                                       _words, choose_model, cross_validation_folds, fit_restarts,
                                       select_models)
from analysis.topics.settings import (_LABELS_FILE, CHOSEN_K, CHOSEN_MODEL, CI_LEVEL,  # noqa: F401
                                      DECIMALS, FREX_WEIGHT, HEADING_MAX_CHARS, INSAMPLE_WINDOW,
                                      K_GRID, LABEL_MIN_JACCARD, LDA_MAX_ITER, MAX_DF, MIN_CHARS,
                                      MIN_DF, MIN_DOMAIN_CLAUSES, MIN_STABILITY, MIN_TOKENS,
                                      MODEL_KINDS, N_BOOT, N_CV_REPEATS, N_FOLDS, N_RESTARTS,
                                      NMF_MAX_ITER, NMF_TOL, PARTLY_F1, RECOVERED_F1, SEED, TOP_N,
                                      derive_seed, single_threaded)
from analysis.topics.stage import (SCHEMAS, SKIP_SELECTION_ENV, TopicResults, build,  # noqa: F401
                                   load_corpus, load_inputs, load_tables, run)
from analysis.topics.results import (ALTERNATIVE_KS, RESULT_SCHEMAS,  # noqa: F401
                                     TOPIC_ALTERNATIVES, TOPIC_RESTART_SIMILARITY,
                                     TOPIC_SELECTION, alternatives_table, cached_selection,
                                     restart_similarity_table, selection_fingerprint,
                                     selection_table)
from analysis.topics.tables import (_T, CLAUSE_TOPICS, TOPIC_DOMAIN_RECOVERY,  # noqa: F401
                                    TOPIC_DOMAINS, TOPIC_UNITS, TOPICS, _gloss, _round,
                                    clause_topics_table, topics_table)
