"""Zhiliang (质量)."""
