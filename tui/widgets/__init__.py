"""Widgets the screens and dialogs are built from."""
