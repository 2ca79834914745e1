"""Advocacy statistics (NPS, confidence intervals, topic impact)."""
