"""Tamper-evident ledger: an RFC 9162 Merkle transparency log of every domain event (SPEC: ledger)."""
