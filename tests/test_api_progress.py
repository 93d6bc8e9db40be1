"""The Python API is silent unless asked: progress=True draws the command line's bar on stderr."""

from __future__ import annotations

from dreamstyle import dream, transfer

from .helpers import DATA, TINY_DREAM


def test_dream_and_transfer_are_silent_by_default(vgg19, capfd):
    dream(DATA / "chelsea.png", size=48, seed=1, backbone=vgg19, **TINY_DREAM)
    transfer(DATA / "chelsea.png", DATA / "mosaic.jpg", size=48, seed=1, scales=1, iterations=2, backbone=vgg19)
    assert capfd.readouterr() == ("", "")


def test_progress_true_shows_the_bar_and_still_calls_the_callback(vgg19, capfd):
    seen = []
    dream(DATA / "chelsea.png", size=48, seed=1, backbone=vgg19, progress=True, callback=seen.append, **TINY_DREAM)
    out, err = capfd.readouterr()
    assert out == "" and "dream: 100%" in err and "2/2" in err and "octave 1/1 48x32" in err
    assert [report.run_done for report in seen] == [1, 2]
    transfer(DATA / "chelsea.png", DATA / "mosaic.jpg", size=48, seed=1, scales=1, iterations=2, backbone=vgg19,
             progress=True)
    out, err = capfd.readouterr()
    assert out == "" and "transfer: 100%" in err and "scale 1/1" in err
