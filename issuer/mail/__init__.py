"""Email to people: composing messages from templates and turning them into MIME (no I/O here)."""
