"""A list paged by number that shifts while it is read (respx at the HTTP level, through the
engine): GitHub's pulls and issues, sorted by ``updated``, newest first. An item updated between
two pages moves to the front, every later item moves one place down, and the one that moved
from an unread page is never listed to the scan: a fresh tester's finding (a pull request
updated mid-scan was missing from a completed run, one duplicate its only trace)."""

from __future__ import annotations

import email.utils
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import stored_ids

from .harness import (
    NOW,
    REPO,
    days_ago,
    iso,
    make_connector,
    read_stream,
    resume_github,
    run_github,
)

API = "https://api.github.com"
DATE = {"date": email.utils.format_datetime(NOW, usegmt=True)}


def _pull(number: int, updated: str) -> dict[str, Any]:
    return {
        "id": 7000 + number, "number": number, "state": "open", "title": f"PR {number}",
        "body": "", "user": {"login": "octo", "id": 1}, "created_at": iso(days_ago(20)),
        "updated_at": updated, "merged_at": None, "closed_at": None, "draft": False,
        "html_url": f"https://github.com/acme/rocket/pull/{number}",
        "head": {"ref": f"f-{number}", "sha": "a" * 40, "repo": {"full_name": "acme/rocket"}},
        "base": {"ref": "main", "sha": "b" * 40, "repo": {"full_name": "acme/rocket"}},
    }  # fmt: skip


