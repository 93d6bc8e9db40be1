"""Library messages in the command line's words: a parameter a message names becomes the option that sets it.

The library speaks to Python callers and names parameters and settings as
they write them (``style_scale must be positive``, ``pass overwrite=True``,
``use device='cpu'``). On the command line the same values were typed as
options, so an error there names the option (``--style-scale must be
positive``, ``pass --force``, ``use --device cpu``).
"""

from __future__ import annotations

import click

from ..errors import Assignment, DreamstyleError, Setting

# Library parameters the command line sets under another name.
PARAMETER_ALIASES = {"overwrite": "force"}


def option_for(context: click.Context, parameter: str) -> str | None:
    """The long option of ``context``'s command that sets the library parameter ``parameter``, or None."""
    name = PARAMETER_ALIASES.get(parameter, parameter)
    for param in context.command.params:
        if param.name == name and isinstance(param, click.Option):
            longest = max(param.opts, key=len)
            return longest if longest.startswith("--") else None
    return None


def in_options(error: DreamstyleError, context: click.Context) -> str:
    """``error``'s message with the settings it names written as ``context``'s options.

    - An :class:`Assignment` (``overwrite=True``) becomes ``--option value``
      (``--flag`` for ``True``).
    - A :class:`Setting` (``tile`` in ``tile must be ...``) becomes its
      option only when the option was given a value: a bad value from a
      preset or a ``--like`` file was never typed as that option.
    """

    def word(part: str | Assignment) -> str:
        if isinstance(part, Assignment):
            option = option_for(context, part.setting)
            if option is None:
                return str(part)
            return option if part.value is True else f"{option} {part.value}"
        if isinstance(part, Setting) and context.params.get(PARAMETER_ALIASES.get(part, part)) is not None:
            return option_for(context, part) or part
        return part

    return error.worded(word)


class Command(click.Command):
    """A dreamstyle command: errors raised by the library come out naming this command's options."""

    def invoke(self, context: click.Context):
        try:
            return super().invoke(context)
        except DreamstyleError as error:
            message = in_options(error, context)
            if message == str(error):
                raise
            raise type(error)(message, setting=error.setting) from None
