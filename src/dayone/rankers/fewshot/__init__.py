"""Few-shot learners for binary like/dislike prediction (seed §4 linear head, §5 fine-tuned
scorer, step-3 description rewrites), behind one entry point, :func:`build_binary_scorer`.

Modules, one idea each: :mod:`describe` (texts), :mod:`encoder` (vectors + cache),
:mod:`population` (what everyone else thought of an item), :mod:`features` (pair features),
:mod:`zeroshot` (fixed, label-free combination), :mod:`linear_head` (θᵀv anchored to the
zero-shot scorer, CV-chosen ridge), :mod:`augment` (description rewrites),
:mod:`finetune` (MiniLM cross-encoder), :mod:`scorer` (assembly), :mod:`driver` (CLI for
bench task folders).
"""

from .scorer import BinaryFewShotScorer, FewShotConfig, build_binary_scorer

__all__ = ["BinaryFewShotScorer", "FewShotConfig", "build_binary_scorer"]
