"""Simulated cards for demos, staff training and tests, on the vpcd socket protocol."""
