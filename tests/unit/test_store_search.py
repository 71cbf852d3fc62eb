"""Browsing the mirror: full-text search (FTS5: rows indexed by the transaction that stores them,
deletes and updates followed by triggers), filters, daily counts."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from backfill_tui.models import SourceEvent
from backfill_tui.store import Mirror, PageWrite, RunRecord, StreamRecord
from backfill_tui.store.browse import fts_query
from backfill_tui.store.schema import SCHEMA_VERSION


def _event(
    n: int, title: str, body: str = "", day: str = "2026-05-30", source: str = "github"
) -> SourceEvent:
    return SourceEvent(
        source=source,  # type: ignore[arg-type]
        sourceType="issue.opened",
        sourceId=f"issue:acme/rocket#{n}:opened",
        title=title,
        body=body,
        occurredAt=f"{day}T10:00:00+02:00",
        metadata={"deliveryId": f"d{n}", "repoId": 1},
    )


def _mirror(tmp_path: Path, *events: SourceEvent) -> Mirror:
    mirror = Mirror.open(tmp_path / "m.db")
    run = RunRecord(
        "r1",
        "ws",
        ["github:acme/rocket"],
        30,
        "2026-05-01T00:00:00+00:00",
        None,
        1000,
        started_at="2026-06-01T00:00:00+00:00",
    )
    mirror.create_run(run, [("github", "acme/rocket", "issue")])
    stream = mirror.streams("r1")[0]
    mirror.commit_page(
        stream,
        "ws",
        list(events),
        [],
        fetched=len(events),
        cursor=None,
        done=True,
        capped_at=None,
        api_calls=1,
        wait_s=0.0,
    )
    return mirror


def test_search_finds_words_in_titles_and_bodies(tmp_path: Path) -> None:
    mirror = _mirror(
        tmp_path,
        _event(1, "[Issue Opened] Rocket engine overheats"),
        _event(2, "[Issue Opened] Café menu", body="The launch pad needs a café"),
        _event(3, "[Issue Opened] Unrelated"),
    )
    assert [o.title for o in mirror.search_observations("ws", "engine")] == [
        "[Issue Opened] Rocket engine overheats"
    ]
    assert {o.id for o in mirror.search_observations("ws", "cafe")} == {2}  # diacritics folded
    assert {o.id for o in mirror.search_observations("ws", "laun")} == {2}  # prefix as you type
    assert mirror.count_observations_matching("ws", text="rocket engine") == 1
    assert mirror.count_observations_matching("ws", text="rocket unrelated") == 0
    assert mirror.search_observations("other-workspace", "engine") == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_any_typed_text_is_a_safe_query(text: str) -> None:
    query = fts_query(text)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5 (a)")
    if query is not None:
        conn.execute("SELECT * FROM t WHERE t MATCH ?", (query,)).fetchall()


def test_filters_facets_detail_and_daily_counts(tmp_path: Path) -> None:
    mirror = _mirror(
        tmp_path,
        _event(1, "[Issue Opened] A", day="2026-05-29"),
        _event(2, "[Issue Opened] B", day="2026-05-30"),
        _event(3, "[Issue Opened] C", day="2026-05-30"),
    )
    assert mirror.observation_facets("ws") == (["github"], ["issue.opened"])
    assert (
        mirror.count_observations_matching("ws", source="github", observation_type="issue.opened")
        == 3
    )
    assert mirror.count_observations_matching("ws", source="linear") == 0
    rows = mirror.find_observations("ws", limit=2)
    assert [r.title for r in rows] == ["[Issue Opened] C", "[Issue Opened] B"]  # newest first
    detail = mirror.get_observation(rows[0].id)
    assert detail is not None and detail.metadata["deliveryId"] == "d3" and detail.references == []
    # 10:00 at +02:00 is 08:00 UTC: days are counted in UTC.
    assert mirror.daily_counts("ws", "2026-05-01T00:00:00+00:00") == {
        "github": {"2026-05-29": 1, "2026-05-30": 2}
    }
    assert mirror.daily_counts("ws", "2026-05-30T00:00:00+00:00") == {"github": {"2026-05-30": 2}}


def test_the_index_follows_deletes_and_existing_rows(tmp_path: Path) -> None:
    mirror = _mirror(
        tmp_path, _event(1, "[Issue Opened] Engine"), _event(2, "[Issue Opened] Engine two")
    )
    with mirror.transaction() as conn:
        conn.execute("DELETE FROM observations WHERE source_id LIKE '%#1:%'")
    assert [o.title for o in mirror.search_observations("ws", "engine")] == [
        "[Issue Opened] Engine two"
    ]
    # FTS5's own check raises if the index disagrees with the table.
    mirror.conn.execute(
        "INSERT INTO observations_fts (observations_fts) VALUES ('integrity-check')"
    )


def _page(stream: StreamRecord, *events: SourceEvent) -> PageWrite:
    return PageWrite(stream, "ws", list(events), [], fetched=len(events), cursor="c", done=False,
                     capped_at=None, api_calls=1, wait_s=0.0)  # fmt: skip


def test_a_mirror_indexed_by_the_old_trigger_is_upgraded_without_a_row_twice(
    tmp_path: Path,
) -> None:
    # A mirror of before migration 0013: its rows were indexed by an AFTER INSERT trigger.
    mirror = _mirror(tmp_path, _event(1, "[Issue Opened] Engine old"))
    mirror.close()
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    conn.execute(
        "CREATE TRIGGER observations_ai AFTER INSERT ON observations BEGIN "
        "INSERT INTO observations_fts (rowid, title, content) "
        "VALUES (new.id, new.title, new.content); END"
    )
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0013_search_index_by_transaction'")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.close()

    mirror = Mirror.open(tmp_path / "m.db")  # upgraded: the trigger goes
    stream = mirror.streams("r1")[0]
    pages = [  # one transaction of two pages; #2 twice: stored once, indexed once
        _page(stream, _event(2, "[Issue Opened] Engine new")),
        _page(stream, _event(2, "[Issue Opened] Engine new"), _event(3, "Other")),
    ]
    assert [r.new for r in mirror.commit_pages(pages)] == [1, 1]
    found = mirror.search_observations("ws", "engine")
    assert sorted(o.title for o in found) == [
        "[Issue Opened] Engine new",
        "[Issue Opened] Engine old",
    ]
    indexed = mirror.conn.execute(
        "SELECT count(*) FROM observations_fts WHERE observations_fts MATCH 'engine OR other'"
    ).fetchone()[0]
    assert indexed == 3  # every row once: not missed, not added by a trigger as well
    mirror.conn.execute(
        "INSERT INTO observations_fts (observations_fts) VALUES ('integrity-check')"
    )


def test_terms_fts_cannot_index_are_searched_literally_never_everything(tmp_path: Path) -> None:
    mirror = _mirror(
        tmp_path,
        _event(1, "🚀 Launch the rocket"),
        _event(2, "Fix (urgent) crash"),
        _event(3, "Plain title", body="50% done_soon"),
        _event(4, "Unrelated"),
    )
    assert {o.id for o in mirror.search_observations("ws", "🚀")} == {1}
    assert {o.id for o in mirror.search_observations("ws", "(")} == {2}
    assert {o.id for o in mirror.search_observations("ws", "%")} == {3}  # LIKE wildcards escaped
    assert mirror.search_observations("ws", "🛸") == []
    assert mirror.count_observations_matching("ws", text="🛸") == 0
    assert mirror.count_observations_matching("ws", text="_") == 1  # only the body with "_"
    assert {o.id for o in mirror.search_observations("ws", "🚀 rocket")} == {1}
    assert mirror.search_observations("ws", "🚀 crash") == []


def test_a_term_mixing_words_and_signs_matches_as_a_substring(tmp_path: Path) -> None:
    """ "(#47" is the words "47" and the signs "(#": its words alone matched "#479" (a tester
    found 9 rows where 8 hold "(#47"); the whole term must be in the title or body, letters
    without regard to case, as FTS matches them."""
    mirror = _mirror(
        tmp_path,
        _event(1, "Fix the launch (#47)"),
        _event(2, "Merge pull request #479 from nkemdirim/scheduler"),
        _event(3, "Plain", body="see (#47) and Deployment_Succeeded"),
        _event(4, "deploymentXsucceeded, not the word"),
    )
    assert {o.id for o in mirror.search_observations("ws", "(#47")} == {1, 3}
    assert mirror.count_observations_matching("ws", text="(#47") == 2
    assert {o.id for o in mirror.search_observations("ws", "#47")} == {1, 2, 3}  # a prefix
    assert {o.id for o in mirror.search_observations("ws", "deployment_succeeded")} == {3}
    assert {o.id for o in mirror.search_observations("ws", "47")} == {1, 2, 3}  # a plain word
    # a trailing * marks a prefix, as every term already is: "(#47*" looked for "(#47*"
    assert {o.id for o in mirror.search_observations("ws", "(#47*")} == {1, 3}


def test_search_is_a_subquery_not_a_per_row_join(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path, _event(1, "engine"))
    _joins, where, args = mirror._where("ws", None, None, "engine")
    plan = " ".join(
        str(row[-1])
        for row in mirror.conn.execute(
            f"EXPLAIN QUERY PLAN SELECT o.id FROM observations o WHERE {where} "
            "ORDER BY o.occurred_at DESC LIMIT 5",
            args,
        )
    )
    assert "LIST SUBQUERY" in plan
    assert "observations_fts VIRTUAL TABLE INDEX" in plan


def test_every_search_plan_finds_the_same_rows_in_the_same_order(tmp_path: Path) -> None:
    events = [_event(n, f"engine part {n}", day=f"2026-05-{1 + n % 28:02d}") for n in range(60)]
    events += [_event(100 + n, f"other {n}", body="no match") for n in range(20)]
    mirror = _mirror(tmp_path, *events)
    results = []
    for plan in ("list", "driving"):
        joins, where, args = mirror._where("ws", "github", None, "engine par", plan)
        rows = mirror.conn.execute(
            f"SELECT o.id FROM {mirror._from(joins)} WHERE {where} "
            "ORDER BY o.occurred_at DESC, o.id DESC",
            args,
        ).fetchall()
        results.append([r[0] for r in rows])
    assert results[0] == results[1] and len(results[0]) == 60
    found = [o.id for o in mirror.find_observations("ws", source="github", text="engine par")]
    assert found == results[0]
    assert mirror.count_observations_matching("ws", text="engine par") == 60
    assert mirror.count_observations_matching("ws", source="github", text="engine par") == 60
    assert mirror.count_observations_matching("ws", text="engine par", cap=10) == 11


def test_a_common_word_matched_in_memory_finds_what_the_index_finds(tmp_path: Path) -> None:
    # Most rows hold "engine" (some only in the body, some with a diacritic or as a prefix of a
    # longer word); many share one timestamp, so batches end inside a run of equal times.
    words = ["engine", "Éngine", "engines", "motor", "engine-room", "x", "engine"]
    events = [
        _event(
            n,
            f"{words[n % len(words)]} part {n}" if n % 5 else f"part {n}",
            body="the engine stalls" if n % 5 == 0 and n % 2 else "",
            day=f"2026-05-{1 + n % 4:02d}",
            source="github" if n % 3 else "linear",
        )
        for n in range(900)
    ]
    mirror = _mirror(tmp_path, *events)

    def by_index(text: str, source: str | None) -> list[int]:
        joins, where, args = mirror._where("ws", source, None, text, "list")
        rows = mirror.conn.execute(
            f"SELECT o.id FROM {mirror._from(joins)} WHERE {where} "
            "ORDER BY o.occurred_at DESC, o.id DESC",
            args,
        ).fetchall()
        return [r[0] for r in rows]

    for text, source in (("engine", None), ("engi", "github"), ("part", "linear")):
        expected = by_index(text, source)
        assert len(expected) >= 300, text
        for offset in (0, 100, 250):
            found = mirror.find_observations(
                "ws", source=source, text=text, limit=100, offset=offset, matching=10**6
            )
            assert [o.id for o in found] == expected[offset : offset + 100], (text, offset)
    assert mirror._probe_db is not None  # matched in memory, not through the list of all

    # A word in few of the newest rows is listed through the index instead: the same answer.
    sparse = by_index("motor", None)
    found = mirror.find_observations("ws", text="motor", limit=100, matching=10**6)
    assert [o.id for o in found] == sparse[:100]
    mirror.close()


def test_words_match_as_word_starts_in_any_order(tmp_path: Path) -> None:
    mirror = _mirror(
        tmp_path,
        _event(1, "TimeoutError on the launch pad"),
        _event(2, "launch timeout"),
        _event(3, "launches time out"),
    )
    found = {
        text: {o.id for o in mirror.find_observations("ws", text=text)}
        for text in ("launch timeout", "timeout launch", "timeout timeout launch", "launch")
    }
    assert found["launch timeout"] == found["timeout launch"] == found["timeout timeout launch"]
    assert len(found["launch timeout"]) == 2  # "TimeoutError" starts with "timeout"
    assert len(found["launch"]) == 3
    # a trailing * (search engines' prefix mark) is the word: "launch*" looked for the text
    # "launch*" and found nothing (a tester's finding)
    starred = {o.id for o in mirror.find_observations("ws", text="launch* timeout*")}
    assert starred == found["launch timeout"]
    mirror.close()


def test_a_capped_count_is_the_prefix_count_whichever_the_whole_words_count(
    tmp_path: Path,
) -> None:
    """A capped count counts the words as whole words first (more than the cap of them is
    "more than cap" of the prefixes too); at every cap it answers what counting the prefixes
    alone answers: min(count, cap + 1)."""
    titles = ["rocket launch"] * 12 + ["rockets launched"] * 9 + ["Röcket launchpad"] * 4
    events = [_event(n, title) for n, title in enumerate(titles)]
    events += [_event(100 + n, "launch", body="no rocket here") for n in range(5)]
    events += [_event(200 + n, "nothing") for n in range(3)]
    mirror = _mirror(tmp_path, *events)
    for text, total in (("rocket", 30), ("rocket launch", 30), ("rockets", 9), ("launchp", 4)):
        assert mirror.count_observations_matching("ws", text=text) == total
        for cap in range(0, total + 3):
            found = mirror.count_observations_matching("ws", text=text, cap=cap)
            assert found == min(total, cap + 1), (text, cap)
    assert fts_query("rocket launch", whole=True) == '"rocket" "launch"'


def _found_alike_by_every_plan(mirror: Mirror, text: str) -> set[int]:
    """The ids ``text`` finds, checked to be the same by every plan (the list of matches, the
    match driving) and by the uncapped count."""
    found = {o.id for o in mirror.find_observations("ws", text=text)}
    for plan in ("list", "driving"):
        joins, where, args = mirror._where("ws", None, None, text, plan)
        rows = mirror.conn.execute(
            f"SELECT o.id FROM {mirror._from(joins)} WHERE {where}", args
        ).fetchall()
        assert {r[0] for r in rows} == found, (text, plan)
    assert mirror.count_observations_matching("ws", text=text) == len(found), text
    return found


def test_upper_case_not_and_or_between_words_are_operators(tmp_path: Path) -> None:
    """ "guidance NOT speed" looked for the word "not" too, finding nothing of what it asked
    (a stranger's finding). NOT, AND and OR in upper case between two plain words are FTS5's
    operators; anywhere else (alone, first, last) they are words, as "not" in lower case is,
    and never an FTS5 syntax error. Every plan (the list of matches, the match driving, the
    newest rows matched in memory) answers the same, and so does the capped count."""
    events = [_event(n, f"guidance notes {n}", day=f"2026-05-{1 + n % 28:02d}") for n in range(8)]
    events += [_event(20 + n, f"guidance speed {n}") for n in range(3)]
    events += [_event(40, "speed only"), _event(41, "not a word here")]
    mirror = _mirror(tmp_path, *events)

    def ids(text: str) -> set[int]:
        return _found_alike_by_every_plan(mirror, text)

    by_title = {o.id: o.title for o in mirror.find_observations("ws", text="guidance OR speed")}
    assert len(by_title) == 12
    titles = lambda text: sorted(by_title.get(i) or "" for i in ids(text))  # noqa: E731
    assert all(t.startswith("guidance notes") for t in titles("guidance NOT speed"))
    assert len(titles("guidance NOT speed")) == 8
    assert len(titles("guidance AND speed")) == len(titles("guidance speed")) == 3
    assert mirror.count_observations_matching("ws", text="guidance NOT speed", cap=2) == 3
    for text in ("NOT", "speed NOT", "NOT speed", "OR", "AND guidance", "guidance NOT NOT"):
        ids(text)  # no FTS5 syntax error
    assert ids("NOT") == {o.id for o in mirror.find_observations("ws", text="not")}  # a word
    assert len(ids("speed NOT")) == 0  # "speed" and the word "not": no row holds both
    assert fts_query("guidance not speed") == '"guidance"* "not"* "speed"*'  # lower case: words


@settings(max_examples=120, deadline=None)
@given(st.text(alphabet=st.sampled_from('"* abNOTANDR🚀(#1_'), max_size=30))
def test_any_text_with_quotes_and_operators_is_a_safe_query(text: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5 (a)")
    for whole in (False, True):
        query = fts_query(text, whole=whole)
        if query is not None:
            conn.execute("SELECT * FROM t WHERE t MATCH ?", (query,)).fetchall()


def test_a_double_quoted_span_is_a_phrase_in_every_plan(tmp_path: Path) -> None:
    """ "Issue 12" found nothing: the quotes were searched as characters (a tester's finding).
    A double-quoted span is a phrase (FTS5 3.2): its words whole, side by side, in that order;
    a quote with no partner is a separator; a * after the closing quote makes the last word a
    prefix. The list of matches, the match driving, the newest rows matched in memory and the
    capped count all answer the same."""
    events = [_event(n, f"Issue 12 part {n}", day=f"2026-05-{1 + n % 28:02d}") for n in range(6)]
    events += [_event(10 + n, f"Issue 123 and 12 issues {n}") for n in range(4)]
    events += [_event(20 + n, f"fix bug {n}") for n in range(5)]
    events += [_event(30 + n, f"bug fix {n}", body="fixed") for n in range(3)]
    events += [_event(40, "fixes bugs"), _event(41, "fix the bug")]
    mirror = _mirror(tmp_path, *events)

    def ids(text: str) -> set[int]:
        found = _found_alike_by_every_plan(mirror, text)
        in_memory = mirror.find_observations("ws", text=text, matching=10**6)
        assert {o.id for o in in_memory} == found, text
        for cap in range(len(found) + 2):
            count = mirror.count_observations_matching("ws", text=text, cap=cap)
            assert count == min(len(found), cap + 1), (text, cap)
        return found

    assert len(ids("Issue 12")) == 10  # words anywhere, as prefixes
    assert all(
        o.title.startswith("Issue 12 part")
        for o in mirror.find_observations("ws", text='"Issue 12"')
    )
    assert len(ids('"Issue 12"')) == 6  # side by side, whole words: not "Issue 123"
    assert len(ids('"fix bug"')) == 5  # in that order: not "bug fix", "fix the bug"
    assert len(ids('"fix"')) == 9  # the whole word: not "fixes", "fixed" alone
    assert len(ids('"fix b"*')) == 5  # a * after the quote: the last word a prefix
    assert len(ids('"bug fix" NOT fixed')) == 0
    assert len(ids('"fix bug" OR "bug fix"')) == 8
    assert ids('"fix') == ids('fix"') == ids("fix")  # a quote with no partner: a separator
    for text in ('"', '""', '"fix bug', 'fix "bug', '"a "b c"', '"NOT" speed', 'a NOT "'):
        ids(text)  # no FTS5 syntax error
    assert ids('"NOT"') == ids("not")  # a quoted NOT is the word
    assert fts_query('"fix bug" NOT test') == '"fix bug" NOT "test"*'
    # typographic quotes are quotes, and a star too many is no term (each found nothing)
    assert ids("\u201cIssue 12\u201d") == ids('"Issue 12"')
    assert ids('"fix b"**') == ids('"fix b"*') and ids('"fix b" *') == ids('"fix b"')
    mirror.close()


def _operator_mirror(tmp_path: Path) -> Mirror:
    titles = [
        "fix: bump npm_and_yarn group",
        "fix the launch (#41)",
        "fix 🚀 countdown",
        "🚀 launch day",
        "build(deps): npm_and_yarn bump",
        "guidance notes (#42)",
        "guidance speed",
        "plain fix",
        "fix bug in the pad",
        "unrelated",
    ]
    events = [_event(n, t, day=f"2026-05-{1 + n:02d}") for n, t in enumerate(titles)]
    return _mirror(tmp_path, *events)


def test_or_and_not_beside_a_term_that_is_not_a_plain_word_keep_their_meaning(
    tmp_path: Path,
) -> None:
    """ "fix OR npm_and_yarn", "fix NOT npm_and_yarn", "fix OR (#4", "🚀 OR fix" each found
    nothing: the operator was searched as a word and the substring of the term that is not
    a plain word was required of every row whatever stood around it (a fresh tester's
    finding). The substring test now follows the boolean structure (README: NOT binds
    closest, then AND and words side by side, then OR), in every plan."""
    mirror = _operator_mirror(tmp_path)

    def ids(text: str) -> set[int]:
        return _found_alike_by_every_plan(mirror, text)

    fix, npm, hash4, rocket = ids("fix"), ids("npm_and_yarn"), ids("(#4"), ids("🚀")
    assert (len(fix), len(npm), len(hash4), len(rocket)) == (5, 2, 2, 2)
    assert ids("fix OR npm_and_yarn") == ids("npm_and_yarn OR fix") == fix | npm
    assert ids("fix NOT npm_and_yarn") == fix - npm
    assert ids("fix AND npm_and_yarn") == fix & npm
    assert ids("fix OR (#4") == fix | hash4 and ids("fix NOT (#4") == fix - hash4
    assert ids("🚀 OR fix") == rocket | fix and ids("guidance OR 🚀") == ids("guidance") | rocket
    assert ids('"fix b"* OR (#4') == ids('"fix b"*') | hash4
    # NOT binds closest, then words side by side, then OR
    assert ids("guidance (#4 OR 🚀") == (ids("guidance") & hash4) | rocket
    assert ids("fix NOT 🚀 NOT npm_and_yarn") == fix - rocket - npm
    assert ids("launch NOT 🚀 OR npm_and_yarn") == (ids("launch") - rocket) | npm
    mirror.close()


_SOME_TERMS = ["fix", "npm_and_yarn", "(#4", "🚀", "guidance", '"fix b"*', "launch", "(#"]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(_SOME_TERMS),
    st.sampled_from(["OR", "NOT", "AND"]),
    st.sampled_from(_SOME_TERMS),
)
def test_an_operator_between_any_two_terms_is_found_alike_by_every_plan(
    left: str, operator: str, right: str
) -> None:
    """Operators next to terms that are not plain words (an emoji, "(#4", "npm_and_yarn"):
    every plan answers what the two terms' own answers combine to."""
    with tempfile.TemporaryDirectory() as folder:
        mirror = _operator_mirror(Path(folder))
        a, b = _found_alike_by_every_plan(mirror, left), _found_alike_by_every_plan(mirror, right)
        want = {"OR": a | b, "AND": a & b, "NOT": a - b}[operator]
        assert _found_alike_by_every_plan(mirror, f"{left} {operator} {right}") == want
        mirror.close()


def test_an_empty_phrase_and_operators_in_a_row_keep_the_terms_around_them(
    tmp_path: Path,
) -> None:
    """In the demo workspace `fuel` found 326, but `fuel OR ""` and `"" OR fuel` nothing (the
    OR searched as a word), `main AND OR fuel` found fuel's alone (main and the word "and"
    required together), and `main AND NOT fuel` nothing where `main NOT fuel` found 50 (a
    fresh tester's findings). An empty phrase is nothing, and so is the operator left with
    no term on its side; several operators in a row between two terms are the last of them,
    so AND NOT is NOT. Every plan answers the same."""
    mirror = _operator_mirror(tmp_path)

    def ids(text: str) -> set[int]:
        return _found_alike_by_every_plan(mirror, text)

    fix, guidance, npm = ids("fix"), ids("guidance"), ids("npm_and_yarn")
    assert fix and guidance and fix - npm != fix
    for text in ('fix OR ""', '"" OR fix', 'fix AND ""', '"" NOT fix', 'fix OR "" ""'):
        assert ids(text) == fix, text
    assert ids('fix OR "" OR guidance') == ids('fix "" OR guidance') == fix | guidance
    assert ids("fix AND OR guidance") == ids("fix OR guidance") == fix | guidance
    assert ids("fix OR AND guidance") == fix & guidance
    assert ids("fix AND NOT guidance") == ids("fix NOT guidance") == fix - guidance
    assert ids("fix AND NOT npm_and_yarn") == fix - npm
    assert ids('fix AND NOT "" OR guidance') == fix | guidance
    assert ids("NOT") == ids("not")  # an operator alone is still a word
    mirror.close()


_OPERATOR_RUNS = ["OR", "NOT", "AND", "AND NOT", "AND OR", "OR AND", 'OR ""', '"" AND']


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(_SOME_TERMS),
    st.sampled_from(_OPERATOR_RUNS),
    st.sampled_from(_SOME_TERMS),
)
def test_operators_in_a_row_between_any_two_terms_are_the_last(
    left: str, operators: str, right: str
) -> None:
    """Several operators (and empty phrases) in a row between two terms of any kind: every
    plan answers what the last operator makes of the two terms' own answers (AND NOT is
    NOT; an empty phrase is as if not typed, so `a OR "" b` is `a OR b`)."""
    with tempfile.TemporaryDirectory() as folder:
        mirror = _operator_mirror(Path(folder))
        a, b = _found_alike_by_every_plan(mirror, left), _found_alike_by_every_plan(mirror, right)
        last = [word for word in operators.split() if word != '""']
        want = {"OR": a | b, "AND": a & b, "NOT": a - b}[last[-1]]
        assert _found_alike_by_every_plan(mirror, f"{left} {operators} {right}") == want
        mirror.close()
