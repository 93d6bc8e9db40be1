"""Clips and batches: sources, flow, temporal consistency, resume, shards, encoding, the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from PIL import Image

from dreamstyle.deepdream import DreamConfig, dream_renderer
from dreamstyle.deepdream.clip import detail_strength, hold_strength, new_area_box, new_area_detail
from dreamstyle.errors import InvalidArgumentError
from dreamstyle.imaging import read_image, read_metadata
from dreamstyle.styletransfer.clip import SETTLING_DISTANCE, settled
from dreamstyle.video import (
    Motion,
    Shard,
    TemporalConfig,
    dream_frames,
    open_source,
    optical_flow,
    render_sequence,
    transfer_frames,
    warp,
    warping_error,
)
from dreamstyle.video.encode import encode_video, read_video_comment
from dreamstyle.video.job import FrameJob, read_clip_metadata
from dreamstyle.video.sources import exact_frame_rate

from .helpers import DATA, assert_one_error_line, make_clip, pan_frames, run, video_facts, write_video_comment

DREAM_QUICK = ["--iterations", "2", "--octaves", "2", "--frame-iterations", "1", "--precision", "fp32", "-q"]
TRANSFER_QUICK = ["--size", "48", "--scales", "1", "--iterations", "8", "--frame-iterations", "4",
                  "--precision", "fp32", "-q"]
FAST_DREAM = DreamConfig(iterations=3, octaves=2)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {"audio": make_clip(folder / "pan.mp4"), "silent": make_clip(folder / "silent.mov", audio=False)}


@pytest.fixture()
def clip(clips, tmp_path) -> Path:
    """A private copy of the 8-frame clip with audio (outputs go beside it)."""
    path = tmp_path / "pan.mp4"
    path.write_bytes(clips["audio"].read_bytes())
    return path


def frames_of(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(folder.glob("[0-9]*.png"))]


# --- sources -----------------------------------------------------------------------------

def test_video_source_streams_exact_rate_count_and_audio(clips):
    source = open_source([clips["audio"]])
    assert source.info.count == 8 and source.info.fps == Fraction(30000, 1001) and source.info.audio is not None
    assert source.info.size == (64, 48)
    indices = [index for index, _ in source.frames(5)]
    assert indices == [5, 6, 7]
    assert open_source([clips["silent"]]).info.audio is None


def test_folders_and_globs_are_in_natural_order(tmp_path):
    for number in (10, 2, 1):
        Image.new("RGB", (16, 16), (number, 0, 0)).save(tmp_path / f"frame{number}.png")
    source = open_source([tmp_path])
    assert source.info.kind == "folder" and [p.name for p in source.paths] == ["frame1.png", "frame2.png", "frame10.png"]
    batch = open_source([str(tmp_path / "frame*.png")])
    assert batch.info.kind == "files" and [p.name for p in batch.paths] == ["frame1.png", "frame2.png", "frame10.png"]
    assert [round(float(p.rgb[0, 0, 0]) * 255) for _, p in source.frames()] == [1, 2, 10]
    assert open_source([DATA / "chelsea.png"]) is None  # one still image is not a clip


def test_animated_gif_is_a_clip(tmp_path):
    frames = [Image.fromarray(f) for f in pan_frames(4)]
    frames[0].save(tmp_path / "pan.gif", save_all=True, append_images=frames[1:], duration=50, loop=0)
    source = open_source([tmp_path / "pan.gif"])
    assert source.info.kind == "gif" and source.info.count == 4 and source.info.fps == 20
    assert len(list(source.frames())) == 4


# --- flow ----------------------------------------------------------------------------------

@pytest.mark.parametrize("preset", ["medium", "fast"])
def test_flow_recovers_a_shift_and_marks_the_uncovered_edge(preset):
    frames = [torch.from_numpy(f).permute(2, 0, 1).float().div(255).unsqueeze(0) for f in pan_frames(2, step=3)]
    previous, current = frames
    motion = Motion.between(previous, current, preset)
    interior = motion.flow[8:-8, 8:-8]
    assert abs(float(interior[..., 0].median()) - 3.0) < 0.5 and abs(float(interior[..., 1].median())) < 0.5
    warped = motion.carry(previous)
    error = ((warped - current).abs() * motion.mask).sum() / motion.mask.sum() / 3
    assert error < 0.5 * (previous - current).abs().mean()
    assert motion.mask[..., :, -2:].mean() < 0.5 < motion.mask[..., 8:-8, 8:-8].mean()


def test_warp_with_zero_flow_is_identity():
    image = torch.rand(1, 3, 12, 20, generator=torch.Generator().manual_seed(0))
    # grid_sample's normalised coordinates round: the samples land within about 1e-6 px of the pixels
    assert torch.allclose(warp(image, torch.zeros(12, 20, 2)), image, atol=1e-5)
    assert optical_flow(image, image).abs().max() < 0.1


# --- temporal consistency --------------------------------------------------------------------

def clip_frames(count: int = 8):
    return [(i, torch.from_numpy(f).permute(2, 0, 1).float().div(255).unsqueeze(0))
            for i, f in enumerate(pan_frames(count))]


@pytest.mark.parametrize("engine", ["dream", "transfer"])
def test_flow_is_steadier_than_independent_frames(vgg19, engine, data_dir):
    frames = clip_frames(6)
    errors = {}
    for mode in ("none", "flow"):
        if engine == "dream":
            renderer = dream_renderer(vgg19, FAST_DREAM, TemporalConfig(mode, blend=0.6, frame_iterations=2), seed=3)
        else:
            from dreamstyle.styletransfer import TransferConfig, transfer_renderer

            style = read_image(data_dir / "mosaic.jpg", size=64).batch()
            config = TransferConfig(scales=1, iterations=20, init="noise")
            renderer = transfer_renderer(vgg19, [style], config, TemporalConfig(mode, frame_iterations=6,
                                                                                temporal_weight=20), seed=3)
        outputs = [out for _, _, out in render_sequence(frames, renderer)]
        errors[mode] = warping_error([f for _, f in frames], outputs)
    assert errors["flow"].output < 0.8 * errors["none"].output, errors
    assert errors["flow"].input == pytest.approx(errors["none"].input)


def test_a_dreamed_clip_keeps_the_strength_of_its_first_frame_to_the_last(vgg19):
    frames = clip_frames(10)
    renderer = dream_renderer(vgg19, DreamConfig(iterations=6, octaves=2), TemporalConfig("flow", blend=0.8,
                                                                                         frame_iterations=1), seed=1)
    strengths = [float(detail_strength(out, frame)) for _, frame, out in render_sequence(frames, renderer)]
    assert max(strengths) < 1.05 * min(strengths), strengths  # a few steps per frame alone fade to about 3/4


def test_the_pixels_that_come_into_view_get_a_stills_detail_of_their_own_and_the_rest_none():
    frame = torch.rand(1, 3, 40, 120, generator=torch.Generator().manual_seed(0))
    unreliable = torch.zeros(1, 1, 40, 120)
    unreliable[..., 112:] = 1.0  # a pan's new strip on the right
    assert new_area_box(unreliable, margin=16) == (slice(0, 40), slice(96, 120))
    crops = []

    def brighten(crop, mask):
        crops.append(tuple(crop.shape[-2:]))
        return crop + 0.1

    detail = new_area_detail(frame, unreliable, brighten)
    assert crops == [(40, 120 - (112 - 48))]
    assert torch.all(detail[..., :112] == 0) and torch.allclose(detail[..., 112:], torch.full((1, 3, 40, 8), 0.1))
    assert torch.all(new_area_detail(frame, torch.zeros_like(unreliable), brighten) == 0) and len(crops) == 1


def test_a_fast_pans_revealed_edge_dreams_about_as_strongly_as_a_still(vgg19):
    frames = [(i, torch.from_numpy(f).permute(2, 0, 1).float().div(255).unsqueeze(0))
              for i, f in enumerate(pan_frames(6, width=96, height=64, step=6))]
    config = DreamConfig(iterations=4, octaves=2)
    renderer = dream_renderer(vgg19, config, TemporalConfig("flow", blend=0.8, frame_iterations=1), seed=1)
    last_frame, last = frames[-1][1], [out for _, _, out in render_sequence(frames, renderer)][-1]
    still = dream_renderer(vgg19, config, TemporalConfig("none"), seed=1)(5, last_frame, None, None)
    revealed = slice(96 - 24, 96)  # what the pan brought into view over the last four frames

    def strength(x):
        return float(detail_strength(x[..., revealed], last_frame[..., revealed]))

    assert strength(last) > 0.8 * strength(still), (strength(last), strength(still))


def test_held_strength_is_reached_after_clipping_to_range():
    generator = torch.Generator().manual_seed(0)
    frame = torch.rand(1, 3, 16, 16, generator=generator)
    dreamed = (frame + 0.3 * torch.randn(1, 3, 16, 16, generator=generator)).clamp(0, 1)
    for wanted in (0.05, 0.2):
        held = hold_strength(dreamed, frame, wanted)
        assert held.min() >= 0 and held.max() <= 1
        assert float(detail_strength(held, frame)) == pytest.approx(wanted, rel=0.01)


def test_resume_after_interruption_gives_the_same_frames(vgg19, clips, tmp_path):
    source = open_source([clips["silent"]])
    renderer = dream_renderer(vgg19, FAST_DREAM, TemporalConfig("flow", blend=0.6, frame_iterations=2), seed=1)
    whole = FrameJob(tmp_path / "whole", {"seed": 1}, source.info)
    whole.prepare(overwrite=False)
    hw = source.info.size[::-1]
    assert whole.render(source, renderer, hw) == 8

    broken = FrameJob(tmp_path / "broken", {"seed": 1}, source.info)
    broken.prepare(overwrite=False)

    def interrupt(index: int, written: bool, image) -> None:
        if index == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        broken.render(source, renderer, hw, on_frame=interrupt)
    assert len(frames_of(broken.folder)) == 5  # frames 0-4 finished, nothing half-written
    assert broken.render(source, renderer, hw) == 3
    assert frames_of(broken.folder) == frames_of(whole.folder)


def test_shards_cover_the_clip_once():
    spans = [Shard(k, 3).span(8) for k in (1, 2, 3)]
    assert spans == [(0, 2), (2, 5), (5, 8)]
    for text in ("0/3", "4/3", "x"):
        with pytest.raises(InvalidArgumentError, match="K/N"):
            Shard.parse(text)


def test_python_api_takes_and_yields_frames(vgg19, data_dir):
    frames = [Image.fromarray(f) for f in pan_frames(3)]
    dreamed = list(dream_frames(iter(frames), backbone=vgg19, seed=0, iterations=2, octaves=1, frame_iterations=1))
    assert len(dreamed) == 3 and dreamed[0].size == (64, 48)
    assert dreamed[1].info["dreamstyle"]["temporal"]["mode"] == "flow"
    styled = list(transfer_frames(frames, data_dir / "mosaic.jpg", backbone=vgg19, size=32, seed=0, scales=1,
                                  iterations=3, frame_iterations=2))
    assert [im.size for im in styled] == [(32, 24)] * 3


# --- command line -------------------------------------------------------------------------

def test_video_keeps_frame_count_exact_rate_and_audio(clip, tmp_path):
    output = tmp_path / "dreamed.mp4"
    result = run("dream", str(clip), "-o", str(output), *DREAM_QUICK, "--seed", "1")
    assert result.exit_code == 0, result.output
    assert video_facts(output) == (8, "aac", (64, 48))
    assert exact_frame_rate(output) == Fraction(30000, 1001)
    assert not (tmp_path / "dreamed.mp4.frames").exists()  # the frames folder goes once the video is written
    settings = read_clip_metadata(output)
    assert (settings["command"], settings["seed"], settings["config"]["iterations"]) == ("dream", 1, 2)
    assert "frame" not in settings  # the clip's settings, not its first frame's number


def test_a_videos_settings_survive_the_characters_ffmpeg_escapes(tmp_path):
    frames = pan_frames(2, width=32, height=32)
    text = '{"note": "a=b; c#d \\\\ e\\nf", "word": "\\u00e9t\\u00e9"}'
    for suffix in (".mp4", ".webm"):
        output = tmp_path / f"noted{suffix}"
        encode_video(frames, output, 32, 32, Fraction(10), comment=text)
        assert read_video_comment(output) == text
        assert read_clip_metadata(output) == {"note": "a=b; c#d \\ e\nf", "word": "\u00e9t\u00e9"}
    write_video_comment(output, '{"command": "dream"}')  # streams copied, the tag replaced
    assert read_clip_metadata(output) == {"command": "dream"} and video_facts(output)[0] == 2
    assert read_clip_metadata(str(output)) == {"command": "dream"}  # a path as text, as read_metadata takes


def test_video_without_audio_and_odd_size(clips, tmp_path):
    output = tmp_path / "styled.mp4"
    result = run("transfer", str(clips["silent"]), str(DATA / "mosaic.jpg"), "-o", str(output), *TRANSFER_QUICK,
                 "--size", "47", "--keep-frames")
    assert result.exit_code == 0, result.output
    count, audio, size = video_facts(output)
    assert (count, audio, size) == (8, None, (48, 36))  # 47x35 padded by one edge row and column, not resized
    assert Image.open(tmp_path / "styled.mp4.frames" / "000000.png").size == (47, 35)


def test_cli_resume_continues_with_the_stored_seed(clip, tmp_path):
    output = tmp_path / "frames"
    args = ["transfer", str(clip), str(DATA / "mosaic.jpg"), "-o", str(output), *TRANSFER_QUICK]
    assert run(*args).exit_code == 0
    finished = frames_of(output)
    for index in (5, 6, 7):  # as if Ctrl-C had stopped the run during frame 5
        (output / f"{index:06d}.png").unlink()
    assert run(*args).exit_code == 0
    assert frames_of(output) == finished
    assert_one_error_line(run(*args, "--style-weight", "2"), "frames made with other settings",
                          "config.style_weight 5.0 (now 2.0)", "--force")


def test_cli_shards_join_into_the_single_run(clip, tmp_path):
    common = ["dream", str(clip), *DREAM_QUICK, "--seed", "2", "--temporal", "none"]
    assert run(*common, "-o", str(tmp_path / "single")).exit_code == 0
    for k in (1, 2, 3):
        assert run(*common, "-o", str(tmp_path / "parts"), "--shard", f"{k}/3").exit_code == 0
    assert frames_of(tmp_path / "parts") == frames_of(tmp_path / "single")
    final = tmp_path / "final.mp4"
    result = run("assemble", str(tmp_path / "parts"), "-o", str(final))
    assert result.exit_code == 0, result.output
    assert video_facts(final)[:2] == (8, "aac") and exact_frame_rate(final) == Fraction(30000, 1001)
    assert read_clip_metadata(final)["seed"] == 2  # the frames' settings travel into the assembled clip


def test_cli_assemble_refuses_a_missing_shard(clip, tmp_path):
    assert run("dream", str(clip), *DREAM_QUICK, "-o", str(tmp_path / "parts"), "--shard", "1/2").exit_code == 0
    assert_one_error_line(run("assemble", str(tmp_path / "parts"), "-o", str(tmp_path / "x.mp4")),
                          "4 of 8 frames are missing (4-7)", "finish every shard")


def photo_folder(folder: Path, sizes: dict[str, tuple[int, int]]) -> Path:
    """``folder`` holding chelsea.png at each (width, height) of ``sizes``, by file name."""
    folder.mkdir()
    photo = Image.open(DATA / "chelsea.png").convert("RGB")
    for name, size in sizes.items():
        photo.resize(size).save(folder / name)
    return folder


@pytest.mark.parametrize("sizes, kind", [
    ({"landscape.png": (60, 40), "portrait.jpg": (30, 60)}, "photos"),  # sizes and names differ
    ({"holiday.png": (60, 40), "garden.png": (60, 40)}, "photos"),  # one size, but not numbered frames
    ({"shot_001.png": (60, 40), "shot_002.png": (30, 60)}, "photos"),  # numbered, but sizes differ
    ({"frame_9.png": (60, 40), "frame_10.png": (60, 40)}, "folder"),  # one size, numbered: one clip
])
def test_a_folder_is_a_clip_only_when_its_images_are_one_size_and_numbered_frames(tmp_path, sizes, kind):
    source = open_source([photo_folder(tmp_path / "in", sizes)])
    assert source.info.kind == kind and source.info.is_sequence == (kind == "folder")


def test_a_folder_of_photos_is_a_batch_each_at_its_own_shape_named_after_its_input(tmp_path):
    photos = photo_folder(tmp_path / "photos", {"landscape.png": (60, 40), "portrait.jpg": (30, 60)})
    result = run("dream", str(photos), "--size", "40", "--iterations", "1", "--octaves", "1", "--precision", "fp32")
    assert result.exit_code == 0, result.output
    assert "a folder of separate photos, each at its own shape" in result.stderr
    out = tmp_path / "photos_dream"
    assert {p.name: Image.open(p).size for p in out.iterdir()} == {"landscape.png": (40, 27), "portrait.png": (20, 40)}
    assert read_metadata(out / "portrait.png")["input"] == "portrait.jpg"
    assert sorted(p.name for p in photos.iterdir()) == ["landscape.png", "portrait.jpg"]  # nothing among them


def test_folder_is_says_what_a_folder_holds_when_the_guess_is_wrong(tmp_path):
    photos = photo_folder(tmp_path / "photos", {"landscape.png": (60, 40), "portrait.jpg": (30, 60)})
    assert_one_error_line(run("dream", str(photos), "--folder-is", "clip", "-o", str(tmp_path / "x.mp4")),
                          f"{photos / 'portrait.jpg'}: 30x60 px", "the first, landscape.png, is 60x40",
                          "--folder-is batch")
    assert_one_error_line(run("dream", str(photos), "-o", str(tmp_path / "x.mp4")), "holds separate photos",
                          "--folder-is clip")
    frames = photo_folder(tmp_path / "frames", {"000001.png": (40, 40), "000002.png": (40, 40)})
    assert open_source([frames], folder_is="batch").info.kind == "photos"
    result = run("dream", str(frames), "--folder-is", "batch", "--size", "32", "--iterations", "1", "--octaves", "1",
                 "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "frames_dream").iterdir()) == ["000001.png", "000002.png"]
    assert_one_error_line(run("dream", str(DATA / "chelsea.png"), "--folder-is", "batch"), "--folder-is",
                          "one image")
    with pytest.raises(InvalidArgumentError, match="folder_is must be one of clip, batch"):
        open_source([frames], folder_is="photos")


def test_cli_batch_names_outputs_and_skips_finished(tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    for name in ("b10.png", "b2.png"):
        (shots / name).write_bytes((DATA / "chelsea.png").read_bytes())
    args = ["dream", str(shots / "*.png"), "-o", str(tmp_path / "out"), "--size", "40", "--iterations", "2",
            "--octaves", "2", "--precision", "fp32", "-q"]
    assert run(*args).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["b10.png", "b2.png"]
    stamp = (tmp_path / "out" / "b2.png").stat().st_mtime_ns
    assert run(*args).exit_code == 0  # everything done: nothing rewritten
    assert (tmp_path / "out" / "b2.png").stat().st_mtime_ns == stamp
    assert read_metadata(tmp_path / "out" / "b2.png")["input"] == "b2.png"
    assert_one_error_line(run(*args, "--step", "0.02"), "exists already (made with other settings)", "--force")


def test_a_batch_ends_by_saying_what_it_wrote_like_every_command(tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    for name in ("a.png", "b.png"):
        (shots / name).write_bytes((DATA / "chelsea.png").read_bytes())
    common = ["--size", "32", "--iterations", "1", "--octaves", "1", "--precision", "fp32"]
    result = run("dream", str(shots / "*.png"), "-o", str(tmp_path / "out"), *common)
    assert result.exit_code == 0 and result.stderr.splitlines()[-1] == f"wrote 2 images in {tmp_path / 'out'}/"
    result = run("dream", str(shots / "*.png"), *common)
    assert result.stderr.splitlines()[-1] == "wrote 2 images beside their inputs (NAME_dream.png)"
    assert sorted(p.name for p in shots.iterdir()) == ["a.png", "a_dream.png", "b.png", "b_dream.png"]


def test_a_clips_and_a_batchs_start_line_says_about_how_long_the_frames_left_take(clip, tmp_path):
    estimate = r"already done: (a few seconds|about [\d.]+ (s|min|h))"
    said = [arg for arg in DREAM_QUICK if arg != "-q"]
    output = tmp_path / "frames"
    result = run("dream", str(clip), "-o", str(output), *said)
    assert result.exit_code == 0 and re.search("8 frames, 0 " + estimate, result.stderr), result.stderr
    assert "8 frames, 8 already done: nothing to do" in run("dream", str(clip), "-o", str(output), *said).stderr
    shots = tmp_path / "shots"
    shots.mkdir()
    for name in ("a.png", "b.png"):
        (shots / name).write_bytes((DATA / "chelsea.png").read_bytes())
    result = run("dream", str(shots / "*.png"), "-o", str(tmp_path / "out"), "--iterations", "1", "--octaves", "1",
                 "--precision", "fp32")
    assert result.exit_code == 0 and re.search("2 images, 0 " + estimate, result.stderr), result.stderr


def test_cli_gif_and_folder_outputs(clip, tmp_path):
    assert run("dream", str(clip), "-o", str(tmp_path / "pan.gif"), *DREAM_QUICK).exit_code == 0
    with Image.open(tmp_path / "pan.gif") as gif:
        assert gif.n_frames == 8
    assert read_clip_metadata(tmp_path / "pan.gif")["command"] == "dream"
    assert read_metadata(tmp_path / "pan.gif") == read_clip_metadata(tmp_path / "pan.gif")
    assert run("dream", str(tmp_path / "pan.gif"), "-o", str(tmp_path / "frames"), *DREAM_QUICK).exit_code == 0
    assert len(frames_of(tmp_path / "frames")) == 8


def test_cli_report_prints_the_warping_errors(clip):
    result = run("dream", str(clip), *DREAM_QUICK, "--report")
    assert result.exit_code == 0, result.output
    assert "E_warp" in result.output and "input clip" in result.output


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["{tmp}/none/*.png"], ["no files match this pattern"]),
        (["{clip}", "-o", "{tmp}/x.mp4", "--shard", "3/2"], ["--shard '3/2'", "K/N"]),
        (["{clip}", "-o", "{tmp}/x.mp4", "--shard", "1/2"], ["--shard writes frames to a folder", "assemble"]),
        (["{clip}", "-o", "{tmp}/x.png"], ["a clip's result is a video"]),
        (["{clip}", "-o", "{tmp}/x.avi"], ["unsupported output '.avi'"]),
        (["{clip}", "-o", "{clip}"], ["is an input file"]),
        (["{clip}", "--zoom-frames", "3"], ["--zoom-frames animates one still image"]),
        (["{data}/chelsea.png", "{data}/brick.png", "--temporal", "flow"], ["apply to clips"]),
        (["{data}/chelsea.png", "--report", "--shard", "1/2"], ["--shard, --report apply to clips", "chelsea.png is one image"]),
        (["{data}/chelsea.png", "--blend", "0.5"], ["--temporal/--blend", "is one image"]),
        (["{clip}", "--fps", "0"], ["fps must be positive"]),
        (["{bad}"], ["bad.mp4: not a video dreamstyle can read"]),
    ],
)
def test_cli_bad_clip_input(clip, tmp_path, args, fragments):
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    values = {"tmp": str(tmp_path), "clip": str(clip), "data": str(DATA), "bad": str(bad)}
    assert_one_error_line(run("dream", *(a.format(**values) for a in args), "-q"), *fragments)


def test_transfer_refuses_clip_flags_on_one_image(tmp_path):
    result = run("transfer", str(DATA / "chelsea.png"), str(DATA / "mosaic.jpg"), "-o", str(tmp_path / "x.png"),
                 "--keep-frames", "--temporal-weight", "3", "-q")
    assert_one_error_line(result, "--keep-frames", "--temporal-weight", "chelsea.png is one image")
    assert not (tmp_path / "x.png").exists()


def test_streaming_keeps_memory_flat(tmp_path):
    """Peak memory of a 40-frame clip is about that of an 8-frame one: frames are never all in memory."""
    peaks = []
    for count in (8, 40):
        clip = make_clip(tmp_path / f"c{count}.mp4", count=count, audio=False)
        script = ("import resource, sys; from dreamstyle.cli import main; sys.argv = sys.argv[1:]\n"
                  "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
                  "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        result = subprocess.run([sys.executable, "-c", script, "dreamstyle", "dream", str(clip), "-o",
                                 str(tmp_path / f"o{count}.mp4"), "--iterations", "1", "--octaves", "1",
                                 "--frame-iterations", "1", "--temporal", "flow", "--precision", "fp32", "-q",
                                 "--report"],
                                capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        assert result.returncode == 0, result.stderr
        peaks.append(int(result.stdout.split()[-1]) * 1024)
    assert peaks[1] - peaks[0] < 40 * 2**20, peaks


def test_the_temporal_loss_holds_a_pixel_more_the_longer_ago_it_came_into_view():
    mask = torch.ones(1, 1, 20, 100)
    mask[..., 90:] = 0  # the pan brought the right edge into view
    weight = settled(mask)[0, 0, 10]
    ramp = round(SETTLING_DISTANCE * 100)
    assert bool((weight[90:] == 0).all()) and bool((weight[: 90 - ramp] == 1).all())
    assert bool((weight[90 - ramp: 90].diff() < 0).all())  # nearer what came into view: held less
    assert bool((settled(torch.ones(1, 1, 20, 100)) == 1).all())  # the frame's own borders are not new


def test_temporal_settings_of_the_wrong_type_are_refused_clearly():
    with pytest.raises(InvalidArgumentError, match="frame_iterations must be a whole number, got '5'"):
        TemporalConfig(frame_iterations="5")
    with pytest.raises(InvalidArgumentError, match="blend must be between 0 and 1"):
        TemporalConfig(blend=1.5)
