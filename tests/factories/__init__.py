"""Builders of complete test data from core functions only (no app, no database)."""