@pytest.mark.parametrize("change", ["moved", "moved as one left", "none"])
@respx.mock
def test_an_item_moved_to_the_front_mid_scan_is_read_again_at_the_end(
    respx_mock: respx.MockRouter, tmp_path: Path, change: str
) -> None:
    """#50 (on page 2) is updated after page 1 is read: it moves to the front and every pull
    before it shifts one place. When #190 (on page 1, read) leaves the list at the same time
    (deleted, transferred), the two shifts cancel and nothing repeats (a fresh tester's
    finding: #50 was missing from a completed run, "249 fetched", no trace). After any scan
    of two pages or more the front is read again for what was updated since it began."""
    # 200 pulls, newest updated first: #200 .. #1, one hour apart, two pages of 100
    pulls = [_pull(n, iso(days_ago((200 - n) / 24 + 0.5))) for n in range(200, 0, -1)]
    world = {"pulls": pulls}

    def listed(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        if page == 1 and change != "none" and "moved" not in world:
            world["moved"] = True  # after page 1 is read, #50 (on page 2) is updated
            moved = {**pulls[150], "updated_at": iso(NOW)}
            world["pulls"] = [moved, *pulls[:150], *pulls[151:]]
            if change == "moved as one left":
                world["pulls"].remove(pulls[10])  # #190, on page 1
            return httpx.Response(200, json=pulls[:100], headers={**DATE, "link": _next()})
        items = world["pulls"][(page - 1) * 100 : page * 100]
        headers = {**DATE, "link": _next()} if page == 1 else DATE
        return httpx.Response(200, json=items, headers=headers)

    respx_mock.get(f"{API}/repos/acme/rocket").respond(200, json=REPO)
    asked = respx_mock.get(url__startswith=f"{API}/repos/acme/rocket/pulls").mock(
        side_effect=listed
    )
    respx_mock.get(url__startswith=f"{API}/repositories/1296269/pulls").mock(side_effect=listed)
    status, (stream,) = run_github(tmp_path / "m.db", frozenset({"pull_request"}))
    assert status == "completed"
    stored = stored_ids(tmp_path / "m.db")
    numbers = {int(s.split("#")[1].split(":")[0]) for s in stored}
    assert numbers == set(range(1, 201)), sorted(set(range(1, 201)) - numbers)
    assert asked.call_count == 2, asked.calls  # the first page asked again, moved or not
    assert stream.new == 200


def _next(page: int = 2) -> str:
    query = f"state=all&sort=updated&direction=desc&per_page=100&page={page}"
    return f'<{API}/repositories/1296269/pulls?{query}>; rel="next"'


@respx.mock
def test_what_changed_while_a_run_was_stopped_is_read_by_its_resume(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """250 pulls; page 2 first answers 401 and the run stops with page 1 stored. While it is
    stopped, #30 (on page 3) is updated and moves to the front: the resumed scan starts at
    page 2 and never lists it (a fresh tester's finding: 249 of 250 after the resume, #30
    missing, one duplicate its only trace). A resumed scan reads the front again at its end
    for what was updated since the run began."""
    pulls = [_pull(n, iso(days_ago((250 - n) / 24 + 0.5))) for n in range(250, 0, -1)]
    world: dict[str, Any] = {"pulls": pulls, "refused": False, "now": NOW}

    def listed(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        date = {"date": email.utils.format_datetime(world["now"], usegmt=True)}
        if page == 2 and not world["refused"]:
            world["refused"] = True
            return httpx.Response(401, json={"message": "Bad credentials"}, headers=date)
        more = page * 100 < len(world["pulls"])
        headers = {**date, "link": _next(page + 1)} if more else date
        return httpx.Response(
            200, json=world["pulls"][(page - 1) * 100 : page * 100], headers=headers
        )

    respx_mock.get(f"{API}/repos/acme/rocket").respond(200, json=REPO)
    respx_mock.get(url__startswith=f"{API}/repos/acme/rocket/pulls").mock(side_effect=listed)
    respx_mock.get(url__startswith=f"{API}/repositories/1296269/pulls").mock(side_effect=listed)
    status, (stream,) = run_github(tmp_path / "m.db", frozenset({"pull_request"}))
    assert status == "failed" and stream.new == 100
    later = NOW + timedelta(minutes=30)
    moved = {**pulls[220], "updated_at": iso(later - timedelta(minutes=10))}  # #30
    world.update(now=later, pulls=[moved, *pulls[:220], *pulls[221:]])
    assert resume_github(tmp_path / "m.db", stream.run_id, later) == "completed"
    numbers = {int(s.split("#")[1].split(":")[0]) for s in stored_ids(tmp_path / "m.db")}
    assert numbers == set(range(1, 251)), sorted(set(range(1, 251)) - numbers)


SENTRY = "https://sentry.io"
SENTRY_ISSUES = f"{SENTRY}/api/0/organizations/acme/issues/"


def _sentry_issue(n: int, last_seen: str) -> dict[str, Any]:
    return {
        "id": str(n), "shortId": f"ROCKET-{n}", "title": f"KeyError: 'k{n}'",
        "status": "unresolved", "lastSeen": last_seen,
        "metadata": {"type": "KeyError", "value": "'k'"},
        "project": {"id": "7", "slug": "rocket", "name": "rocket"},
    }  # fmt: skip


@pytest.mark.parametrize("moves", [True, False], ids=["moved", "still"])
@respx.mock
def test_a_sentry_issue_seen_again_mid_scan_is_not_lost(
    respx_mock: respx.MockRouter, moves: bool
) -> None:
    """Sentry's issues, sort=date (lastSeen), newest first, paged by a cursor anchored on
    lastSeen (provider-apis.md §4.3): an issue on an unread page that gets a new event moves
    ahead of the cursor, and no page lists it again, with no duplicate to show it (a tester's
    finding: "249 fetched, 0 dup", completed, one issue missing). After any scan of two pages
    or more the first page is read again for what was seen since the scan began; what this
    scan already took from it is not taken twice."""
    issues = [_sentry_issue(n, iso(days_ago((200 - n) / 24 + 0.5))) for n in range(200, 0, -1)]
    world: dict[str, Any] = {"issues": issues}

    def listed(request: httpx.Request) -> httpx.Response:
        second = request.url.params.get("cursor") == "p2"
        if not second and moves and "moved" not in world:
            world["moved"] = True  # after page 1 is read, ROCKET-50 (on page 2) is seen again
            world["issues"] = [{**issues[150], "lastSeen": iso(NOW)}, *issues[:150], *issues[151:]]
            shown = issues[:100]
        else:
            listing = world["issues"]
            # the cursor is anchored on the lastSeen of page 1's last issue: what follows it
            shown = [i for i in listing if i["lastSeen"] < issues[99]["lastSeen"]] if second \
                else listing[:100]  # fmt: skip
        more = "false" if second else "true"
        link = f'<{SENTRY_ISSUES}?cursor=p2>; rel="next"; results="{more}"; cursor="p2"'
        return httpx.Response(200, json=shown, headers={**DATE, "link": link})

    respx_mock.get(f"{SENTRY}/api/0/projects/acme/rocket/").respond(
        200, json={"id": "7", "slug": "rocket"}
    )
    asked = respx_mock.get(url__startswith=SENTRY_ISSUES).mock(side_effect=listed)
    pages = read_stream(make_connector("sentry", "acme/rocket", days_ago(30)), "issue")
    taken = [e.sourceId for page in pages for e in page.events]
    numbers = {int(s.split("ROCKET-")[1].split(":")[0]) for s in taken}
    assert numbers == set(range(1, 201)), sorted(set(range(1, 201)) - numbers)
    assert len(taken) == 200  # nothing of the first page taken twice
    assert asked.call_count == 3  # the first page asked again, moved or not
