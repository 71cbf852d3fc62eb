"""Fields shown in clear (a workspace, a source, the Clerk org) cleared of a credential put in
them: refused with "(not shown)", the token or the DSN's password stayed on screen beside the
notice, in view of whoever watched a demo or a shared screen (a fresh tester's finding).

A screen keeps one :class:`SecretGuard` for its clear fields and calls :meth:`SecretGuard.clear`
where a field's value is done with: pasted (a change of more than one character at once, see
:meth:`SecretGuard.changed`), entered, left, or refused by a "Not ready". Not key by key: a token
typed (or sent by tmux) a key at a time was cleared at its sixteenth character, and the rest of
it landed in the emptied field. Typed so, it is masked instead: from its documented prefix
(``ghp_``, ``lin_api_``, …: ``secrets_registry.TOKEN_STARTS``) the field shows dots while it has
the focus, then is cleared as it is left (it showed the whole token until then: a session's
note).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.widgets import Input

from ..secrets_registry import TOKEN_STARTS, holds_credential, userinfo

__all__ = ["ClearField", "SecretGuard", "secret_in"]

URL_WITH_PASSWORD = "a connection string with its password"


def secret_in(text: str) -> str | None:
    """What credential ``text`` holds, in a notice's words: a token (a registered value or a
    token's shape, ``secrets_registry.holds_credential``), or a URL with a password in it (a
    DSN typed in the wrong field); None for none."""
    if holds_credential(text):
        return "what looks like a token"
    if ":" in (userinfo(text.strip()) or ""):
        return URL_WITH_PASSWORD
    return None


@dataclass(frozen=True)
class ClearField:
    """A field cleared of what it held: its notice says so."""

    name: str  # as a notice names it: "the workspace"
    advice: str  # what goes there instead
    url_advice: str = ""  # that, for a connection string (else ``advice``)


class SecretGuard:
    """The clear fields of one screen, by id, and the text each held before its last change."""

    def __init__(self, fields: dict[str, ClearField]) -> None:
        self._fields = fields
        self._seen: dict[str, str] = {}

    def changed(self, event: Input.Changed) -> bool:
        """Note a change of a clear field (:meth:`mask` it); returns whether ``event`` put more
        than one character in at once (a paste, a value set), when the field is to be
        :meth:`clear`-ed at once."""
        key = event.input.id or ""
        before, self._seen[key] = self._seen.get(key, ""), event.value
        self.mask(event.input)
        return len(event.value) - len(before) > 1

    @staticmethod
    def mask(field: Input) -> None:
        """Show ``field`` as dots while it has the focus and holds a token's prefix
        (``secrets_registry.TOKEN_STARTS``); in clear otherwise. A name that only looks like
        one (``ghs_tools``) is shown again once the field is left."""
        masked = field.has_focus and TOKEN_STARTS.search(field.value) is not None
        if field.password != masked:
            field.password = masked

    def clear(self, field: Input) -> str | None:
        """Empty ``field`` when it holds a credential and say so in one line (the credential not
        in it); None, and the field as it was, otherwise."""
        what = secret_in(field.value)
        if what is None:
            self.mask(field)  # left: a name shaped like a token's prefix is shown again
            return None
        about = self._fields[field.id or ""]
        field.value = ""
        self._seen[field.id or ""] = ""
        self.mask(field)
        advice = (
            about.url_advice if what == URL_WITH_PASSWORD and about.url_advice else about.advice
        )
        return f"{about.name} held {what} (not shown); the field was cleared: {advice}"
