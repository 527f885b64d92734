"""The workspace on disk: crash-safe per-case files behind a repository interface."""
