"""A run stopped from its progress callback (the studio's Stop) returns the picture so far, saying when."""

from __future__ import annotations

from dreamstyle import RunStopped, dream, transfer

from .helpers import DATA


def stop_after(reports: int):
    seen = []

    def callback(progress) -> None:
        seen.append(progress.run_done)
        if len(seen) == reports:
            raise RunStopped

    return callback, seen


def test_a_dream_stopped_from_its_callback_returns_the_picture_so_far(vgg19):
    callback, seen = stop_after(3)
    stopped = dream(DATA / "amber.jpg", size=48, octaves=2, iterations=5, seed=2, backbone=vgg19, callback=callback)
    whole = dream(DATA / "amber.jpg", size=48, octaves=2, iterations=5, seed=2, backbone=vgg19)
    assert stopped.info["dreamstyle"]["interrupted_at_step"] == seen[-1] == 3
    assert "interrupted_at_step" not in whole.info["dreamstyle"]
    assert stopped.size == whole.size and stopped.tobytes() != whole.tobytes()


def test_a_transfer_stopped_from_its_callback_returns_the_picture_so_far(vgg19, content, mosaic):
    callback, seen = stop_after(1)
    stopped = transfer(content[0].cpu(), mosaic[0].cpu(), scales=1, iterations=40, seed=2, backbone=vgg19,
                       callback=callback)
    assert stopped.info["dreamstyle"]["interrupted_at_step"] == seen[-1] > 0
    assert stopped.size == (content.shape[-1], content.shape[-2])
