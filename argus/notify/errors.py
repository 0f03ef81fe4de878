"""The notify package's exception tree::

    NotifyError
    └── SendError        one POST to one Alertmanager failed (status, network, timeout)

Send errors never reach the rule manager: the sender counts them, keeps the alerts
queued and retries with backoff behind a circuit breaker.
"""

from __future__ import annotations

__all__ = ["NotifyError", "SendError"]


class NotifyError(Exception):
    """Base of every error raised by ``argus.notify``."""


class SendError(NotifyError):
    """A batch did not reach one Alertmanager; ``retryable`` is False for 4xx answers."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        self.retryable = retryable
        super().__init__(message)
