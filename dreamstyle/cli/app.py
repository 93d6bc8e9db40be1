"""The ``dreamstyle`` command group and how it reports mistakes."""

from __future__ import annotations

import contextlib
import importlib
import shlex
import signal
import sys
import threading
from collections.abc import Iterator

import click

from ..errors import DreamstyleError
from ..version import __version__

# Said by a run that can be continued by running the same command again.
CONTINUES = "the same command continues from there"

# Each command, where it lives and the line ``dreamstyle --help`` shows of it. A command's module is imported
# only when the command runs or shows its own help: most import torch, which takes seconds, and neither
# ``--help`` nor ``--version`` needs it. Each command takes its short help from here.
COMMANDS = {
    "activations": ("activations", "Show the strongest activation maps of one layer for IMAGE."),
    "assemble": ("assemble", "Join frames folders made with --shard K/N into one clip."),
    "atlas": ("atlas", "Draw what each channel of a layer responds to, as a sheet."),
    "dream": ("dream", "DeepDream INPUT: amplify what VGG19's layers see in it."),
    "layers": ("info", "List every layer: name, channels, stride and receptive field."),
    "presets": ("presets", "List the built-in presets, or show them on a photo (--sheet)."),
    "studio": ("studio", "Serve the dreamstyle studio: a local web page to work in, live."),
    "styles": ("styles", "Show PHOTO in each of the 26 built-in instant styles."),
    "transfer": ("transfer", "Paint CONTENT in the style of STYLES (one or more images)."),
    "weights": ("info", "List the weight sets and whether each is usable here."),
}


def short_help(name: str) -> str:
    """The line ``dreamstyle --help`` shows of the command ``name``."""
    return COMMANDS[name][1]

EXAMPLES = """\b
Examples:
  dreamstyle dream photo.jpg                  # DeepDream -> photo_dream.png
  dreamstyle dream photo.jpg --preset deep --size 1024 --seed 7
  dreamstyle transfer photo.jpg style.jpg     # style transfer -> photo_style.png
  dreamstyle atlas --layer relu4_2 --channels 0-15
  dreamstyle presets                          # the built-in looks
  dreamstyle transfer photo.jpg style.jpg --preset instant   # a painting in about a second
  dreamstyle styles photo.jpg                 # the 26 built-in instant styles on your photo
  dreamstyle activations photo.jpg            # what VGG19's relu3_1 sees in a photo
  dreamstyle layers                           # layer names, channels and strides
  dreamstyle weights                          # weight sets and whether they are usable here
  dreamstyle studio                           # a local web page to do all of it, live
"""


class DreamstyleGroup(click.Group):
    """A click group whose user errors are one ``Error: ...`` line and a non-zero exit.

    Click's own usage errors print the usage block first; dreamstyle users get
    the one line that says what is wrong and where to look. Interrupts exit 130
    (SIGTERM 143) after what was finished has been kept (outputs are written
    atomically, and a single image's picture so far is written as its output).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return _command(name) if name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their lines from :data:`COMMANDS`, importing none of them."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, short_help(name)) for name in self.list_commands(ctx)])

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            with _sigterm_as_interrupt():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx is not None else ""
            _fail(f"{error.format_message()}{hint}", error.exit_code)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except DreamstyleError as error:
            _fail(str(error), 1)
        except (click.Abort, KeyboardInterrupt) as error:
            # click turns an interrupt into Abort, keeping the interrupt as its cause.
            interrupt = error if isinstance(error, KeyboardInterrupt) else error.__cause__
            terminated = isinstance(interrupt, Terminated)
            click.echo(f"\n{'Terminated' if terminated else 'Interrupted'}; "
                       f"{interruption_report(interrupt, args if args is not None else sys.argv[1:])}", err=True)
            sys.exit(128 + signal.SIGTERM if terminated else 130)
        except Exception as error:  # after click.Abort, which is a RuntimeError
            if not _out_of_memory(error):
                raise
            _fail(out_of_memory_message(error), 1)
        sys.exit(code if isinstance(code, int) else 0)


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a batch scheduler's time limit), raised like Ctrl-C so that the same
    handlers keep the work so far: the picture of a single image, a clip's finished frames."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM raises :class:`Terminated` instead of ending the process on the spot."""
    if threading.current_thread() is not threading.main_thread():  # signal handlers live in the main thread
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interruption_report(interrupt: BaseException | None, args: list[str]) -> str:
    """What an interrupted command kept (the notes its steps added to the interrupt), and how to go on."""
    notes = list(getattr(interrupt, "__notes__", []))
    if not notes:
        return "nothing was finished, so nothing was kept."
    report = "; ".join(notes) + "."
    if any(CONTINUES in note for note in notes):
        report += f"\n  dreamstyle {shlex.join(args)}"
    return report


def _out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is torch's out-of-memory error (torch, never imported, raised nothing)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(error, torch.OutOfMemoryError)


def out_of_memory_message(error: BaseException) -> str:
    """What to do when the device ran out of memory: smaller tiles or a smaller picture."""
    where = "the GPU" if "CUDA" in str(error) else "this machine"
    return (f"{where} ran out of memory for this picture; make it smaller with --size, or compute it "
            f"in tiles with --tile 512 (dream and transfer; smaller tiles need less)")


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.group(cls=DreamstyleGroup, epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dreamstyle")
def cli() -> None:
    """DeepDream and neural style transfer on one shared VGG feature extractor."""


def _command(name: str) -> click.Command:
    module, _ = COMMANDS[name]
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)
