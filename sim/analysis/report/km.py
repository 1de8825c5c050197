"""Kaplan-Meier curves of time to target: the report uses the model-wide ones in :mod:`sim.survival`."""

from sim.survival import CONFIDENCE, KMCurve, km_curve

__all__ = ["CONFIDENCE", "KMCurve", "km_curve"]
