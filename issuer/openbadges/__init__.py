"""Open Badges 2.0 and 3.0 documents: builders, contexts and identities (dicts in, dicts out)."""
