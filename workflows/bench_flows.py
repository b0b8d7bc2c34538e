"""A minimal three-step viewflow approval, used only by ``bench/lifecycle.py`` as
the yardstick for the job-position project's lifecycle (STACK.md, reference
figures). It is not in the site's menu and has no domain meaning: a process is
started, one person takes and approves it, it ends.

It stores nothing but viewflow's own process and task rows (the base ``Process``
model, so it needs no migration) and takes the same row lock as the real flow.
"""

from __future__ import annotations

from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.flow.views import CreateProcessView, UpdateProcessView


class MinimalApprovalFlow(flow.Flow):
    """Minimal approval (benchmark only)"""

    lock_impl = lock.SelectForUpdateLock(nowait=True, attempts=3)

    start = flow.Start(CreateProcessView.as_view(fields=[])).Next(this.approve)
    approve = flow.View(UpdateProcessView.as_view(fields=[])).Next(this.end)
    end = flow.End()
