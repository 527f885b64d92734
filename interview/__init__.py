"""The case model, the interview engine, derived values and the case-file format (UI-free)."""
