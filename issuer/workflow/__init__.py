"""Use cases, one module per area. Each takes a ``Context`` and does its work in that transaction."""
