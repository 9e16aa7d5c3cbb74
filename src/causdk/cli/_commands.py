"""The commands. Errors print as one line each; the exit codes are in ``causdk.cli``."""

from __future__ import annotations

import functools
import getpass
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, TypeVar

import click

from causdk._redact import RedactingFilter
from causdk.cli import EXIT_DECLINED, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from causdk.cli._output import Output, format_options, output_format
from causdk.cli._render import (
    ca_record,
    ca_row,
    dry_run_verdict,
    error_fields,
    error_line,
    outcome_record,
    outcome_row,
    short_error,
)
from causdk.client import CARevoker, RevokeManyInterrupted
from causdk.errors import CausdkError, ConfigurationError, ValidationError
from causdk.models import CAStatus, CertificateAuthority, RevocationOutcome, RevocationReason
from causdk.providers import revoker_class
from causdk.settings import ClientSettings

F = TypeVar("F", bound=Callable[..., Any])

PROVIDERS = click.Choice(["alibaba", "huawei"], case_sensitive=False)
REASONS = click.Choice([r.value for r in RevocationReason], case_sensitive=False)
STATUSES = click.Choice([s.value for s in CAStatus if s is not CAStatus.UNKNOWN])


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def connection_options(command: F) -> F:
    """Options every command that talks to a cloud takes."""
    options = [
        click.option("--region", help="Region id, e.g. cn-hangzhou or cn-north-4."),
        click.option("--endpoint", help="Endpoint URL (overrides --region), e.g. the emulator's."),
        click.option("--profile", help="Alibaba credentials profile (file or aliyun CLI)."),
        click.option("--account-id", help="Alibaba account whose 10 QPS the keys share."),
        click.option(
            "--redis",
            "redis_url",
            metavar="URL",
            help="Share the account's rate limit through Redis (or CAUSDK_RATE_LIMIT_REDIS_URL).",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=15.0,
            show_default=True,
            help="Seconds to wait for each answer.",
        ),
        click.option(
            "--ask-secret",
            is_flag=True,
            help="Prompt for the credentials (hidden) instead of the environment.",
        ),
        click.option("-v", "--verbose", count=True, help="Log each call (-vv: each attempt)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _configure_logging(verbosity: int) -> None:
    if verbosity <= 0:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("causdk")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)


def _prompted_credentials(provider: str) -> dict[str, str]:
    """Secrets from a hidden prompt: never a command-line argument, never echoed."""
    if not stdin_is_terminal():
        raise ConfigurationError("--ask-secret needs a terminal to prompt on")
    if provider == "alibaba":
        key_id = click.prompt("AccessKey id", err=True)
        return {"access_key_id": key_id, "access_key_secret": getpass.getpass("AccessKey secret: ")}
    return {"token": getpass.getpass("X-Auth-Token: ")}


def open_revoker(provider: str, options: dict[str, Any]) -> CARevoker:
    _configure_logging(options.pop("verbose"))
    timeout = options.pop("timeout")
    settings = ClientSettings(
        read_timeout=timeout,
        connect_timeout=min(timeout, 5.0),
        deadline=max(60.0, 4 * timeout),
        rate_limit_redis_url=options.pop("redis_url") or None,
    )
    kwargs: dict[str, Any] = {"settings": settings}
    for name in ("region", "endpoint"):
        if options.get(name):
            kwargs[name] = options[name]
    for name in ("profile", "account_id"):
        if options.get(name):
            if provider != "alibaba":
                raise click.UsageError(f"--{name.replace('_', '-')} applies to alibaba only")
            kwargs[name] = options[name]
    if options.get("ask_secret"):
        kwargs.update(_prompted_credentials(provider))
    # The provider is a run-time name here: the registry's class takes the options untyped.
    revoker: CARevoker = revoker_class(provider, asynchronous=False)(**kwargs)
    try:
        # Credentials a service hands out (STS, metadata) are fetched now: a missing or refused
        # source is one line and exit 2 up front, not an error on every CA.
        revoker.whoami()
    except BaseException:
        revoker.close()
        raise
    return revoker


def handle_errors(command: F) -> F:
    """A CausdkError becomes one line on stderr and an exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ConfigurationError, ValidationError) as error:
            click.echo(f"error: {error_line(error)}", err=True)
            sys.exit(EXIT_USAGE)
        except CausdkError as error:
            click.echo(f"error: {short_error(error)}", err=True)
            sys.exit(EXIT_FAILED)

    return wrapper  # type: ignore[return-value]


def read_ids(ids: Iterable[str], source: IO[str] | None) -> list[str]:
    """Ids from the arguments and a file (one per line; blank lines and # comments skipped)."""
    collected = [i.strip() for i in ids]
    if source is not None:
        try:
            for line in source:
                text = line.split("#", 1)[0].strip()
                if text:
                    collected.append(text)
        except UnicodeDecodeError:
            raise ValidationError("the --from-file input is not UTF-8 text.") from None
        except OSError as exc:
            raise ValidationError(f"the --from-file input cannot be read: {exc}.") from None
    return collected


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="causdk", prog_name="causdk")
def cli() -> None:
    """Revoke private certificate authorities on Alibaba Cloud and Huawei Cloud.

    Credentials come from the environment and the providers' files, as in the SDK (see the
    README); secrets are never taken as arguments (use --ask-secret for a hidden prompt).
    Exit codes: 0 all succeeded; 1 some CA failed; 2 usage or configuration error; 3 the
    confirmation was declined (nothing was sent); 130 interrupted (Ctrl-C: what settled, what is
    unsettled and what was not attempted is listed). --json prints JSON Lines, one object per
    CA; --json-array prints one JSON array.
    """


@cli.command()
@click.argument("provider", type=PROVIDERS)
@click.argument("ca_ids", nargs=-1)
@click.option(
    "--reason", type=REASONS, help="Revocation reason (Huawei sends it; Alibaba takes none)."
)
@click.option(
    "--from-file", "source", type=click.File("r"), help="Read CA ids from FILE, or - for stdin."
)
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True)
@click.option(
    "--dry-run", is_flag=True, help="Read each CA and say what would happen; change nothing."
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--journal",
    type=click.Path(dir_okay=False),
    help="Record the job in FILE; run the same command with it again to resume the job.",
)
@format_options
@connection_options
@handle_errors
def revoke(
    provider: str,
    ca_ids: tuple[str, ...],
    reason: str | None,
    source: IO[str] | None,
    concurrency: int,
    dry_run: bool,
    yes: bool,
    journal: str | None,
    json_lines: bool,
    json_array: bool,
    **options: Any,
) -> None:
    """Revoke CAs. Irreversible: a revoked CA issues nothing more, and what it issued is invalid."""
    fmt = output_format(json_lines, json_array)
    ids = read_ids(ca_ids, source)
    if not ids:
        raise click.UsageError("give at least one CA id, or --from-file")
    with open_revoker(provider, options) as revoker:
        ids = revoker.validate_ids(ids)  # every id checked before anything is sent
        if dry_run:
            sys.exit(_dry_run(revoker, ids, concurrency, Output(fmt, DRY_RUN_HEADERS)))
        if not yes:
            _confirm(provider, ids, reading_ids_from_stdin=source is sys.stdin)
        if journal:
            click.echo(
                f"journal: {journal} (if this run stops, run the same command again to resume)",
                err=True,
            )
        try:
            outcomes = _revoke_with_progress(revoker, ids, reason, concurrency, journal)
        except RevokeManyInterrupted as stop:
            _report(stop.outcomes, Output(fmt, REVOKE_HEADERS))
            _report_interrupted(stop)
            sys.exit(EXIT_INTERRUPTED)
    failed = _report(outcomes, Output(fmt, REVOKE_HEADERS))
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


