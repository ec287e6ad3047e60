"""The window: Qt widgets, Qt models (thin adapters over the store) and workers."""
