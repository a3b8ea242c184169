"""Simulation with known truth for the reuse share (issue 13 harness, quantity ``reuse share``).

Corpora of N = 5, 50 and 500 plans are built with a known copying history, and the same
functions the build uses (:func:`analysis.text.reuse.find_reuse`, :func:`reuse_shares`,
:func:`reuse_attribution`) measure them.

* *Parents* (a fifth of the plans, level ``province``): clauses are real clause texts of
  ``clauses.csv`` (the seed plans except Yichun's, which copies Jiangxi's), drawn without
  replacement; when the real clauses run out (N = 500) new clauses are made of words of the
  real clauses drawn in proportion to their frequency, as in
  :func:`analysis.text.reuse_bench.synthetic_corpus`.
* *Children* (three fifths, level ``city``, issued later, each under one parent): each clause
  is, with the child's copy rate (uniform 0.1–0.7), an edited copy of a parent clause, else
  new text. Edits at known rates (:data:`EDITS`; ``light``: each sentence fragment dropped
  10%, one fragment moved to another place in the clause 30% (reordering), each character
  substituted 3%, a new phrase inserted 30%; ``heavy`` doubles or triples them); the child's
  clauses are then shuffled (reordering across clauses).
* *Unrelated* plans (a fifth, level ``city``, another province): new text only.

Truth: a child character is *copied* when it comes from the parent and was not substituted.
The true share of a (child, parent) pair is copied characters / all the child's characters,
the estimand of :mod:`analysis.text.reuse`. Reported: bias and RMSE of the measured share of
child–parent pairs; mean and largest measured share of pairs with nothing copied (a plan
and an unrelated plan, or a child and another parent); for sibling pairs (two children of
one parent, who copy nothing from each other but share the parent's text) the measured
share before and after common-source attribution. The previous method (difflib identical
runs of >= 10 characters, on the same candidate pairs) is measured alongside for comparison,
and at N = 5 local alignment of every clause pair (no LSH) shows what the candidate search
loses. At N = 500 every pair of interest is measured (nothing is subsampled); the real
clauses run out there, so unrelated plans are made of recombined words.
No interval is reported: the share is a measurement, so ``nominal`` and ``coverage`` are
empty.
"""
from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from analysis.core.schema import SIMULATION_COLUMNS
from analysis.text import reuse

SIZES = (5, 50, 500)
#: Replications per size (N = 500: one corpus, every pair measured; ~1 min of CPU).
REPLICATIONS = {5: 12, 50: 3, 500: 1}
CLAUSES_PER_PLAN = 16
COPY_RATE = (0.1, 0.7)
#: Edit rates of a copied clause: each fragment dropped, one fragment moved, each character
#: substituted, a new phrase inserted. ``heavy`` is run at N = 50 only, to show where the
#: measurement degrades.
EDITS = {"light": {"drop": 0.10, "move": 0.30, "substitute": 0.03, "insert": 0.30},
         "heavy": {"drop": 0.20, "move": 0.60, "substitute": 0.10, "insert": 0.60}}
HEAVY_SIZES = (50,)
#: Sizes at which every clause pair is also aligned (no LSH), to measure what LSH loses.
EVERY_PAIR_SIZES = (5,)
COLUMNS = list(SIMULATION_COLUMNS)
_FRAGMENT = re.compile(r"[^，。；：、]+[，。；：、]?")


class TextSource:
    """Real clauses (without replacement) and new text made of the real clauses' words."""

    def __init__(self, clauses: list[str], rng: np.random.Generator):
        from analysis.text.tokenise import tokenizer

        self.rng = rng
        self.real = list(rng.permutation(np.array(clauses, dtype=object)))
        words = [w for text in clauses for w in tokenizer().lcut(text, HMM=False)
                 if re.fullmatch(r"[\u4e00-\u9fff0-9A-Za-z]+", w)]
        self.vocabulary, counts = np.unique(np.array(words, dtype=object), return_counts=True)
        self.p = counts / counts.sum()
        chars, char_counts = np.unique(list("".join(clauses)), return_counts=True)
        self.chars, self.char_p = chars, char_counts / char_counts.sum()
        self.lengths = np.array([len(t) for t in clauses])

    def phrase(self) -> str:
        words = self.rng.choice(self.vocabulary, size=int(self.rng.integers(4, 9)), p=self.p)
        return "".join(words) + "，"

    def fresh(self) -> str:
        target, pieces = int(self.rng.choice(self.lengths)), []
        while sum(map(len, pieces)) < target:
            pieces.append(self.phrase())
        return "".join(pieces)[:-1] + "。"

    def real_or_fresh(self) -> str:
        return self.real.pop() if self.real else self.fresh()


