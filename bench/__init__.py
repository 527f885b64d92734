"""Benchmarks: each measures a budget of design.md as a ratio to a floor measured in the same run."""
