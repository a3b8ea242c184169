"""Topic models of plan clauses: corpus, models, diagnostics, selection, the reported model.

The notebook-facing API is re-exported here so that ``from analysis import topics`` keeps
working however the subpackage is split internally.
"""
from analysis.topics.model import *  # noqa: F401,F403
from analysis.topics.model import (CHOSEN_K, CHOSEN_MODEL, MIN_STABILITY, SEED, build,  # noqa: F401
                                   choose_model, describe_prevalence, describe_recovery,
                                   describe_selection, fit_final, load_corpus, load_tables,
                                   policy_domains, representative_texts, select_models,
                                   topics_table)