def edited_copy(text: str, source: TextSource, edits: dict[str, float] | None = None
                ) -> tuple[str, np.ndarray]:
    """An edited copy of ``text`` and the mask of its characters copied unchanged."""
    rng, edits = source.rng, edits or EDITS["light"]
    pieces = [[(ch, True) for ch in f] for f in _FRAGMENT.findall(text)
              if rng.random() >= edits["drop"]] or [[(ch, True) for ch in text]]
    if len(pieces) > 2 and rng.random() < edits["move"]:
        moved = pieces.pop(int(rng.integers(0, len(pieces))))
        pieces.insert(int(rng.integers(0, len(pieces) + 1)), moved)
    if rng.random() < edits["insert"]:
        pieces.insert(int(rng.integers(0, len(pieces) + 1)),
                      [(ch, False) for ch in source.phrase()])
    chars = [c for piece in pieces for c in piece]
    hit = rng.random(len(chars)) < edits["substitute"]
    new = rng.choice(source.chars, size=len(chars), p=source.char_p)
    chars = [(str(new[k]), False) if hit[k] and new[k] != ch else (ch, keep)
             for k, (ch, keep) in enumerate(chars)]
    return "".join(c for c, _ in chars), np.array([k for _, k in chars], dtype=bool)


def simulated_corpus(n_plans: int, clauses: list[str], seed: int = 0,
                     edits: dict[str, float] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, tuple[str, float]]]:
    """A corpus with a known copying history (see the module docstring).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame, dict)
        Clauses (``doc_id``, ``clause_id``, ``content``), documents (``doc_id``,
        ``admin_level``, ``jurisdiction_zh``, ``province_zh``, ``parent_zh``,
        ``issue_date``), and for every child its (parent, true copied share).
    """
    rng = np.random.default_rng([seed, n_plans])
    source = TextSource(clauses, rng)
    n_parents = max(1, round(0.2 * n_plans))
    n_unrelated = max(1, round(0.2 * n_plans))
    rows, docs, truth = [], [], {}
    parents = []
    for k in range(n_parents):
        doc = f"parent{k:03d}"
        texts = [source.real_or_fresh() for _ in range(CLAUSES_PER_PLAN)]
        parents.append(texts)
        docs.append((doc, "province", f"P{k}", f"P{k}", "China", "2022-01-01"))
        rows += [(doc, f"{doc}/{c}", t) for c, t in enumerate(texts)]
    for k in range(n_plans - n_parents - n_unrelated):
        doc, parent = f"child{k:03d}", int(rng.integers(0, n_parents))
        rate = rng.uniform(*COPY_RATE)
        texts, copied = [], 0
        for src in rng.permutation(CLAUSES_PER_PLAN):
            if rng.random() < rate:
                text, mask = edited_copy(parents[parent][src], source, edits)
                copied += int(mask.sum())
            else:
                text = source.fresh()
            texts.append(text)
        truth[doc] = (f"parent{parent:03d}", copied / sum(map(len, texts)))
        day = pd.Timestamp("2023-01-01") + pd.Timedelta(days=k % 365)
        docs.append((doc, "city", f"C{k}", f"P{parent}", f"P{parent}", day.strftime("%Y-%m-%d")))
        rows += [(doc, f"{doc}/{c}", t) for c, t in enumerate(texts)]
    for k in range(n_unrelated):
        doc = f"other{k:03d}"
        texts = [source.real_or_fresh() for _ in range(CLAUSES_PER_PLAN)]
        docs.append((doc, "city", f"U{k}", f"U{k}", f"U{k}", "2023-06-30"))
        rows += [(doc, f"{doc}/{c}", t) for c, t in enumerate(texts)]
    clauses_df = pd.DataFrame(rows, columns=["doc_id", "clause_id", "content"])
    documents = pd.DataFrame(docs, columns=["doc_id", "admin_level", "jurisdiction_zh",
                                            "province_zh", "parent_zh", "issue_date"])
    return clauses_df, documents, truth


