"""Front ends: the command line (composition root), the Textual app and the quick mode."""
