"""Library messages in the command line's words: a parameter a message names becomes the option that sets it.

The library speaks to Python callers and names parameters and settings as
they write them (``style_scale must be positive``, ``pass overwrite=True``,
``use device='cpu'``). On the command line the same values were typed as
options, so an error there names the option (``--style-scale must be
positive``, ``pass --force``, ``use --device cpu``).
"""

from __future__ import annotations

import re

import click

from ..errors import DreamstyleError, setting_named_by


# Library parameters the command line sets under another name.
PARAMETER_ALIASES = {"overwrite": "force"}

# ``name=value`` in a message: a value in quotes, or up to a space or punctuation.
_ASSIGNMENT = re.compile(r"\b([a-z_][a-z0-9_]*)=('[^']*'|\"[^\"]*\"|[^\s,;)]+)")


def option_for(context: click.Context, parameter: str) -> str | None:
    """The long option of ``context``'s command that sets the library parameter ``parameter``, or None."""
    name = PARAMETER_ALIASES.get(parameter, parameter)
    for param in context.command.params:
        if param.name == name and isinstance(param, click.Option):
            longest = max(param.opts, key=len)
            return longest if longest.startswith("--") else None
    return None


def in_options(message: str, context: click.Context) -> str:
    """``message`` with the parameters it names written as ``context``'s options.

    - ``name=value`` becomes ``--option value`` (``--flag`` for ``True``).
    - A message that starts with a setting's name (``tile must be ...``)
      names the option only when the option was given a value: a bad value
      from a preset or a ``--like`` file was never typed as that option.
    """

    def assignment(match: re.Match) -> str:
        option = option_for(context, match.group(1))
        if option is None:
            return match.group(0)
        value = match.group(2).strip("'\"")
        return option if value == "True" else f"{option} {value}"

    message = _ASSIGNMENT.sub(assignment, message)
    name = setting_named_by(message)
    option = option_for(context, name) if name is not None else None
    if option is not None and context.params.get(PARAMETER_ALIASES.get(name, name)) is not None:
        message = option + message[len(name):]
    return message


class Command(click.Command):
    """A dreamstyle command: errors raised by the library come out naming this command's options."""

    def invoke(self, context: click.Context):
        try:
            return super().invoke(context)
        except DreamstyleError as error:
            message = in_options(str(error), context)
            if message == str(error):
                raise
            raise type(error)(message) from None