def difflib_reuse(corpus: pd.DataFrame, min_block: int = reuse.MIN_BLOCK,
                  min_matched: int = reuse.MIN_MATCHED) -> pd.DataFrame:
    """The previous method, for comparison: identical runs of >= ``min_block`` characters
    in order (:class:`difflib.SequenceMatcher`), on the same LSH candidate pairs."""
    texts = corpus["content"].tolist()
    docs, ids = corpus["doc_id"].to_numpy(), corpus["clause_id"].to_numpy()
    windows = reuse.minhash_signatures(texts)
    rows = []
    for i, j in reuse.lsh_candidates(windows, pd.factorize(docs)[0]):
        blocks = [m for m in difflib.SequenceMatcher(None, texts[i], texts[j], autojunk=False)
                  .get_matching_blocks() if m.size >= min_block]
        if sum(m.size for m in blocks) < min_matched:
            continue
        rows.append((docs[i], ids[i], docs[j], tuple((m.a, m.a + m.size) for m in blocks)))
        rows.append((docs[j], ids[j], docs[i], tuple((m.b, m.b + m.size) for m in blocks)))
    return pd.DataFrame(rows, columns=["doc_a", "clause_a", "doc_b", "spans_a"])


def _pair_shares(corpus: pd.DataFrame, found: pd.DataFrame) -> dict[tuple[str, str], float]:
    shares = reuse.reuse_shares(corpus, found)
    return dict(zip(zip(shares["doc_a"], shares["doc_b"]), shares["share"]))


def measure(corpus: pd.DataFrame, documents: pd.DataFrame,
            truth: dict[str, tuple[str, float]], every_pair: bool = False) -> pd.DataFrame:
    """Measured against true shares for one corpus: one row per (estimator, pair kind, pair)
    with ``true`` and ``measured`` shares. ``every_pair`` adds local alignment of every
    clause pair of different plans (no LSH; small corpora only)."""
    found = reuse.find_reuse(corpus)
    methods = {"local alignment": (_pair_shares(corpus, found), found),
               "difflib runs >= 10 (previous)": (_pair_shares(corpus, difflib_reuse(corpus)),
                                                 None)}
    if every_pair:
        group = pd.factorize(corpus["doc_id"])[0]
        i, j = np.triu_indices(len(corpus), k=1)
        keep = group[i] != group[j]
        every = reuse.find_reuse(corpus, candidates=np.column_stack([i[keep], j[keep]]))
        methods["local alignment, every clause pair (no LSH)"] = (_pair_shares(corpus, every),
                                                                  None)
    docs = sorted(corpus["doc_id"].unique())
    parents = [d for d in docs if d.startswith("parent")]
    others = [d for d in docs if d.startswith("other")]
    rows = []
    for name, (shares, table) in methods.items():
        for child, (parent, true) in truth.items():
            rows.append((name, "child-parent", child, parent, true,
                         shares.get((child, parent), 0.0)))
            for other in [p for p in parents if p != parent][:3] + others[:3]:
                rows.append((name, "unrelated", child, other, 0.0, shares.get((child, other), 0.0)))
        for other in others:
            for p in parents[:3]:
                rows.append((name, "unrelated", other, p, 0.0, shares.get((other, p), 0.0)))
        if table is None:
            continue
        attribution = reuse.reuse_attribution(corpus, table, documents)
        siblings = attribution[attribution["doc_later"].str.startswith("child")
                               & attribution["doc_earlier"].str.startswith("child")]
        by_pair = siblings.set_index(["doc_later", "doc_earlier"])
        children = sorted(truth)
        for x in range(len(children)):
            for y in range(x + 1, len(children)):
                a, b = children[x], children[y]
                if truth[a][0] != truth[b][0]:
                    continue
                key = (b, a) if (b, a) in by_pair.index else (a, b)
                raw = by_pair["share"].get(key, 0.0)
                direct = by_pair["share_direct"].get(key, 0.0)
                rows.append((name, "siblings raw", key[0], key[1], 0.0, raw))
                rows.append((name, "siblings direct", key[0], key[1], 0.0, direct))
    return pd.DataFrame(rows, columns=["estimator", "kind", "doc_a", "doc_b", "true",
                                       "measured"])


