"""Completions, awards and everything published for them: documents, keys, status, exports."""
