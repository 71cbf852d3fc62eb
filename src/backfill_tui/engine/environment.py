"""Where a run's calls go: real provider APIs, or the built-in simulator.

:class:`Environment` resolves, per provider, the base URL (``BACKFILL_*_API_URL``), the token
(environment, then keyring) and the inner transport (the network, or the simulator's
``MockTransport``), and owns the clock everything waits on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import secrets_registry
from ..clock import Clock, SystemClock, VirtualClock
from ..errors import BadValue, CredentialsMissing, UsageError
from .credentials import Credential, environment_token, keyring_status, lookup

#: How a missing token's line ends (once, however many providers lack one: engine/run.py).
SIMULATE_HINT = " (or try --simulate)"

if TYPE_CHECKING:  # httpx loads with the HTTP layer, not with the app's first frame
    import httpx

    from ..connectors import ProviderInfo
    from ..http import RetryRules
    from ..recording.fileformat import RunEnd
    from ..simulator import Simulator
    from ..simulator.config import SimulatorConfig


UNREADABLE_SETTINGS = "(settings not shown: they could not be read)"


def public_settings(text: str | None) -> str | None:
    """A ``BACKFILL_SIM`` string fit to store with a run, print in a report or keep in a recording.

    Parsed with ``SimulatorConfig.from_env_string`` and rebuilt with every secret option left out
    (``SimulatorConfig.to_env_string(secrets=False)``): whatever spelling the parser accepted
    (spaces around ``=``, quotes), the secret is gone, because nothing is matched against
    raw text. The token parsed is registered (``secrets_registry.register``) so that ``redact``
    masks it anywhere else. ``None`` stays ``None``; text the parser refuses (an old row, a
    hand-edited mirror) becomes :data:`UNREADABLE_SETTINGS`, never itself.
    """
    if text is None:
        return None
    from ..simulator.config import SimulatorConfig

    try:
        config = SimulatorConfig.from_env_string(text)
    except (ValueError, TypeError):
        return UNREADABLE_SETTINGS
    secrets_registry.register(config.token)
    return config.to_env_string(secrets=False, order=SimulatorConfig.option_names(text))


def world_settings(text: str | None) -> str | None:
    """The part of a stored ``BACKFILL_SIM`` string that decides what the simulated providers
    hold (``simulator.config.WORLD_OPTIONS``: seed, anchor, scale, repeat_cursor,
    null_last_seen, rename_team), as ``key=value`` pairs in that order, defaults left out; ``None`` for a
    live run (``None``), and the text itself when it cannot be read (it then matches only
    itself). Two simulated runs
    with equal world settings saw the same history, whatever their latency, faults or limits.
    """
    if text is None:
        return None
    from ..simulator.config import WORLD_OPTIONS, SimulatorConfig

    try:
        config = SimulatorConfig.from_env_string(text)
    except (ValueError, TypeError):
        return text
    default = SimulatorConfig()
    parts = []
    for name in WORLD_OPTIONS:
        value = getattr(config, name)
        if value != getattr(default, name):
            parts.append(f"{name}={value}")
    return ",".join(parts)


def left_out_settings(text: str | None) -> str | None:
    """The names of the secret options ``text`` (a ``BACKFILL_SIM`` string) gives, which
    :func:`public_settings` leaves out (``"token"``), comma-separated; None when none."""
    if not text:
        return None
    import dataclasses

    from ..simulator.config import SECRET_OPTIONS, SimulatorConfig

    try:
        config = SimulatorConfig.from_env_string(text)
    except (ValueError, TypeError):
        return None
    defaults = {f.name: f.default for f in dataclasses.fields(config)}
    names = [n for n in sorted(SECRET_OPTIONS) if getattr(config, n) != defaults.get(n)]
    return ",".join(names) or None


def merged_settings(base: str, given: str | None) -> str:
    """``BACKFILL_SIM`` text ``given`` over ``base`` (``SimulatorConfig.merged``): the options
    it names replace ``base``'s, the others are kept (the demo's pacing)."""
    from ..simulator.config import SimulatorConfig

    return SimulatorConfig.merged(base, given or "")


def without_token(simulator_config: str) -> str:
    """A ``BACKFILL_SIM`` string fit to store with a run: parsed, secrets left out
    (:func:`public_settings`)."""
    return public_settings(simulator_config) or ""


@dataclass
class Environment:
    clock: Clock = field(default_factory=SystemClock)
    simulator: Simulator | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    #: An inner transport to use instead of the network (recordings, tests).
    transport: httpx.AsyncBaseTransport | None = None
    #: No credential is looked up or sent: every answer comes from ``transport`` (a replay).
    offline: bool = False
    #: Wraps each inner transport, below the retry layer (``run --record`` puts its recorder here).
    wrap_transport: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None
    #: Called with a run's final status and the instant it ended (epoch seconds on
    #: :attr:`clock`, whole seconds: the ``finished_at`` stored) just before the engine stores
    #: it (its recorder seals the recording there: ``engine.recording_ends``); must not raise.
    before_run_end: Callable[[str, float], None] | None = None
    #: Retry bounds and the whole-request deadline of every call (None: ``RetryRules()``).
    retry_rules: RetryRules | None = None
    #: A replay: the recording file that answers, as (absolute path, SHA-256 hex of the file)
    #: (``Replay.environment``); a run planned here stores it, and resumes only from it.
    recording: tuple[str, str] | None = None
    #: A replay: whether its recording was of a simulated run (the header's ``simulated``).
    recording_simulated: bool = False
    #: A replay: token-shaped strings its recording masked (``RecordingHeader.masked``;
    #: None when the recording does not say).
    recording_masked: int | None = None
    #: A replay: how its recorded run ended (``RecordingHeader.end``), whose ``stops`` say after
    #: how many pages each stream the recorded run stopped must stop (``Engine._run_stream``).
    replay_end: RunEnd | None = None

    def __post_init__(self) -> None:
        """Every provider's token in ``env`` (``GITHUB_TOKEN``...; a pool's each) is masked from
        here on, before any client is opened: a run refuses it given as the workspace
        (``plan.check_request``), and the app's clear fields clear it. Registered only when a
        run opened its clients, a Vercel token with no known prefix passed as ``--workspace``,
        was stored in the mirror and printed by ``runs`` (a tester's finding)."""
        from ..connectors import CATALOG

        secrets_registry.register_variables(self.env, (e.token_env for e in CATALOG.values()))

    @classmethod
    def create(
        cls,
        *,
        simulate: bool,
        simulator_config: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Environment:
        environ = dict(os.environ if env is None else env)
        if not simulate:
            return cls(env=environ)
        from ..simulator import Simulator, SimulatorConfig

        text = simulator_config if simulator_config is not None else environ.get("BACKFILL_SIM", "")
        try:
            config = SimulatorConfig.from_env_string(text)
        except ValueError as exc:
            raise UsageError(f"BACKFILL_SIM: {exc}") from None
        secrets_registry.register(config.token)  # masked in logs and messages from now on
        clock: Clock = VirtualClock() if config.clock == "virtual" else SystemClock()
        return cls(clock=clock, simulator=Simulator(config, clock), env=environ)

    @classmethod
    def replaying(
        cls,
        transport: httpx.AsyncBaseTransport,
        *,
        start: float,
        base_urls: Mapping[str, str],
        clock: VirtualClock | None = None,
    ) -> Environment:
        """Offline: ``transport`` answers every call, on a virtual clock from ``start``
        (``clock``, if given: one the transport also moves).

        ``base_urls`` maps ``BACKFILL_*_API_URL`` names to the URLs the recorded run used; no
        other variable (and so no token) is read.
        """
        return cls(
            clock=clock if clock is not None else VirtualClock(start),
            env=dict(base_urls),
            transport=transport,
            offline=True,
        )

    @property
    def simulated(self) -> bool:
        return self.simulator is not None

    @property
    def simulator_wants_token(self) -> bool:
        """Whether the simulator answers only calls carrying one token (``BACKFILL_SIM
        token=…``; else 401), which a simulated run sends from the provider's variable."""
        return self.simulator is not None and self.simulator.config.token is not None

    def base_url(self, info: ProviderInfo) -> str:
        """The API base URL of ``info``'s provider (its ``BACKFILL_*_API_URL``, else its
        default), checked (:func:`checked_base_url`)."""
        return checked_base_url(info, self.env.get(info.base_url_env, ""))

    def credential(self, info: ProviderInfo) -> Credential | None:
        if self.offline:
            return None
        if self.simulated:
            # The simulator needs no account; a token in the environment is still sent, so that
            # token handling is exercised exactly as on a real run.
            value = environment_token(info.token_env, self.env)
            if not value and self.simulator is not None:  # BACKFILL_SIM tokens=N (N > 1)
                issued = self.simulator.issued_tokens(info.name)
                for token in issued:
                    secrets_registry.register(token)
                if issued:
                    return Credential(" ".join(issued), "simulator")
            if not value and self.simulator_wants_token:
                # Every call would be a 401: refused before anything starts, as a live run
                # without a token is. ctrl+s started such a run and every stream failed as
                # "rejected … replace the token", though none was sent (a fresh tester's finding).
                raise CredentialsMissing(
                    f"no {info.label} token: the simulator expects a token (BACKFILL_SIM token=…); "
                    f"set {info.token_env}"
                )
            if not value:
                return None
            secrets_registry.register(value)
            return Credential(value, "environment")
        found = lookup(info.name, info.token_env, self.env)
        if found is None:
            # `auth set` only where a keyring can keep it (else it exits 2: a tester's finding)
            keyring = (
                f" or run `backfill-tui auth set {info.name}`" if keyring_status() is None else ""
            )
            raise CredentialsMissing(
                f"no {info.label} token: set {info.token_env}{keyring}{SIMULATE_HINT}"
            )
        return found

    def inner_transport(self) -> httpx.AsyncBaseTransport:
        inner = self._base_transport()
        return self.wrap_transport(inner) if self.wrap_transport is not None else inner

    def _base_transport(self) -> httpx.AsyncBaseTransport:
        if self.transport is not None:
            return self.transport
        if self.simulator is not None:
            return self.simulator.transport
        import httpx

        return httpx.AsyncHTTPTransport(retries=0)

    def portable(self) -> PortableEnvironment | None:
        """This environment as plain data another process can rebuild it from (the app's run
        process, ``engine.process``), or None when it cannot be: an inner transport of its own
        (a replay, a test's), a wrapped one (``--record``), or a clock other than the system's or
        a plain virtual one. The result holds credentials (the simulator's token, token
        variables in ``env``): it crosses a pipe to a child, never a file or a log."""
        if self.transport is not None or self.wrap_transport is not None:
            return None
        if self.offline or self.recording is not None:
            return None
        if type(self.clock) is VirtualClock:
            clock_start: float | None = self.clock.now()
        elif type(self.clock) is SystemClock:
            clock_start = None
        else:
            return None
        config = None
        if self.simulator is not None:
            if self.simulator.clock is not self.clock:
                return None
            from dataclasses import replace
            from datetime import UTC, datetime

            # The same world: its history is anchored where this simulator's is, not at the
            # child's own "today" (the connect screen's estimate came from this one).
            anchor = datetime.fromtimestamp(self.simulator.anchor, UTC)
            config = replace(self.simulator.config, anchor=anchor)
        return PortableEnvironment(config, dict(self.env), clock_start, self.retry_rules)


@dataclass(frozen=True)
class PortableEnvironment:
    """An :class:`Environment` as picklable data (:meth:`Environment.portable`).

    ``simulator``: the simulator's whole config (``SimulatorConfig``, token included; its
    ``anchor`` fixed), or None for the real APIs. ``env``: the variables the environment reads
    (base URLs, token variables). ``clock_start``: a virtual clock's "now" (epoch seconds), or
    None for the system clock. ``retry_rules``: as the environment had them.
    """

    simulator: SimulatorConfig | None
    env: dict[str, str]
    clock_start: float | None
    retry_rules: RetryRules | None = None

    def build(self) -> Environment:
        """The environment again, in this process: its own clock and, for a simulated one, its
        own simulator of the same world (same seed, anchor and settings); the simulator's token
        is registered with ``secrets_registry`` here too."""
        clock: Clock = SystemClock() if self.clock_start is None else VirtualClock(self.clock_start)
        simulator = None
        if self.simulator is not None:
            from ..simulator import Simulator

            secrets_registry.register(self.simulator.token)
            simulator = Simulator(self.simulator, clock)
        return Environment(
            clock=clock, simulator=simulator, env=dict(self.env), retry_rules=self.retry_rules
        )


def checked_base_url(info: ProviderInfo, text: str) -> str:
    """``text`` (the default base URL when blank) as ``info``'s provider's API base URL, without
    its trailing slash; :class:`BadValue` naming ``info.base_url_env`` when it is not an
    http(s) URL, holds a user name or password, or is plain http to another machine.

    A base ending in what every request's path begins with (``info.request_prefix``: Sentry's
    ``/api/0``, as provider-apis.md writes its base, ``https://sentry.io/api/0/``) is taken
    without it, and one ending twice in ``info.base_suffix`` (GitHub Enterprise's ``/api/v3``)
    with it once: no server answers ``/api/0/api/0/...``, so the reading is unambiguous (a
    tester's ``…/api/0`` asked ``/api/0/api/0/projects/…``, had a 404 and was told to check
    the source's name)."""
    import httpx

    url = text.strip() or info.default_base_url
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:  # a port out of range, an unclosed '[' of an IPv6 host
        parsed = httpx.URL("invalid:")
    if parsed.scheme not in ("http", "https") or not parsed.host or (parsed.port or 0) > 65535:
        shown = secrets_registry.without_userinfo(url)  # a password in the URL is never echoed
        raise BadValue(
            f"{info.base_url_env}={shown!r} is not an http(s) URL; fix or unset it",
            field=info.base_url_env,
            fault="is not an http(s) URL",
        )
    if parsed.scheme == "http" and not secrets_registry.is_loopback_host(parsed.host):
        # The token goes in every request's header: over plain http to another machine it
        # crosses the network readable; it was taken without a word (a tester's finding).
        raise BadValue(
            f"{info.base_url_env} is plain http to {parsed.host}: the token would cross the "
            "network unencrypted; use https (plain http is for this machine only)",
            field=info.base_url_env,
            fault=f"is plain http to another machine ({parsed.host})",
        )
    if parsed.userinfo:
        # httpx sends them as Basic auth beside the token, and they were kept in clear in the
        # mirror's stored request URLs (a fresh tester's finding); never echoed here.
        raise BadValue(
            f"{info.base_url_env} holds a user name or password (not shown); give the URL "
            f"without them: the token goes in {info.token_env}",
            field=info.base_url_env,
            fault="holds a user name or password",
        )
    if parsed.query or parsed.fragment or url.rstrip().endswith(("?", "#")):
        # Each request's path is put after the base: "…/api/0?x=1" asked "/?x=1/api/0/…" and
        # ended "check the source's name" (a tester's finding).
        shown = secrets_registry.without_userinfo(url)
        raise BadValue(
            f"{info.base_url_env}={shown!r} has a query or a fragment ('?' or '#'); a base URL is "
            "a scheme, a host and a path: remove them",
            field=info.base_url_env,
            fault="has a query or a fragment",
        )
    return _without_doubled_path(info, url.rstrip("/"))


def _without_doubled_path(info: ProviderInfo, url: str) -> str:
    """``url`` without a trailing ``info.request_prefix``, and with a doubled trailing
    ``info.base_suffix`` once (``checked_base_url``); any query or fragment left as it was."""
    import httpx

    parsed = httpx.URL(url)
    path = parsed.path.rstrip("/")
    doubled = info.base_suffix * 2
    while True:
        if info.request_prefix and path.lower().endswith(info.request_prefix.lower()):
            path = path[: -len(info.request_prefix)].rstrip("/")
        elif doubled and path.lower().endswith(doubled.lower()):
            path = path[: -len(info.base_suffix)]
        else:
            break
    if path == parsed.path.rstrip("/"):
        return url
    return str(parsed.copy_with(path=path or "/")).rstrip("/")
