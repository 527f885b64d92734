"""The training workspace for the front ends: the rules live in casework/training.py."""

from __future__ import annotations

from casework.training import BANNER, TrainingRefused, build, ensure, is_training, reset

__all__ = ["BANNER", "TrainingRefused", "build", "ensure", "is_training", "reset"]
