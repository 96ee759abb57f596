"""Shared scoring module (pure)."""
