"""Placeholder: filled in by the appraisal work."""
