"""Form definitions: the schema, the bundled standard form as data, and its loader."""
