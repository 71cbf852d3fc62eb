"""Next-page pointers, read the way each provider writes them; never rebuilt by us.

GitHub and Sentry both page with an RFC 8288 ``Link`` header; Sentry marks the last page with
``results="false"`` on its ``rel="next"`` link, which GitHub never sends. Vercel's pointer is in
the body (``pagination.next``) and Linear's in ``pageInfo``; their connectors read those.
"""

from __future__ import annotations

from .client import ApiResponse


def next_link(answer: ApiResponse) -> str | None:
    """The ``rel="next"`` URL, unless the provider says it leads to no results."""
    following = answer.links.get("next", {})
    if following.get("results") == "false":
        return None
    return following.get("url")
