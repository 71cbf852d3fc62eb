"""A Vercel TEAM that starts as a team id without being one: ``vercel:team_/web`` was taken
and sent ``teamId=team_`` (a fresh tester's finding), in ``run`` and in the app's Connect form
alike. A team id is ``team_`` and then letters and digits (provider-apis.md §2.1, interfaces.md
§1); such a TEAM is refused in one line (exit 2) before any request or file, and every form
Vercel takes is still sent as before: an id as ``teamId``, a slug as ``slug``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import respx
from app_support import SIZE, connect_screen, make_app, settle, wait_until
from support import run_cli
from textual.widgets import Input

VERCEL = "https://api.vercel.com"


@pytest.mark.parametrize(
    ("given", "team"),
    [
        ("vercel:team_/web", "team_"),
        ("vercel:TEAM_/web", "TEAM_"),
        ("vercel:team_-x/web", "team_-x"),
        ("vercel:team__a/web", "team__a"),
    ],
)
@respx.mock(assert_all_called=False)
def test_a_team_that_cannot_be_a_team_id_is_refused_before_any_request(
    given: str,
    team: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    respx_mock: respx.MockRouter,
) -> None:
    asked = respx_mock.route().respond(404)
    db = tmp_path / "m.db"
    result = run_cli(capsys, "run", given, "--workspace", "w", "--db", str(db))
    assert result.code == 2, result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert f"'{given}' is not a valid Vercel source: '{team}' is no team id" in result.err
    assert "write vercel:TEAM/PROJECT with the team's id or its slug" in result.err
    assert asked.call_count == 0 and not db.exists()


@pytest.mark.parametrize(
    ("given", "scope"),
    [
        ("vercel:team_1a2B3c4D/web", {"teamId": "team_1a2B3c4D"}),
        ("vercel:acme/web", {"slug": "acme"}),
        ("vercel:acme-team/web", {"slug": "acme-team"}),
        ("vercel:my_team/web", {"slug": "my_team"}),
        ("vercel:web", {}),
    ],
)
@respx.mock
def test_every_team_form_vercel_takes_is_still_sent(
    given: str,
    scope: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    respx_mock: respx.MockRouter,
) -> None:
    monkeypatch.setenv("VERCEL_TOKEN", "plain-token-without-shape")
    lookup = respx_mock.get(f"{VERCEL}/v9/projects/web").respond(
        200, json={"id": "prj_1", "name": "web"}
    )
    listed = respx_mock.get(f"{VERCEL}/v6/deployments").respond(
        200, json={"deployments": [], "pagination": {"count": 0, "next": None}}
    )
    result = run_cli(
        capsys, "run", given, "--workspace", "w", "--db", str(tmp_path / "m.db"), "--json"
    )
    assert result.code == 0, result.err
    (asked,) = lookup.calls
    assert dict(asked.request.url.params) == scope
    params = dict(listed.calls[0].request.url.params)
    assert {k: v for k, v in params.items() if k in ("teamId", "slug")} == scope


def test_the_connect_form_refuses_it_too(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    def notices() -> list[str]:
        return [n.message for n in app._notifications if n.title == "Not a source"]

    async def scenario() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await connect_screen(pilot)
            target = screen.query_one("#target", Input)
            target.focus()
            target.value = "vercel:team_/web"
            await pilot.press("enter")
            await wait_until(pilot, notices)
            (said,) = notices()
            assert "'vercel:team_/web' is not a valid Vercel source: 'team_' is no team id" in said
            assert not screen.cards()

            target.value = "vercel:team_1a2B3c4D/web"
            await pilot.press("enter")
            await settle(pilot)
            assert [str(card.spec) for card in screen.cards()] == ["vercel:team_1a2B3c4D/web"]

    asyncio.run(scenario())
