"""The shared PostgreSQL backend: schema migrations, roles, row-level security and the audit table."""
