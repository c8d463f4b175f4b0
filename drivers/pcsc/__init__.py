"""PC/SC readers through pyscard's low-level `smartcard.scard` API.

Low-level on purpose: it lets one thread own every PC/SC call (including presence
monitoring, which pyscard's CardMonitor would do on a thread of its own) and lets us see
SCARD_E_NO_SERVICE, which the monitor swallows (cards.md).
"""
