"""openfold-argo's evaluate step: accuracy of predicted structures against reference structures."""

from .evaluate import evaluate

__all__ = ["evaluate"]
