"""``secrets_registry.holds_credential``: what a workspace, a source or a trigger field is
refused for holding. Registered values are made up per test: the registry is the process's."""

from __future__ import annotations

from backfill_tui import secrets_registry


def test_a_token_shape_anywhere_in_the_value_is_found() -> None:
    for token in ("ghp_" + "a1" * 18, "github_pat_" + "b2" * 15, "sntryu_" + "c3" * 16):
        assert secrets_registry.holds_credential(token)
        assert secrets_registry.holds_credential(f"ws_{token}")  # glued to a prefix
    assert not secrets_registry.holds_credential("ghp_short")
    assert not secrets_registry.holds_credential("acme/rocket")


def test_a_short_registered_value_counts_only_as_the_whole_value() -> None:
    """A DSN's password is registered (masked in messages); being short, it is no sign that a
    workspace holding it is a secret ("pw-q7Zr-dev" is a name), though the value alone is."""
    short, long = "pw-q7Zr", "vercel0q7Zr9xT2mK4nB8"
    secrets_registry.register(short)
    secrets_registry.register(long)
    assert secrets_registry.holds_credential(short)
    assert not secrets_registry.holds_credential(f"{short}-dev")
    assert secrets_registry.holds_credential(long)
    assert secrets_registry.holds_credential(f"team-{long}")
