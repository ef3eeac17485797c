"""Run health: a site's run compared with its earlier runs and with coverage thresholds (pure)."""
