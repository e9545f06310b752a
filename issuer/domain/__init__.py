"""Pure domain rules of the micro-credential workflow (see README.md)."""
