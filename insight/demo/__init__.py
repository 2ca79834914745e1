"""Synthetic demo corpus with planted topics and a planted between-period shift."""