def real_clauses(min_chars: int = 30) -> list[str]:
    """Content texts (whitespace removed) of the built corpus's clauses, without Yichun's
    plan (which copies Jiangxi's, so its clauses are not independent text)."""
    from analysis.core.paths import processed_dir
    from analysis.text.regional import load_inputs

    prepared = load_inputs(processed_dir())[2]
    prepared = prepared[prepared["doc_id"] != "yichun-2023"]
    texts = ["".join(t.split()) for t in prepared["content"]]
    return [t for t in texts if len(t) >= min_chars]


def simulation_table(seed: int = 0, sizes: tuple[int, ...] = SIZES,
                     replications: dict[int, int] | None = None,
                     clauses: list[str] | None = None) -> pd.DataFrame:
    """Bias and RMSE of the measured reuse share, and shares measured where nothing was
    copied, by corpus size, in the shared layout of the issue 13 simulation tables.

    Parameters
    ----------
    seed : int
        Base seed (each corpus is seeded with ``[seed + replication, n_plans]``).
    sizes : tuple of int
        Numbers of plans.
    replications : dict, optional
        Corpora per size (default :data:`REPLICATIONS`).
    clauses : list of str, optional
        Real clause texts (default :func:`real_clauses`, which needs a build).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; one row per (size, estimator, figure).
    """
    replications = replications or REPLICATIONS
    clauses = clauses if clauses is not None else real_clauses()
    out = []
    runs_by = [(n, "light") for n in sizes] + [(n, "heavy") for n in sizes if n in HEAVY_SIZES]
    for n, regime in runs_by:
        reps = replications.get(n, 1)
        runs = pd.concat([measure(*simulated_corpus(n, clauses, seed + r, EDITS[regime]),
                                  every_pair=n in EVERY_PAIR_SIZES and regime == "light")
                          for r in range(reps)], ignore_index=True)
        quantity = "reuse share" if regime == "light" else "reuse share (heavy edits)"
        rates = ", ".join(f"{k} {v:g}" for k, v in EDITS[regime].items())
        for name, part in runs.groupby("estimator", sort=False):
            base = {"quantity": quantity, "estimator": name, "n_plans": n,
                    "replications": reps, "nominal": np.nan, "coverage": np.nan,
                    "coverage_mc_se": np.nan}
            pairs = part[part["kind"] == "child-parent"]
            error = pairs["measured"] - pairs["true"]
            out.append({**base, "bias": error.mean(), "rmse": float(np.sqrt((error ** 2).mean())),
                        "metric": "mean true share (child-parent pairs)",
                        "value": pairs["true"].mean(),
                        "note": f"{len(pairs)} child-parent pairs; edits: {rates}; no "
                                "interval (the share is a measurement)"})
            unrelated = part[part["kind"] == "unrelated"]
            for metric, value in (("mean share, pairs with nothing copied",
                                   unrelated["measured"].mean()),
                                  ("largest share, pairs with nothing copied",
                                   unrelated["measured"].max())):
                out.append({**base, "bias": np.nan, "rmse": np.nan, "metric": metric,
                            "value": value, "note": f"{len(unrelated)} pairs, true share 0"})
            for kind, label in (("siblings raw", "share (no attribution)"),
                                ("siblings direct", "share_direct (common source removed)")):
                sib = part[part["kind"] == kind]
                if not len(sib):
                    continue
                out.append({**base, "quantity": f"{quantity} between siblings",
                            "estimator": f"{name}: {label}", "bias": sib["measured"].mean(),
                            "rmse": float(np.sqrt((sib["measured"] ** 2).mean())),
                            "metric": "pairs", "value": float(len(sib)),
                            "note": "two children of one parent; true direct share 0"})
    return pd.DataFrame(out, columns=COLUMNS)
