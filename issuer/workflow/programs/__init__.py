"""Issuers, programs and their approval by PTSB, stacks, the public catalog and spec sheets."""
