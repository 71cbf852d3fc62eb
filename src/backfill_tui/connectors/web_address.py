"""A web address given where a source belongs, and the source it names when that is plain.

``backfill-tui run https://github.com/acme/rocket`` said "unknown provider 'https'" with no
hint (a tester's finding): the text up to the first colon was read as a provider's name.
:func:`web_address_line` says instead that sources are written ``PROVIDER:TARGET`` and, where
the address names one source only, which: a repository's page or clone address
(``github:acme/rocket``), a Vercel project's dashboard page, a Sentry project's page, a Linear
team's or issue's page (its team key). Anything else (an organisation's page, another site) is
given no guess.
"""

from __future__ import annotations

import re

__all__ = ["looks_like_web_address", "web_address_line"]

_SCHEME = re.compile(r"(?i)^(?:https?:(?://)?|//)")
_SSH = re.compile(r"(?i)^(?:ssh://)?git@github\.com[:/]")
#: The sites whose addresses are recognised without a scheme (``github.com/acme/rocket``).
_HOSTS = re.compile(
    r"(?i)^(?:www\.)?(?:github\.com|vercel\.com|linear\.app|(?:[\w-]+\.)?sentry\.io)/"
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_TEAM_KEY = re.compile(r"[A-Za-z][A-Za-z0-9]{0,9}")
#: Vercel's own pages, whose address is no team's (``vercel.com/docs/...``).
_VERCEL_PAGES = frozenset(
    {"account", "blog", "changelog", "dashboard", "docs", "guides", "integrations", "login",
     "marketplace", "new", "pricing", "signup", "templates"}
)  # fmt: skip


def looks_like_web_address(text: str) -> bool:
    """Whether ``text`` is a web or clone address rather than ``PROVIDER:TARGET``."""
    value = text.strip()
    return bool(_SCHEME.match(value) or _SSH.match(value) or _HOSTS.match(value))


def web_address_line(text: str) -> str:
    """The one line for a web address given as a source (``text`` repeated short): what it is,
    how a source is written, and the source it names when that is plain."""
    from ..textsafe import excerpt

    guess = _source_of(text.strip())
    mend = f"use {guess}" if guess else "for example github:acme/rocket or sentry:acme/web"
    return (
        f"'{excerpt(text.strip())}' is a web address, not a source: sources are written "
        f"PROVIDER:TARGET; {mend}"
    )


def _source_of(value: str) -> str | None:
    """The source a web or clone address names, when it names exactly one; else None."""
    ssh = _SSH.match(value)
    if ssh:
        return _github(value[ssh.end() :].split("/"))
    rest = _SCHEME.sub("", value, count=1)
    host, _, path = rest.partition("/")
    host = host.lower().rsplit("@", 1)[-1].split(":", 1)[0].removeprefix("www.")
    path_only = [p for p in path.split("?", 1)[0].split("#", 1)[0].split("/") if p]
    if host == "github.com":
        return _github(path_only)
    if host == "vercel.com" and len(path_only) >= 2 and path_only[0] not in _VERCEL_PAGES:
        if _NAME.fullmatch(path_only[0]) and _NAME.fullmatch(path_only[1]):
            return f"vercel:{path_only[0]}/{path_only[1]}"
        return None
    if host == "linear.app" and len(path_only) >= 3:
        kind, name = path_only[1].lower(), path_only[2]
        key = name if kind == "team" else name.partition("-")[0] if kind == "issue" else ""
        return f"linear:{key.upper()}" if _TEAM_KEY.fullmatch(key) else None
    if host.endswith("sentry.io"):
        org = host.removesuffix("sentry.io").rstrip(".")
        if not org and path_only[:1] == ["organizations"]:
            org, path_only = (path_only[1] if len(path_only) > 1 else ""), path_only[2:]
        named = len(path_only) >= 2 and path_only[0] == "projects"
        if named and _NAME.fullmatch(org) and _NAME.fullmatch(path_only[1]):
            return f"sentry:{org}/{path_only[1]}"
    return None


def _github(parts: list[str]) -> str | None:
    """``github:OWNER/REPO`` for a repository's address (a clone address's ``.git`` dropped)."""
    if len(parts) < 2:
        return None
    owner, repo = parts[0], parts[1].removesuffix(".git")
    if _NAME.fullmatch(owner) and _NAME.fullmatch(repo):
        return f"github:{owner}/{repo}"
    return None
