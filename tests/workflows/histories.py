"""A process's tasks as the history a person reads: from the start to the end."""

from __future__ import annotations


def task_history(process) -> list[str]:
    """The nodes of ``process``'s tasks from the start to the end, following
    each task's one link to the one before it; every task is on that path, and
    each was written after the one before it (the tasks a step passes are
    written together, in the order they were created)."""
    tasks = {task.pk: task for task in process.task_set.all()}
    links = {
        task.pk: list(task.previous.values_list("pk", flat=True))
        for task in tasks.values()
    }
    end = next(task for task in tasks.values() if task.flow_task.name == "end")
    path, current = [], end.pk
    while links[current]:
        assert len(links[current]) == 1
        path.append(current)
        current = links[current][0]
    path.append(current)
    path.reverse()
    assert tasks[path[0]].flow_task.name == "start"
    assert len(path) == len(tasks)
    assert path == sorted(path)
    assert [tasks[pk].created for pk in path] == sorted(
        tasks[pk].created for pk in path
    )
    assert all(tasks[pk].finished is not None for pk in path)
    return [tasks[pk].flow_task.name for pk in path]