REVOKE_HEADERS = ("CA", "result", "tries", "request id", "detail")
DRY_RUN_HEADERS = ("CA", "status", "dry run: nothing changed")
CA_HEADERS = ("CA", "kind", "status", "expires", "name")


def _report(outcomes: list[RevocationOutcome], out: Output) -> int:
    """The records of what settled; each failure on stderr. Returns the failures."""
    failed = [o for o in outcomes if not o.ok]
    for outcome in outcomes:
        out.add(outcome_record(outcome), outcome_row(outcome))
    out.close(f"{len(outcomes) - len(failed)} revoked, {len(failed)} failed")
    for outcome in failed:
        click.echo(f"failed: {outcome.ca_id}: {short_error(outcome.error)}", err=True)  # type: ignore[arg-type]
    return len(failed)


def _report_interrupted(stop: RevokeManyInterrupted) -> None:
    click.echo(f"{stop}. Nothing more was sent.", err=True)
    for ca_id in stop.unsettled:
        click.echo(f"unsettled (sent, no answer yet; check its status): {ca_id}", err=True)
    for ca_id in stop.not_attempted:
        click.echo(f"not attempted: {ca_id}", err=True)


def _confirm(provider: str, ids: list[str], *, reading_ids_from_stdin: bool) -> None:
    if reading_ids_from_stdin or not stdin_is_terminal():
        click.echo(
            "error: refusing to ask for confirmation without a terminal; pass --yes.", err=True
        )
        sys.exit(EXIT_USAGE)
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    click.echo(f"About to revoke {len(ids)} CA(s) on {provider}: {shown}", err=True)
    if not click.confirm("Revocation cannot be undone. Proceed?", default=False, err=True):
        click.echo("declined: nothing was sent.", err=True)
        sys.exit(EXIT_DECLINED)


