"""analysis: clean, structure and analyse Chinese emergency-management plans.

Stages (one module each): :mod:`analysis.corpus.read` (manifest, decoding) → :mod:`analysis.clean.rules`
(ordered cleaning rules with a change log) → structure / extract modules → analysis modules →
:mod:`analysis.figures.style`. :mod:`analysis.pipeline.build` runs the build behind
``python -m analysis build``.
"""
__version__ = "0.1.0"
