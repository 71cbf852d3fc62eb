"""The GraphQL documents the Linear connector sends, and their complexity estimate.

Each stream is one Relay-paged root connection (``issues``, ``comments``, ``projects``) filtered
to the team and to ``updatedAt >= cutoff``, ordered by ``updatedAt`` with archived items
included, 100 nodes a page. Every nested connection names its own ``first``: Linear charges an
unbounded nested connection as 50 items and rejects any query above 10,000 points
(provider-apis.md §3.5), so :func:`complexity` applies those documented rules to a document
and the tests keep every query well under the cap. The selections carry exactly what
production's webhook transformers read (``linear_transform``).
"""

from __future__ import annotations

import math

from gql import gql
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

__all__ = [
    "COMMENTS",
    "COMMENTS_BY_ID",
    "COMPLEXITY_CAP",
    "ISSUES",
    "ISSUES_BY_ID",
    "PAGE_SIZE",
    "PROJECTS",
    "PROJECTS_BY_ID",
    "QUERIES",
    "QUERIES_BY_ID",
    "TEAM",
    "TEAM_BY_ID",
    "complexity",
]

PAGE_SIZE = 100
COMPLEXITY_CAP = 10_000
#: Linear's size for a connection without ``first``/``last``.
DEFAULT_CONNECTION_SIZE = 50

_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
_USER = "id name displayName email avatarUrl"

TEAM = gql(
    """
    query Team($key: String!) {
      teams(filter: {key: {eq: $key}}, first: 1) {
        nodes { id key name organization { id } }
      }
    }
    """
)

#: The team by its id, whatever its key is now: asked when a list filtered on the key comes
#: back empty after a page that said more follow (``LinearConnector.key_renamed``).
TEAM_BY_ID = gql(
    """
    query TeamById($id: ID!) {
      teams(filter: {id: {eq: $id}}, first: 1) {
        nodes { id key name organization { id } }
      }
    }
    """
)

# Labels and attachments are capped (25, 10) to keep a 100-issue page near 5,000 points; an
# issue with more labels than that is rare, and production's webhook carries them all.
_ISSUES = f"""
    query Issues($team: String!, $cutoff: DateTimeOrDuration!, $after: String) {{
      issues(
        filter: {{team: {{key: {{eq: $team}}}}, updatedAt: {{gte: $cutoff}}}}
        orderBy: updatedAt
        includeArchived: true
        first: {PAGE_SIZE}
        after: $after
      ) {{
        nodes {{
          id identifier number title description url branchName
          priority priorityLabel estimate dueDate
          createdAt updatedAt startedAt completedAt canceledAt archivedAt
          team {{ id key name }}
          state {{ id name type }}
          creator {{ {_USER} }}
          assignee {{ {_USER} }}
          project {{ id name url }}
          cycle {{ id name number }}
          labels(first: 25) {{ nodes {{ name }} }}
          attachments(first: 10) {{ nodes {{ sourceType url metadata }} }}
        }}
        {_PAGE_INFO}
      }}
    }}
    """

_COMMENTS = f"""
    query Comments($team: String!, $cutoff: DateTimeOrDuration!, $after: String) {{
      comments(
        filter: {{issue: {{team: {{key: {{eq: $team}}}}}}, updatedAt: {{gte: $cutoff}}}}
        orderBy: updatedAt
        includeArchived: true
        first: {PAGE_SIZE}
        after: $after
      ) {{
        nodes {{
          id body url createdAt updatedAt editedAt archivedAt
          user {{ {_USER} }}
          parent {{ id }}
          issue {{ id identifier title url team {{ id key name }} }}
        }}
        {_PAGE_INFO}
      }}
    }}
    """

