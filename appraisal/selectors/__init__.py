"""Reads of the appraisal app, one module per concern."""
