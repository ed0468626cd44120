"""What every ``campaigns`` command shares: the consoles it prints to, the error a user can fix,
and turning a busy warehouse into that error."""

from __future__ import annotations

import sys
from types import TracebackType

import click
from rich.console import Console

from etl.messages import DEFAULT_LANGUAGE, render
from etl.warehouse import WarehouseBusy

# Where the group's ``--lang`` is kept for the commands (``click.Context.meta``).
LANG_META = "campaigns.lang"


def language() -> str:
    """The language asked with ``--lang`` (or ``CAMPAIGNS_LANG``); English outside a command."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(LANG_META, DEFAULT_LANGUAGE) if ctx is not None else DEFAULT_LANGUAGE


def say(code: str, **params: object) -> str:
    """A text of the command line (``etl/messages/cli``) in the language asked."""
    return render(code, params, language())


out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(
    stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 200
)


class UserError(click.ClickException):
    """A problem the user can fix: message, exit code 1, no traceback."""

    exit_code = 1

    def show(self, file=None) -> None:  # noqa: ARG002 - click's signature
        err.print(f"[red]Error:[/red] {self.format_message()}")


class busy:
    """Turn 'another load is running' into a user error."""

    def __enter__(self) -> busy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if isinstance(exc, WarehouseBusy):
            raise UserError(str(exc)) from None
        return False
