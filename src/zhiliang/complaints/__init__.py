"""Complaints and reports, risk monitoring and early warning, and recalls (SPEC: complaints, risk, recalls)."""