# ``status { type }`` replaces the deprecated ``state`` string (same values).
_PROJECTS = f"""
    query Projects($team: String!, $cutoff: DateTimeOrDuration!, $after: String) {{
      projects(
        filter: {{accessibleTeams: {{some: {{key: {{eq: $team}}}}}}, updatedAt: {{gte: $cutoff}}}}
        orderBy: updatedAt
        includeArchived: true
        first: {PAGE_SIZE}
        after: $after
      ) {{
        nodes {{
          id name slugId description url progress scope
          targetDate startDate createdAt updatedAt startedAt completedAt canceledAt archivedAt
          status {{ type }}
          lead {{ {_USER} }}
          teams(first: 10) {{ nodes {{ id key name }} }}
          members(first: 25) {{ nodes {{ id }} }}
        }}
        {_PAGE_INFO}
      }}
    }}
    """


def _by_id(text: str) -> str:
    """``text`` filtered on the team's id rather than its key: ``$team: ID!`` and
    ``{id: {eq: $team}}`` where it had ``String!`` and ``{key: {eq: $team}}``."""
    for old in ("$team: String!", "key: {eq: $team}"):
        if text.count(old) != 1:
            raise AssertionError(f"a list query should name {old!r} once")
    return text.replace("$team: String!", "$team: ID!").replace(
        "key: {eq: $team}", "id: {eq: $team}"
    )


ISSUES, ISSUES_BY_ID = gql(_ISSUES), gql(_by_id(_ISSUES))
COMMENTS, COMMENTS_BY_ID = gql(_COMMENTS), gql(_by_id(_COMMENTS))
PROJECTS, PROJECTS_BY_ID = gql(_PROJECTS), gql(_by_id(_PROJECTS))

#: The paged query of each stream, and the root field its answer sits under. The lists filter
#: on the team key the user gave, so that their first page can go out beside the team lookup.
QUERIES = {
    "issue": (ISSUES, "issues"),
    "comment": (COMMENTS, "comments"),
    "project": (PROJECTS, "projects"),
}
#: The same lists filtered on the team's id (``TeamFilter.id``), asked once the key was found
#: renamed mid-run: a key filter then matches nothing (``LinearStream``).
QUERIES_BY_ID = {
    "issue": ISSUES_BY_ID,
    "comment": COMMENTS_BY_ID,
    "project": PROJECTS_BY_ID,
}


def complexity(document: DocumentNode) -> int:
    """Linear's complexity estimate of a document's operations (the largest one).

    The documented rules: a property costs 0.1, an object 1, and a connection multiplies the
    cost of what it selects by its ``first``/``last`` (50 when neither is given); the total is
    rounded up. A field is an object when it has a selection, a connection when it takes
    ``first``/``last`` or selects ``nodes``/``edges``.
    """
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    costs = [
        _selection_cost(d.selection_set, fragments)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    return math.ceil(round(max(costs, default=0.0), 6))


def _selection_cost(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> float:
    total = 0.0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += _field_cost(selection, fragments)
        elif isinstance(selection, InlineFragmentNode):
            total += _selection_cost(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                total += _selection_cost(fragment.selection_set, fragments)
    return total


def _field_cost(field: FieldNode, fragments: dict[str, FragmentDefinitionNode]) -> float:
    if field.selection_set is None:
        return 0.1
    children = _selection_cost(field.selection_set, fragments)
    size = _page_size(field)
    if size is not None:
        return size * children
    return 1.0 + children


def _page_size(field: FieldNode) -> int | None:
    """The multiplier of a connection field, or None for a plain object."""
    args = {a.name.value: a.value for a in field.arguments or ()}
    for name in ("first", "last"):
        value = args.get(name)
        if isinstance(value, IntValueNode):
            return int(value.value)
        if value is not None:  # a variable: Linear cannot know it, nor can we
            return DEFAULT_CONNECTION_SIZE
    selected = (
        {s.name.value for s in field.selection_set.selections if isinstance(s, FieldNode)}
        if field.selection_set
        else set()
    )
    if selected & {"nodes", "edges"}:
        return DEFAULT_CONNECTION_SIZE
    return None
