"""The follow-up document: one follow-up rendered to PDF bytes with reportlab."""
