"""``dreamstyle assemble``: join the frames of a clip's shards into the final video or GIF."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InvalidArgumentError
from ..imaging.write import check_new_file
from ..video import GIF, VIDEO_FORMATS, collect_frames, parse_fps, write_clip
from ..video.config import DEFAULT_FPS
from .messages import Command
from .options import force_option, quiet_option


@click.command(cls=Command)
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help=f"The video ({' '.join(VIDEO_FORMATS)}) or {GIF} to write.")
@click.option("--fps", default=None, metavar="RATE", help="Frame rate [default: the source clip's, exactly].")
@click.option("--audio-from", type=click.Path(path_type=Path), default=None,
              help="Take the audio from this file [default: the source clip, if it had audio].")
@click.option("--no-audio", is_flag=True, help="Write the video without sound.")
@force_option
@quiet_option
def assemble(folders: tuple[Path, ...], output: Path, fps: str | None, audio_from: Path | None, no_audio: bool,
             force: bool, quiet: bool) -> None:
    """Join frames folders made with --shard K/N (one shared folder or one per shard) into OUTPUT.

    \b
    Example:
      for k in 1 2 3 4; do dreamstyle transfer clip.mp4 style.jpg --shard $k/4 -o parts/; done
      dreamstyle assemble parts/ -o final.mp4
    """
    suffix = output.suffix.lower()
    if suffix not in VIDEO_FORMATS and suffix != GIF:
        raise InvalidArgumentError(f"{output}: use {', '.join(VIDEO_FORMATS)} or {GIF}")
    check_new_file(output, force)
    frames, manifest = collect_frames(list(folders))
    stored_fps = manifest["source"].get("fps")
    rate = parse_fps(fps) if fps else (parse_fps(stored_fps) if stored_fps else DEFAULT_FPS)
    audio = None
    if not no_audio:
        audio = audio_from or (Path(manifest["audio"]) if manifest.get("audio") else None)
        if audio is not None and not audio.is_file():
            if audio_from is not None:
                raise InvalidArgumentError(f"--audio-from {audio}: no such file")
            click.echo(f"note: the source's audio ({audio}) is not here; writing without sound "
                       f"(pass --audio-from FILE)", err=True)
            audio = None
    note = write_clip(frames, output, rate, audio)
    if not quiet:
        if note:
            click.echo(f"note: {note}", err=True)
        sound = f", audio from {audio.name}" if audio else ""
        click.echo(f"wrote {output}: {len(frames)} frames at {rate} fps{sound}", err=True)
