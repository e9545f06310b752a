"""Keys, JWS and Data Integrity proofs: crypto goes through libraries, failures become our errors."""
