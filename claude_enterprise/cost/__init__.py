"""Cost: prices as data, the per-session usage ledger read from Claude Code's transcripts, chargeback and budgets.

Standard library only at import time (the ledger runs at the end of every wrapper session).
"""
