#!/usr/bin/env bash
# Render a clip on N GPUs with a SLURM job array: each array task renders one shard into a
# shared frames folder; a job that depends on the whole array joins them into the video.
#
#   jobs=$(sbatch --parsable --array=0-7 examples/farm/slurm_clip.sh)
#   sbatch --dependency=afterok:$jobs --wrap "dreamstyle assemble parts/ -o styled.mp4"
#
# Settings come from the environment (sbatch --export, or edit the defaults):
#   COMMAND  transfer (default) or dream
#   INPUT    the clip or frames folder (default clip.mp4)
#   STYLE    the style image(s) for transfer, space-separated (default style.jpg)
#   PARTS    the shared frames folder every task writes into (default parts)
#   SEED     one seed for every shard, so they join seamlessly (default 1)
# Any arguments are passed on (--size 720, --preset soft, ...). A task that is cut off
# (preemption, --time) continues where it stopped when it runs again: frames on disk are kept.
#SBATCH --job-name=dreamstyle-clip
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=4
#SBATCH --mem=16G
#SBATCH --time=04:00:00
#SBATCH --output=dreamstyle-%A_%a.log
set -euo pipefail

: "${SLURM_ARRAY_TASK_ID:?run this as an array job: sbatch --array=0-7 $0}"
shards=${SLURM_ARRAY_TASK_COUNT:-$(( ${SLURM_ARRAY_TASK_MAX:-0} + 1 ))}
command=${COMMAND:-transfer}
input=${INPUT:-clip.mp4}
parts=${PARTS:-parts}
styles=()
if [ "$command" = transfer ]; then
    read -r -a styles <<< "${STYLE:-style.jpg}"
fi

exec dreamstyle "$command" "$input" "${styles[@]}" -o "$parts/" \
    --shard "$(( SLURM_ARRAY_TASK_ID + 1 ))/$shards" --seed "${SEED:-1}" --quiet "$@"
