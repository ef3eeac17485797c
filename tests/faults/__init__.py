"""A fault-injecting HTTP(S) server on 127.0.0.1 for reliability tests (see server.py, sites.py)."""