def _revoke_with_progress(
    revoker: CARevoker, ids: list[str], reason: str | None, concurrency: int, journal: str | None
) -> list[RevocationOutcome]:
    lock = threading.Lock()
    show = sys.stderr.isatty()
    with click.progressbar(
        length=len(ids), label="revoking", file=sys.stderr, hidden=not show
    ) as bar:

        def tick(_outcome: RevocationOutcome) -> None:
            with lock:
                bar.update(1)

        if journal is None:
            return revoker.revoke_many(ids, reason=reason, concurrency=concurrency, on_outcome=tick)
        return revoker.revoke_many(
            ids, reason=reason, concurrency=concurrency, on_outcome=tick, journal=journal
        )


def _read_all(
    revoker: CARevoker, ids: list[str], concurrency: int
) -> list[CertificateAuthority | CausdkError]:
    def read(ca_id: str) -> CertificateAuthority | CausdkError:
        try:
            return revoker.get(ca_id)
        except CausdkError as error:
            return error

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(read, ids))


def _dry_run(revoker: CARevoker, ids: list[str], concurrency: int, out: Output) -> int:
    blocked = 0
    for ca_id, found in zip(ids, _read_all(revoker, ids, concurrency), strict=True):
        if isinstance(found, CausdkError):
            ok, verdict, status = False, short_error(found), "-"
        else:
            ok, verdict = dry_run_verdict(found, revoker.capabilities)
            status = f"{found.status.value} ({found.raw_status})"
        blocked += not ok
        record = {"ca_id": ca_id, "dry_run": True, "would_revoke": ok, "status": status,
                  "verdict": verdict}  # fmt: skip
        out.add(record, [ca_id, status, verdict])
    out.close(f"{len(ids) - blocked} would be revoked, {blocked} would fail")
    return EXIT_FAILED if blocked else EXIT_OK


@cli.command()
@click.argument("provider", type=PROVIDERS)
@click.argument("ca_ids", nargs=-1, required=True)
@format_options
@connection_options
@handle_errors
def status(
    provider: str, ca_ids: tuple[str, ...], json_lines: bool, json_array: bool, **options: Any
) -> None:
    """Show CAs' status."""
    out = Output(output_format(json_lines, json_array), CA_HEADERS)
    with open_revoker(provider, options) as revoker:
        ids = revoker.validate_ids(ca_ids)
        found = _read_all(revoker, ids, 8)
    failed = 0
    for ca_id, item in zip(ids, found, strict=True):
        if isinstance(item, CausdkError):
            failed += 1
            record = {"ca_id": ca_id, "error": error_fields(item)}
            out.add(record, [ca_id, "-", "ERROR", "-", short_error(item)])
        else:
            out.add(ca_record(item), ca_row(item))
    out.close()
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


@cli.command(name="list")
@click.argument("provider", type=PROVIDERS)
@click.option("--status", "wanted", type=STATUSES, help="Only CAs in this status.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many CAs.")
@format_options
@connection_options
@handle_errors
def list_cas(
    provider: str,
    wanted: str | None,
    limit: int | None,
    json_lines: bool,
    json_array: bool,
    **options: Any,
) -> None:
    """List CAs, a page at a time."""
    out = Output(output_format(json_lines, json_array), CA_HEADERS)
    with open_revoker(provider, options) as revoker:
        status = CAStatus(wanted) if wanted else None
        for count, ca in enumerate(revoker.list(status=status), start=1):
            out.add(ca_record(ca), ca_row(ca))
            if limit is not None and count >= limit:
                break
    out.close()


@cli.command()
@click.argument("provider", type=PROVIDERS)
@format_options
@connection_options
@handle_errors
def whoami(provider: str, json_lines: bool, json_array: bool, **options: Any) -> None:
    """Show the region, endpoint, credential source and expiry (never a secret).

    Credentials that a service hands out (STS, instance metadata) are fetched first, so this
    also proves the source works.
    """
    out = Output(output_format(json_lines, json_array), ("FIELD", "VALUE"))
    with open_revoker(provider, options) as revoker:
        info = revoker.whoami()
    record = info.model_dump(mode="json")
    if out.is_table:
        expiry = info.expires_at.isoformat() if info.expires_at else "does not expire"
        rows = [("provider", info.provider.value), ("region", info.region or "-"),
                ("endpoint", info.endpoint), ("credential source", info.credential_source),
                ("expires", expiry), ("rate-limit account", info.account)]  # fmt: skip
        for row in rows:
            out.add(record, row)
    else:
        out.add(record, ())
    out.close()


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8999, show_default=True)
@click.option("--no-rate-limit", is_flag=True, help="Lift Alibaba's 10 requests per second.")
@click.option("--subordinates", type=click.IntRange(min=0), default=0, help="Extra CAs per cloud.")
def emulator(port: int, no_rate_limit: bool, subordinates: int) -> None:
    """Run the local emulator of both clouds in the foreground (Ctrl-C stops it)."""
    from causdk.testing.__main__ import serve

    serve(port=port, rate_limit=None if no_rate_limit else 10, subordinates=subordinates)
