"""What happens after a failure is decided by the error's class, never by its name's spelling."""

from __future__ import annotations

from shotline.jobs.workflow import Failure
from shotline.providers.errors import (
    CapabilityError,
    NotConfigured,
    ProviderFailed,
    RateLimited,
    Refused,
    TransientError,
    final_error_types,
    is_final,
)


class ContentFlagged(Refused):
    """A plugin's own refusal: a subclass is final because its class says so."""


def test_final_failures_come_from_the_classes() -> None:
    assert {"Refused", "CapabilityError", "ContentFlagged"} <= final_error_types()
    assert is_final("ContentFlagged") and is_final("CapabilityError")
    for name in ("ProviderFailed", "TransientError", "RateLimited", "NotConfigured", None, "x"):
        assert not is_final(name)
    assert not (ProviderFailed.final or TransientError.final or NotConfigured.final)


def test_a_failure_knows_whether_the_provider_ran_the_job() -> None:
    assert Failure.of(ProviderFailed("CUDA out of memory", provider="p")).ran
    for exc in (Refused("nsfw"), CapabilityError("x"), TransientError("x"), RateLimited("x")):
        assert not Failure.of(exc).ran
    assert Failure.of(RateLimited("slow down", retry_after=2)).not_delivered
