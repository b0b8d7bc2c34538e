"""Writes of the appraisal app, one module per concern."""

from .projects import *  # noqa: F403
