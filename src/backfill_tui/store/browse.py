"""Reading observations for people: filters, full-text search, one observation, daily counts.

A mixin of :class:`~backfill_tui.store.Mirror` (``self.conn``), kept apart so the mirror's
write path stays short. Search uses the ``observations_fts`` table (migration 0004); the
user's words are quoted, so nothing they type is read as FTS5 syntax but ``NOT``, ``AND`` and
``OR`` in upper case between two words, FTS5's operators (:func:`fts_query`). A typed term FTS cannot
index (an emoji, ``(``, ``#``) is searched literally (a substring) instead of being dropped, so
a query never silently matches everything. The full-text match is a subquery
(``o.id IN (SELECT rowid ... MATCH ?)``), evaluated once, not once per row of the workspace;
a word most of the newest rows hold is matched on them in memory instead
(:meth:`ObservationBrowsing._newest_matching`).

Past 400 lines on purpose: the search's plans (the list of matches, the match driving, the
newest rows matched in memory, the literal scan) choose between each other by what the count
found, and are kept beside it and beside the run-id lookups the same faces use.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from .failures import text_shown
from .schema import FTS_TOKENIZE

__all__ = [
    "ObservationBrowsing",
    "ObservationDetail",
    "ObservationRow",
    "fts_query",
    "literal_terms",
    "run_ids_by_prefix",
]

# What the unicode61 tokenizer indexes: letters and digits (underscore is a separator there).
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Up to this many matches, a search is fetched through the full-text index and sorted;
#: past it, by walking the time index (see ``find_observations``).
FEW_MATCHES = 2_000
#: A common word's newest matches are found by matching the newest rows in memory
#: (``_newest_matching``): PROBE_BATCH rows first, then as many as the density found says are
#: needed, at most PROBE_ROWS in all, and only when at least PROBE_DENSITY of the first match.
PROBE_BATCH = 128
PROBE_ROWS = 2_048
PROBE_DENSITY = 0.25
_COLUMNS = "o.id, o.occurred_at, o.source, o.observation_type, o.title, o.significance_score"


@dataclass(frozen=True)
class ObservationRow:
    id: int
    occurred_at: str
    source: str
    observation_type: str
    title: str
    significance: float | None


@dataclass(frozen=True)
class ObservationDetail:
    id: int
    external_id: str
    workspace: str
    source: str
    source_type: str
    source_id: str
    observation_type: str
    title: str
    content: str
    occurred_at: str
    significance: float | None
    run_id: str
    actor: dict[str, Any] | None = None
    references: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


def fts_query(text: str, *, whole: bool = False) -> str | None:
    """The user's words as an FTS5 query: every word must match as the start of a word, in
    any order ("timeout launch" finds what "launch timeout" finds, and "timeout" finds
    "TimeoutError"; only the last word was a prefix, so the order changed the answer).
    ``whole``: every word must match a whole word instead, a query matching some of the rows
    the prefixes match (``count_observations_matching`` counts it first).

    A double-quoted span is a phrase: its words as whole words, side by side in that order
    (``"fix bug"``; sqlite.org/fts5.html 3.2, "FTS5 Phrases"), the last a prefix when a ``*``
    follows the closing quote (``"fix bu"*``, 3.3). A quote with no partner is a separator
    (:func:`_terms`): quotes were searched as characters, so ``"fix"`` found nothing (a
    tester's finding).

    ``NOT``, ``AND`` and ``OR`` in upper case between two plain words or phrases are FTS5's
    operators (``guidance NOT speed``: "NOT" was searched as a word, a stranger's finding);
    anywhere else they are words (:func:`_with_operators`); several in a row between two
    terms are the last, and an empty phrase is nothing (:func:`_operators_joined`). With
    ``NOT``, ``whole`` gives
    None: the whole words' matches are then no subset of the prefixes'.

    None when ``text`` has no word FTS indexes (see :func:`literal_terms` for the rest).
    """
    star = "" if whole else "*"
    parts = _with_operators(_operators_joined(_terms(text)))
    if any(kind == "op" for kind, _ in parts):
        if whole and ("op", "NOT") in parts:  # whole words' matches: no subset of prefixes'
            return None
        return " ".join(part if kind == "op" else _operand(part, star) for kind, part in parts)
    operands = [_operand(part, star) for _, part in parts]
    if not operands:
        return None
    return " ".join(dict.fromkeys(operands))


#: FTS5's operators, in upper case only (sqlite.org/fts5.html 3.7, "Boolean operators").
_OPERATORS = frozenset({"NOT", "AND", "OR"})
#: A phrase (a double-quoted span, a ``*`` after it kept) or a term (no space, no quote).
_TERM = re.compile(r'"[^"]*"\*?|[^\s"]+')


def _terms(text: str) -> list[str]:
    """``text``'s terms: phrases (``"fix bug"``, ``"fix bu"*``, quotes kept) and the runs of
    what is neither space nor quote; a quote with no partner is left out, as a space is.
    Typographic double quotes (``“fix bug”``, what a Mac or a word processor types) are
    quotes too, and a term of stars alone (``"fix bug"**``) is left out: each found nothing,
    the quotes or the star searched as characters (a fresh tester's finding)."""
    return [t for t in _TERM.findall(text.translate(_QUOTES)) if t.strip("*")]


#: Typographic double quotes, read as ``"``.
_QUOTES = str.maketrans(dict.fromkeys("“”„‟«»", '"'))


def _operators_joined(terms: list[str]) -> list[str]:
    """``terms`` (:func:`_terms`) with an empty phrase (``""``, ``" "*``) left out, as if not
    typed, and the operators it leaves first or last with it (``fuel OR ""`` is ``fuel``, as
    ``fuel ""`` was); several operators in a row between two terms are the last of them
    (``main AND OR fuel`` is ``main OR fuel``; ``main AND NOT fuel`` is ``main NOT fuel``,
    FTS5's NOT being "and not", sqlite.org/fts5.html 3.7). Each of these found nothing, or
    dropped ``main``, in the demo workspace (a fresh tester's findings). An operator alone,
    first or last of what was typed is still a word (:func:`_with_operators`)."""
    empty = [_phrase(t) and not t.rstrip("*")[1:-1].strip() for t in terms]
    operands = [i for i, t in enumerate(terms) if not empty[i] and t not in _OPERATORS]
    if not operands:
        return [] if any(empty) else terms
    first, last = operands[0], operands[-1]
    head = [] if any(empty[:first]) else terms[:first]
    tail = [] if any(empty[last + 1 :]) else terms[last + 1 :]
    joined: list[str] = []
    for i in range(first, last + 1):
        if empty[i]:
            continue
        if terms[i] in _OPERATORS and joined[-1] in _OPERATORS:
            joined[-1] = terms[i]
        else:
            joined.append(terms[i])
    return head + joined + tail


def _phrase(term: str) -> bool:
    return term.startswith('"')


def _operand(term: str, star: str) -> str:
    """``term`` as FTS5 strings: a phrase as one string of its words (a prefix when a ``*``
    followed it and ``star``), any other term as its words, each a prefix when ``star``."""
    if _phrase(term):
        words = _WORD.findall(term)
        return '"' + " ".join(words) + '"' + ("*" if star and term.endswith("*") else "")
    return _quoted(_WORD.findall(term), star)


def _plain(term: str) -> bool:
    """Whether ``term`` is one plain word (a trailing ``*`` allowed) or a phrase of words,
    as an operand."""
    if _phrase(term):
        return _WORD.search(term) is not None
    return _WORD.fullmatch(term.rstrip("*") or term) is not None


def _with_operators(terms: list[str]) -> list[tuple[str, str]]:
    """``terms`` as ("op", operator) and ("term", text), the terms of no word (an emoji, left
    to :func:`literal_terms`) left out. ``NOT``, ``AND`` and ``OR`` in upper case between two
    plain words (or phrases) are the operator; any other one (first, last, beside another
    operator, as only first or last they can be once :func:`_operators_joined` made a run of
    them one, or a term that is not a plain word: ``NOT``, ``speed NOT``, ``NOT speed``) is a
    word to find, as "not" in lower case is, so no query the user types is an FTS5 syntax
    error."""
    out: list[tuple[str, str]] = []
    for i, term in enumerate(terms):
        after = terms[i + 1] if i + 1 < len(terms) else None
        if (
            term in _OPERATORS
            and out
            and out[-1][0] == "term"
            and _plain(terms[i - 1])
            and after is not None
            and after not in _OPERATORS
            and _plain(after)
        ):
            out.append(("op", term))
        elif _WORD.search(term):
            out.append(("term", term))
    return out


def _quoted(words: list[str], star: str) -> str:
    """``words`` as FTS5 strings, each a prefix when ``star``."""
    return " ".join('"' + word.replace('"', '""') + '"' + star for word in words)


def literal_terms(text: str) -> list[str]:
    """The whitespace-separated terms of ``text`` that are not a plain word: one with no letter
    or digit (``🚀``, ``(``, ``->``), which FTS5's unicode61 tokenizer drops as separators, or
    one mixing words with such characters (``(#47``, ``deployment_succeeded``, ``don't``),
    whose words alone ("47") also match "#479". Each is matched as a substring of the title
    or body as well (:meth:`ObservationBrowsing._where`; a tester's finding: "(#47" listed "#479").
    A word with a trailing ``*`` (``guid*``, search engines' prefix mark) is that word: every
    word already matches as a prefix, and ``guid*`` looked for the text "guid*" and found
    nothing (a tester's finding). A phrase (:func:`fts_query`) is matched by FTS alone, its
    words whole and in order; one with no word (``"🚀 🚀"``) is its text, as a substring."""
    return [found for found in map(_literal, _terms(text)) if found is not None]


def _literal(term: str) -> str | None:
    """The substring ``term`` (one of :func:`_terms`) must be found as, or None when FTS alone
    matches it (see :func:`literal_terms`)."""
    if _phrase(term):
        inner = term.rstrip("*")[1:-1].strip()
        return inner if inner and not _WORD.search(inner) else None
    term = term.rstrip("*") or term  # "ENG-763*" is "ENG-763"
    return None if _WORD.fullmatch(term) else term


#: A search as OR of groups, each the AND of its items: a term and the terms NOT takes from it.
_Groups = list[list[tuple[str, list[str]]]]


def _boolean(text: str) -> _Groups | None:
    """``text`` as OR of groups of terms side by side, each term with the terms ``NOT`` takes
    from it, when an operator stands in it and a term FTS cannot match alone (an emoji,
    ``(#4``, ``npm_and_yarn``: :func:`literal_terms`) does too; None otherwise, the search
    then being :func:`fts_query` and every literal term besides. An upper-case ``NOT``,
    ``AND`` or ``OR`` between two terms of any kind is the operator (precedence as FTS5's,
    sqlite.org/fts5.html 3.7: NOT, then AND, then OR). "fix OR npm_and_yarn" searched "OR"
    as a word and required "npm_and_yarn" of every row, finding nothing (a tester's finding).
    """
    terms = [
        t for t in _operators_joined(_terms(text)) if _WORD.search(t) or _literal(t) is not None
    ]
    if not any(_literal(t) is not None for t in terms):
        return None
    groups: _Groups = [[]]
    operators = 0
    negate = False
    for i, term in enumerate(terms):
        after = terms[i + 1] if i + 1 < len(terms) else None
        if (
            term in _OPERATORS
            and groups[-1]
            and not negate
            and after is not None
            and after not in _OPERATORS
        ):
            operators += 1
            if term == "OR":
                groups.append([])
            negate = term == "NOT"
            continue
        if negate:
            groups[-1][-1][1].append(term)
            negate = False
        else:
            groups[-1].append((term, []))
    return groups if operators else None


def _boolean_sql(groups: _Groups) -> tuple[str, list[str]]:
    """``groups`` (:func:`_boolean`) as one SQL condition on ``o`` and its arguments: a term
    is its words' full-text match (a subquery, run once) and its literal substring."""
    args: list[str] = []

    def term_sql(term: str) -> str:
        tests = []
        if _WORD.search(term):
            tests.append(
                "o.id IN (SELECT rowid FROM observations_fts WHERE observations_fts MATCH ?)"
            )
            args.append(_operand(term, "*"))
        literal = _literal(term)
        if literal is not None:
            test, pair = _substring_test(literal)
            tests.append(test)
            args.extend(pair)
        return "(" + " AND ".join(tests) + ")"

    ors = []
    for group in groups:
        ands = []
        for term, taken in group:
            ands.append(term_sql(term))
            ands += [f"NOT {term_sql(other)}" for other in taken]
        ors.append("(" + " AND ".join(ands) + ")")
    return "(" + " OR ".join(ors) + ")", args


def _substring_test(term: str) -> tuple[str, tuple[str, str]]:
    """A condition on ``o`` that ``term`` is in the title or body, and its two arguments."""
    if _WORD.search(term):  # letters: matched without regard to (ASCII) case, as FTS is
        return "(o.title LIKE ? ESCAPE '\\' OR o.content LIKE ? ESCAPE '\\')", (
            _like_escaped(term),
        ) * 2
    # no letter, no case: a plain substring test, a quarter faster than LIKE
    return "(instr(o.title, ?) > 0 OR instr(o.content, ?) > 0)", (term, term)


def _fts_alone(text: str | None) -> str | None:
    """:func:`fts_query` of ``text``, or None when FTS cannot drive its search: nothing FTS
    indexes, or operators beside a literal term (:func:`_boolean`)."""
    if not text or _boolean(text) is not None:
        return None
    return fts_query(text)


def _like_escaped(term: str) -> str:
    """``term`` as a LIKE pattern matching it anywhere (``%``, ``_`` and ``\\`` escaped)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def run_ids_by_prefix(conn: sqlite3.Connection, prefix: str, limit: int = 6) -> list[str]:
    """Run ids starting with ``prefix`` (a run id may be shortened to any unique prefix, as git
    and docker allow) or, for 4 characters or more, ending with it (``1f82`` of
    ``20261130-022816-1f82``: the random part people copy), newest first, at most ``limit``."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    suffix = f"%{escaped}" if len(prefix) >= 4 else escaped + "%"
    rows = conn.execute(
        "SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\' "
        "ORDER BY rowid DESC LIMIT ?",
        (escaped + "%", suffix, limit),
    ).fetchall()
    # LIKE ignores ASCII case; run ids are case-sensitive, so filter exactly.
    return [
        row[0]
        for row in rows
        if row[0].startswith(prefix) or (len(prefix) >= 4 and row[0].endswith(prefix))
    ]


def unique_run_id(conn: sqlite3.Connection, ref: str) -> str | None:
    """The id of the run ``ref`` names, whole or by a unique prefix; None when none matches.

    Raises UsageError (one line listing the candidates) when the prefix fits several runs.
    """
    if conn.execute("SELECT 1 FROM runs WHERE id = ?", (ref,)).fetchone():
        return ref
    if not ref:
        return None
    found = run_ids_by_prefix(conn, ref)
    if len(found) > 1:
        more = ", …" if len(found) >= 6 else ""
        raise UsageError(
            f"run id '{ref}' is ambiguous: it starts {', '.join(found[:5])}{more}; type more of it"
        )
    return found[0] if found else None


def _observation_type(source: str, source_type: str) -> str:
    """As ``mirror.observation_type`` (production's ``deriveObservationType``): Vercel's first
    '.' becomes '_'."""
    return source_type.replace(".", "_", 1) if source == "vercel" else source_type


def _loads(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


class ObservationBrowsing:
    conn: sqlite3.Connection
    _probe_db: sqlite3.Connection | None = None

    def close_probe(self) -> None:
        """Close the in-memory search table (:meth:`_probe`), if one was made."""
        if self._probe_db is not None:
            self._probe_db.close()
            self._probe_db = None

    def resolve_run_id(self, ref: str) -> str | None:
        """See :func:`unique_run_id` (exact id, or a unique prefix; UsageError if ambiguous)."""
        return unique_run_id(self.conn, ref)

    def count_runs(self) -> int:
        """How many runs the mirror holds (the runs list shows the newest of them)."""
        return int(self.conn.execute("SELECT count(*) FROM runs").fetchone()[0])

    def workspaces(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT workspace_id FROM observations GROUP BY workspace_id "
            "UNION SELECT workspace_id FROM runs GROUP BY workspace_id"
        ).fetchall()
        return sorted(row[0] for row in rows)

    def observation_facets(self, workspace: str) -> tuple[list[str], list[str]]:
        """The sources and observation types present in a workspace (both sorted); see
        :meth:`observation_types_by_source`."""
        by_source = self.observation_types_by_source(workspace)
        return list(by_source), sorted({kind for kinds in by_source.values() for kind in kinds})

    def observation_types_by_source(self, workspace: str) -> dict[str, list[str]]:
        """Each source present in a workspace (in order) → its observation types (sorted).

        The observations screen narrows its type list to the chosen source's types: a tester
        chose "linear" and was offered GitHub's and Vercel's types, each matching nothing.
        A loose index scan over ``observations_source`` (workspace, source, source_type): one
        index seek per distinct pair, so it costs the same at 250,000 observations as at 5,000
        (a DISTINCT over the table read every row). Types follow ``mirror.observation_type``.
        """
        # The keys go round as the bytes SQLite holds (CAST AS BLOB, compared back AS TEXT): a
        # text that is not UTF-8 read leniently comes back changed, and ``source > ?`` found
        # the same row again for ever (a fresh tester's finding, with the screens' lenient read).
        next_source = (
            "SELECT CAST(source AS BLOB) FROM observations WHERE workspace_id = ?"
            " AND source > CAST(? AS TEXT) ORDER BY source LIMIT 1"
        )
        next_kind = (
            "SELECT CAST(source_type AS BLOB) FROM observations WHERE workspace_id = ?"
            " AND source = CAST(? AS TEXT) AND source_type > CAST(? AS TEXT)"
            " ORDER BY source_type LIMIT 1"
        )
        # A key that does not move on ends its loop: a value stored as a BLOB by hand sorts
        # after every text, so ``> ?`` would find it again however it is passed back.
        pairs: list[tuple[bytes, bytes]] = []
        source = self._next(next_source, (workspace, b""))
        while source is not None:
            kind = self._next(next_kind, (workspace, source, b""))
            while kind is not None:
                pairs.append((source, kind))
                after = self._next(next_kind, (workspace, source, kind))
                kind = None if after == kind else after
            after = self._next(next_source, (workspace, source))
            source = None if after == source else after
        by_source: dict[str, set[str]] = {}
        for raw_source, raw_kind in pairs:
            name, kind_name = text_shown(raw_source), text_shown(raw_kind)
            by_source.setdefault(name, set()).add(_observation_type(name, kind_name))
        return {source: sorted(by_source[source]) for source in sorted(by_source)}

    def _only_workspace(self, workspace: str) -> bool:
        """Whether every observation belongs to ``workspace`` (two index seeks)."""
        low = self.conn.execute("SELECT min(workspace_id) FROM observations").fetchone()[0]
        high = self.conn.execute("SELECT max(workspace_id) FROM observations").fetchone()[0]
        return bool(low == high == workspace)

    def _next(self, query: str, args: tuple[str | bytes, ...]) -> bytes | None:
        row = self.conn.execute(query, args).fetchone()
        return None if row is None else bytes(row[0])

    def _where(
        self,
        workspace: str,
        source: str | None,
        observation_type: str | None,
        text: str | None,
        fts: str = "list",
    ) -> tuple[str, str, list[Any]]:
        """(joins, where, args) for the filters. ``fts`` says how the full-text match joins:

        - ``list``: ``o.id IN (SELECT rowid ... MATCH ?)``, the match run once;
        - ``driving``: the match is the outer loop (``observations_fts f CROSS JOIN
          observations o``), so the cost follows the matches, not the workspace;
        - ``none``: the full-text words left out (the caller matches them itself).
        """
        joins, clauses, args = "", ["o.workspace_id = ?"], [workspace]
        groups = _boolean(text or "")
        if groups is not None:  # operators beside a literal term: the match is one condition
            condition, found = _boolean_sql(groups)
            clauses.append(condition)
            args.extend(found)
        query = _fts_alone(text) if fts != "none" else None
        if query is not None:
            if fts == "driving":
                joins = " CROSS JOIN observations o ON o.id = f.rowid"
                clauses.insert(0, "observations_fts MATCH ?")
                args.insert(0, query)
            else:
                clauses.append(
                    "o.id IN (SELECT rowid FROM observations_fts WHERE observations_fts MATCH ?)"
                )
                args.append(query)
        for term in literal_terms(text or "") if groups is None else []:
            test, pair = _substring_test(term)
            clauses.append(test)
            args.extend(pair)
        if source:
            clauses.append("o.source = ?")
            args.append(source)
        if observation_type:
            clauses.append("o.observation_type = ?")
            args.append(observation_type)
        return joins, " AND ".join(clauses), args

    def _from(self, joins: str) -> str:
        return f"observations_fts f{joins}" if joins else "observations o"

    def find_observations(
        self,
        workspace: str,
        *,
        source: str | None = None,
        observation_type: str | None = None,
        text: str | None = None,
        limit: int = 500,
        offset: int = 0,
        matching: int | None = None,
    ) -> list[ObservationRow]:
        """Newest first, filtered by source, type and the words of ``text`` (title or body);
        ``limit`` rows from ``offset`` (the app loads a page at a time).

        With words to match, the plan follows how many rows match (counted first, capped):
        a few (a rare word) are fetched through the full-text index and sorted; many (a
        common word) by walking the time index against the match's rowids, found once.
        ``matching``: how many match, when the caller has just counted them with the same
        filters (:meth:`count_observations_matching`, capped above :data:`FEW_MATCHES` or not at
        all), so the plan needs no count of its own.
        """
        fts = "list"
        if _fts_alone(text) is not None:
            many = (
                matching
                if matching is not None
                else self.count_observations_matching(
                    workspace,
                    source=source,
                    observation_type=observation_type,
                    text=text,
                    cap=FEW_MATCHES,
                )
            )
            fts = "list" if many > FEW_MATCHES else "driving"
        if fts == "list":
            query = _fts_alone(text)
            if query is not None:
                ids = self._newest_matching(
                    workspace, source, observation_type, text, query, offset + limit
                )
                if ids is not None:
                    return self._rows_in_order(ids[offset : offset + limit])
        joins, where, args = self._where(workspace, source, observation_type, text, fts)
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM {self._from(joins)} WHERE {where} "
            "ORDER BY o.occurred_at DESC, o.id DESC LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ).fetchall()
        return [ObservationRow(*row) for row in rows]

    def _newest_matching(
        self,
        workspace: str,
        source: str | None,
        observation_type: str | None,
        text: str | None,
        query: str,
        wanted: int,
    ) -> list[int] | None:
        """The ids of the ``wanted`` newest observations a common word matches, or None when
        the word is not common enough among the newest rows for this to pay.

        The newest rows (time index, the filters but the full-text match applied) are read a
        batch at a time and matched by an FTS5 table in memory with the mirror's tokenizer, so
        a match is decided exactly as ``observations_fts`` decides it. It costs ~45 µs a row
        tried, so it pays when most rows match: "rocket" in 149,290 of 248,808 observations
        took 53 ms through the list of all matches and ~7 ms here (bench/app_scale.py). When
        fewer than :data:`PROBE_DENSITY` of the first batch match, or :data:`PROBE_ROWS` rows
        were tried, the caller lists every match instead (its cost follows their number)."""
        _joins, where, args = self._where(workspace, source, observation_type, text, "none")
        probe = self._probe()
        found: list[int] = []
        tried = 0
        batch = PROBE_BATCH
        last: tuple[str, int] | None = None
        while len(found) < wanted:
            if tried >= PROBE_ROWS:
                return None
            if tried:  # as many rows as the density so far says are left to find, and a margin
                density = max(len(found) / tried, PROBE_DENSITY / 4)
                batch = min(PROBE_ROWS, int((wanted - len(found)) / density * 1.25) + 8)
            after, after_args = "", []
            if last is not None:
                after = " AND o.occurred_at <= ? AND (o.occurred_at < ? OR o.id < ?)"
                after_args = [last[0], last[0], last[1]]
            rows = self.conn.execute(
                f"SELECT o.id, o.occurred_at, o.title, o.content FROM observations o "
                f"WHERE {where}{after} ORDER BY o.occurred_at DESC, o.id DESC LIMIT ?",
                (*args, *after_args, batch),
            ).fetchall()
            if not rows:
                break
            probe.execute("DELETE FROM probe")
            probe.executemany(
                "INSERT INTO probe (rowid, title, content) VALUES (?, ?, ?)",
                [(row[0], row[2], row[3]) for row in rows],
            )
            hits = {row[0] for row in probe.execute("SELECT rowid FROM probe(?)", (query,))}
            if tried == 0 and len(hits) < PROBE_DENSITY * len(rows) and len(rows) == batch:
                return None
            found += [row[0] for row in rows if row[0] in hits]
            tried += len(rows)
            last = (rows[-1][1], rows[-1][0])
        return found[:wanted]

    def _probe(self) -> sqlite3.Connection:
        """An in-memory database holding one FTS5 table tokenized as ``observations_fts``
        (migration 0004), for :meth:`_newest_matching`; the mirror's own connection may be
        read-only (``query_only``), which refuses even a temporary table."""
        probe = self._probe_db
        if probe is None:
            probe = sqlite3.connect(":memory:", check_same_thread=False)
            probe.execute(
                f"CREATE VIRTUAL TABLE probe USING fts5 (title, content, tokenize='{FTS_TOKENIZE}')"
            )
            self._probe_db = probe
        return probe

    def _rows_in_order(self, ids: list[int]) -> list[ObservationRow]:
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        found = {
            row[0]: ObservationRow(*row)
            for row in self.conn.execute(
                f"SELECT {_COLUMNS} FROM observations o WHERE o.id IN ({marks})", ids
            )
        }
        return [found[i] for i in ids if i in found]

    def count_observations_matching(
        self,
        workspace: str,
        *,
        source: str | None = None,
        observation_type: str | None = None,
        text: str | None = None,
        cap: int | None = None,
    ) -> int:
        """How many observations match; with ``cap``, counting stops past it (the answer is
        then ``cap + 1``, "more than cap"), so a count never costs more than ``cap`` rows.
        A full-text match drives the count (each match looked up by rowid).

        Where the index alone counts, a capped count first counts the words as whole words
        (:func:`fts_query` with ``whole=True``): every row they match, their prefixes match
        too, so more than ``cap`` of them answer "more than cap" at once. FTS5 reads one term's
        list for a whole word and merges the lists of every term a prefix starts for a prefix:
        "rocket" (149,290 of 248,808 rows) took 1.3 ms as a word and 8 ms as a prefix
        (bench/app_scale.py "search common"). Fewer than ``cap`` count the prefixes as before."""
        query = _fts_alone(text)
        if (
            query is not None
            and not source
            and not observation_type
            and not literal_terms(text or "")
            and self._only_workspace(workspace)
        ):  # every indexed row is this workspace's: the index alone counts
            inner = "SELECT rowid FROM observations_fts WHERE observations_fts MATCH ?"
            args: list[Any] = [query]
            whole = fts_query(text or "", whole=True)
            if cap is not None and whole is not None and whole != query:
                (found,) = self.conn.execute(
                    f"SELECT count(*) FROM ({inner} LIMIT ?)", (whole, cap + 1)
                ).fetchone()
                if found > cap:
                    return cap + 1
        else:
            joins, where, args = self._where(workspace, source, observation_type, text, "driving")
            inner = f"SELECT 1 FROM {self._from(joins)} WHERE {where}"
        if cap is None:
            query, params = f"SELECT count(*) FROM ({inner})", args
        else:
            query, params = f"SELECT count(*) FROM ({inner} LIMIT ?)", [*args, cap + 1]
        row = self.conn.execute(query, params).fetchone()
        return int(row[0])

    def search_observations(
        self, workspace: str, text: str, limit: int = 100
    ) -> list[ObservationRow]:
        """Full-text search over titles and bodies (FTS5), newest first."""
        return self.find_observations(workspace, text=text, limit=limit)

    def get_observation(self, observation_id: int) -> ObservationDetail | None:
        cur = self.conn.execute("SELECT * FROM observations WHERE id = ?", (observation_id,))
        row = cur.fetchone()
        if row is None:
            return None
        data = dict(zip([c[0] for c in cur.description], row, strict=True))
        return ObservationDetail(
            id=data["id"],
            external_id=data["external_id"],
            workspace=data["workspace_id"],
            source=data["source"],
            source_type=data["source_type"],
            source_id=data["source_id"],
            observation_type=data["observation_type"],
            title=data["title"],
            content=data["content"],
            occurred_at=data["occurred_at"],
            significance=data["significance_score"],
            run_id=data["run_id"],
            actor=_loads(data["actor"], None),
            references=_loads(data["source_references"], []),
            metadata=_loads(data["metadata"], {}),
        )

    def count_older(self, workspace: str, since: str) -> int:
        """How many observations of ``workspace`` occurred before ``since`` (ISO 8601), which a
        per-day chart of the window leaves out: items created before the window and updated in
        it (a Linear issue is observed at its creation), or an earlier, deeper run's. Narrowed
        by the (workspace, occurred_at) index, then each instant compared exactly."""
        row = self.conn.execute(
            "SELECT count(*) FROM observations WHERE workspace_id = ? "
            "AND occurred_at < date(?, '+1 day') AND julianday(occurred_at) < julianday(?)",
            (workspace, since, since),
        ).fetchone()
        return int(row[0])

    def daily_counts(self, workspace: str, since: str) -> dict[str, dict[str, int]]:
        """Observations per UTC day since ``since``, per source (provider)."""
        # The text bound (a day early, for offsets) lets the (workspace, occurred_at) index
        # narrow the scan; julianday() then applies the exact instant.
        rows = self.conn.execute(
            "SELECT source, date(occurred_at) AS day, count(*) FROM observations "
            "WHERE workspace_id = ? AND occurred_at >= date(?, '-1 day') "
            "AND julianday(occurred_at) >= julianday(?) "
            "GROUP BY source, day ORDER BY source, day",
            (workspace, since, since),
        ).fetchall()
        counts: dict[str, dict[str, int]] = {}
        for source, day, count in rows:
            if day is not None:
                counts.setdefault(source, {})[day] = int(count)
        return counts
