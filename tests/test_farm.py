"""The farm examples: the SLURM array script's commands, run here with stand-in task ids, join into a whole clip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from .helpers import pan_frames, run

SCRIPT = Path(__file__).parents[1] / "examples" / "farm" / "slurm_clip.sh"


def test_slurm_array_script_renders_every_shard_and_they_assemble(tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    for index, frame in enumerate(pan_frames(5, width=40, height=32)):
        Image.fromarray(frame).save(frames / f"f{index}.png")
    parts = tmp_path / "parts"
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                   "COMMAND": "dream", "INPUT": str(frames), "PARTS": str(parts), "SLURM_ARRAY_TASK_COUNT": "2"}
    for task in ("0", "1"):
        done = subprocess.run(["bash", str(SCRIPT), "--octaves", "1", "--iterations", "1", "--precision", "fp32"],
                              env={**environment, "SLURM_ARRAY_TASK_ID": task}, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in parts.glob("*.png")) == [f"{i:06d}.png" for i in range(5)]
    result = run("assemble", str(parts), "-o", str(tmp_path / "clip.gif"), "-q")
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "clip.gif").n_frames == 5


def test_slurm_script_outside_an_array_job_says_how_to_submit_it(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SLURM_")}
    done = subprocess.run(["bash", str(SCRIPT)], env=environment, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode != 0 and "run this as an array job: sbatch --array=0-7" in done.stderr
