"""A first start with no users creates an admin with a random one-time password."""

from __future__ import annotations

from shotline.studio.accounts import Accounts, new_password

FIRST_ADMIN = "admin"


def first_admin(accounts: Accounts) -> tuple[str, str] | None:
    """Create ``admin`` with a new password when there are no users; returns (name, password)
    to show once, or None when users exist."""
    if accounts.count() > 0:
        return None
    password = new_password()
    accounts.add(FIRST_ADMIN, password, admin=True)
    return FIRST_ADMIN, password
