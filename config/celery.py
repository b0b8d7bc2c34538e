"""Celery application: mail, imports, document generation and deadline sweeps run here.

Production points ``CELERY_BROKER_URL`` at Redis or RabbitMQ; the embedded default runs
tasks eagerly in the web process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("positionflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
