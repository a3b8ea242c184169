"""analysis: clean, structure and analyse Chinese emergency-management plans.

Stages (one module each): :mod:`analysis.read` (manifest, decoding) → :mod:`analysis.clean`
(ordered cleaning rules with a change log) → structure / extract modules → analysis modules →
:mod:`analysis.plotting`. :mod:`analysis.pipeline` runs the build behind
``python -m analysis build``.
"""
__version__ = "0.1.0"
