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
    """Base for every provider error.

    ``retryable``: the same call may work later. ``final``: asking the same provider the same
    thing again cannot help (a refusal, a request the model cannot serve), so a pipeline moves
    to the next provider and never asks this one again. ``ran``: the provider ran the job to
    its end, so there is nothing left there to cancel."""

    retryable = False
    final = False
    ran = False

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        super().__init__(f"{provider}: {message}" if provider else message)
        self.provider = provider


class NotConfigured(ProviderError, LookupError):
    """A provider that needs a key or URL that is not set, or an unknown provider id."""


class CapabilityError(ProviderError, ValueError):
    """A request the model cannot serve and that cannot be conformed without loss."""

    final = True


class Refused(ProviderError):
    """A safety or moderation refusal: the next configured provider may try instead."""

    final = True


class ProviderFailed(ProviderError):
    """The provider accepted the job and reports that it failed."""

    ran = True


class UnsafeResult(ProviderFailed):
    """The result URL a provider named breaks the download rules (``shotline.net``: not https,
    a private address, too large, too slow): the job ran, its result is not fetched."""


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


def error_types() -> dict[str, type[ProviderError]]:
    """Every provider error class by the name a job records (``error_type``)."""
    found: dict[str, type[ProviderError]] = {}
    pending: list[type[ProviderError]] = [ProviderError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


def final_error_types() -> frozenset[str]:
    """The recorded names of the errors whose class says asking again cannot help."""
    return frozenset(name for name, cls in error_types().items() if cls.final)


def is_final(error_type: str | None) -> bool:
    cls = error_types().get(error_type or "")
    return cls is not None and cls.final
