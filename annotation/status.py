"""`factory annotate status`: how far the labelling of a recipe's Argilla dataset is, per annotator."""

from __future__ import annotations

from factory.errors import ConfigError


def status(client, dataset_name: str) -> dict:
    """{"total", "completed", "pending", "users": {name: {"submitted", "discarded", "draft"}}}."""
    from annotation.client import WORKSPACE

    dataset = client.datasets(name=dataset_name, workspace=WORKSPACE)
    if dataset is None:
        raise ConfigError(
            f"no Argilla dataset {dataset_name!r} in workspace {WORKSPACE!r}; push one first"
        )
    progress = dataset.progress(with_users_distribution=True)
    users = {}
    for name, split in (progress.get("users") or {}).items():
        users[name] = {
            status: sum((split.get(part) or {}).get(status, 0) for part in ("completed", "pending"))
            for status in ("submitted", "discarded", "draft")
        }
    return {
        "total": progress.get("total", 0),
        "completed": progress.get("completed", 0),
        "pending": progress.get("pending", 0),
        "users": users,
    }
