"""The notifications through a real Celery worker on the machine's Redis
(``tests.worker``): the step's commit sends the job to the broker, the worker
records the notification and mails it, once."""

from __future__ import annotations

import pytest

from appraisal.models import Notification
from tests.workflows.conftest import FlowDriver


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_tells_and_mails_the_people_of_a_new_task(
    celery_worker, client, people, ref, units, positions
):
    for user in people.values():
        user.email = f"{user.username}@example.gov.vn"
        user.save(update_fields=["email"])
    driver = FlowDriver(client, people, ref, units)
    process = driver.to_reception()

    def mailed(username: str) -> bool:
        return Notification.objects.filter(
            event=Notification.Event.TASK,
            recipient__username=username,
            dossier_id=process.project.pk,
            mailed_at__isnull=False,
        ).exists()

    celery_worker.wait_until(
        lambda: mailed("reception") and mailed("reception2"),
        what="tell and mail both reception officers",
    )
    # One notification per person and event, whatever the worker retried.
    assert (
        Notification.objects.filter(
            event=Notification.Event.TASK, recipient__username="reception"
        ).count()
        == 1
    )
    assert "notification_mail" in celery_worker.output()
