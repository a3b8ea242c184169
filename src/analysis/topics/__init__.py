"""Topic models of plan clauses: corpus, models, diagnostics, selection, the reported model.

The notebook-facing API is re-exported here so that ``from analysis import topics`` keeps
working however the subpackage is split internally: every public name of the modules below
(the same names :mod:`analysis.topics.model` re-exports, without the private ones).
"""
from analysis.topics.benchmark import bench_topic_fit, synthetic_corpus  # noqa: F401
from analysis.topics.corpus import (Corpus, clause_tokens, modelling_units,  # noqa: F401
                                    prepare_corpus)
from analysis.topics.diagnostics import (Stability, assign_max, cooccurrence_units,  # noqa: F401
                                         cosine_similarity_matrix, exclusivity, frex,
                                         frex_word_indices, heldout_loglik, match_topics,
                                         npmi_coherence, npmi_pairs, restart_stability,
                                         split_for_completion, top_word_indices, top_word_jaccard,
                                         word_exclusivity)
from analysis.topics.domains import domain_crosstab, domain_recovery, policy_domains  # noqa: F401
from analysis.topics.final import (FinalModel, attach_labels, fit_final, read_labels,  # noqa: F401
                                   representative_clauses)
from analysis.topics.models import TopicModel, fit_model  # noqa: F401
from analysis.topics.report import (describe_recovery, describe_selection,  # noqa: F401
                                    representative_texts)
from analysis.topics.selection import (Choice, choose_model, cross_validation_folds,  # noqa: F401
                                       fit_restarts, select_models)
from analysis.topics.settings import (CHOSEN_K, CHOSEN_MODEL, CI_LEVEL, DECIMALS,  # noqa: F401
                                      FREX_WEIGHT, HEADING_MAX_CHARS, INSAMPLE_WINDOW, K_GRID,
                                      LABEL_MIN_JACCARD, LDA_MAX_ITER, MAX_DF, MIN_CHARS, MIN_DF,
                                      MIN_DOMAIN_CLAUSES, MIN_STABILITY, MIN_TOKENS, MODEL_KINDS,
                                      N_BOOT, N_CV_REPEATS, N_FOLDS, N_RESTARTS, NMF_MAX_ITER,
                                      NMF_TOL, PARTLY_F1, RECOVERED_F1, SEED, TOP_N, derive_seed,
                                      single_threaded)
from analysis.topics.stage import (SCHEMAS, SKIP_SELECTION_ENV, TopicResults, build,  # noqa: F401
                                   load_corpus, load_inputs, load_tables, run)
from analysis.topics.results import (ALTERNATIVE_KS, RESULT_SCHEMAS,  # noqa: F401
                                     TOPIC_ALTERNATIVES, TOPIC_RESTART_SIMILARITY,
                                     TOPIC_SELECTION, alternatives_table, cached_selection,
                                     restart_similarity_table, selection_fingerprint,
                                     selection_table)
from analysis.topics.tables import (CLAUSE_TOPICS, TOPIC_DOMAIN_RECOVERY,  # noqa: F401
                                    TOPIC_DOMAINS, TOPIC_UNITS, TOPICS, clause_topics_table,
                                    topics_table)
from analysis.topics import model  # noqa: F401  (the build entry point)
