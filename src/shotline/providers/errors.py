"""One exception hierarchy for every provider; the class decides whether a retry can help.

Never retried: ``NotConfigured`` (no key, no URL), ``CapabilityError`` (the model cannot do what
was asked), ``Refused`` (moderation: switch provider instead), ``ProviderFailed`` (the provider ran
the job and it failed). Retried: ``RateLimited`` (after its ``retry_after``) and ``TransientError``
(5xx, timeouts, dropped connections, malformed bodies).

A call that creates (and may bill) something is retried only when it certainly started nothing:
``RateLimited`` (the provider refused it) and ``NotDelivered`` (it never reached the provider). A
plain ``TransientError`` after a create may hide a job that did start.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base for every provider error."""

    retryable = False

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        super().__init__(f"{provider}: {message}" if provider else message)
        self.provider = provider


class NotConfigured(ProviderError, LookupError):
    """A provider that needs a key or URL that is not set, or an unknown provider id."""


class CapabilityError(ProviderError, ValueError):
    """A request the model cannot serve and that cannot be conformed without loss."""


class Refused(ProviderError):
    """A safety or moderation refusal: the next configured provider may try instead."""


class ProviderFailed(ProviderError):
    """The provider accepted the job and reports that it failed."""


class TransientError(ProviderError, ConnectionError):
    """5xx, timeout, dropped connection, unreadable body: the same call may work later."""

    retryable = True


class NotDelivered(TransientError):
    """The request was never delivered (connection refused, DNS failure, connect or TLS timeout,
    no free connection in the pool): nothing started, so even a paid create may be sent again."""


class RateLimited(TransientError):
    """429: try again after ``retry_after`` seconds."""

    def __init__(
        self, message: str, *, provider: str | None = None, retry_after: float = 1.0
    ) -> None:
        super().__init__(message, provider=provider)
        self.retry_after = retry_after


class Canceled(ProviderError):
    """The job was canceled, by us or at the provider."""
