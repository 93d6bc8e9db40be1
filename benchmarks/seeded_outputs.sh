#!/usr/bin/env bash
# Every seeded output a refactoring must keep byte-identical, written into OUT:
# each dream and transfer preset at 128 px with --seed 1, two blended styles,
# a 6-frame zoom, 6-frame clips of both commands (folder and GIF), batches,
# two shards and their assembly, an atlas, an activations sheet, and --like
# on outputs kept in LIKE (made by the first run that finds LIKE empty).
#
#   bash benchmarks/seeded_outputs.sh OUT LIKE
#   PYTHONPATH=/path/to/other/tree bash benchmarks/seeded_outputs.sh OUT2 LIKE; diff -r OUT OUT2
set -euo pipefail
out=$(realpath -m "$1"); like=$(realpath -m "$2"); in="$out.inputs"
data=$(cd "$(dirname "$0")/../tests/data" && pwd)
mkdir -p "$out" "$in/frames" "$like"
python - "$data" "$in" <<'PY'
import sys
from PIL import Image
data, folder = sys.argv[1:]
photo = Image.open(f"{data}/chelsea.png").convert("RGB")
width, height = photo.size
for i in range(6):  # a pan: each frame 6 px to the right of the last
    photo.crop((i * 6, 0, i * 6 + width - 40, height)).resize((128, 96)).save(f"{folder}/frames/frame_{i:03d}.png")
photo.resize((128, 85)).save(f"{folder}/photo.png")
Image.open(f"{data}/mosaic.jpg").convert("RGB").resize((96, 96)).save(f"{folder}/style.png")
Image.open(f"{data}/brick.png").convert("RGB").resize((96, 96)).save(f"{folder}/style2.png")
PY
for preset in classic deep intense lines soft texture; do
  dreamstyle dream "$in/photo.png" -o "$out/dream_$preset.png" --preset $preset --size 128 --seed 1 -q
done
for preset in bold classic faithful fine painterly; do
  dreamstyle transfer "$in/photo.png" "$in/style.png" -o "$out/transfer_$preset.png" --preset $preset --size 128 --seed 1 -q
done
dreamstyle transfer "$in/photo.png" "$in/style.png" "$in/style2.png" --style-blend 0.7,0.3 --preserve-colors luminance \
  -o "$out/transfer_two.png" --size 96 --seed 1 -q --iterations 20
dreamstyle dream "$in/photo.png" --zoom-frames 6 -o "$out/zoom" --size 96 --seed 1 -q --iterations 2
dreamstyle dream "$in/frames" -o "$out/dream_clip" --size 96 --seed 1 -q --iterations 3
dreamstyle transfer "$in/frames" "$in/style.png" -o "$out/transfer_clip" --size 96 --seed 1 -q --iterations 20 \
  --frame-iterations 5
dreamstyle dream "$in/frames" -o "$out/dream_clip.gif" --size 96 --seed 1 -q --iterations 3 --temporal blend
dreamstyle dream "$in/frames/frame_00[0-2].png" -o "$out/dream_many" --size 96 --seed 1 -q --iterations 3
dreamstyle transfer "$in/frames/frame_00[0-2].png" "$in/style.png" -o "$out/transfer_many" --size 96 --seed 1 -q \
  --iterations 10
for k in 1 2; do
  dreamstyle transfer "$in/frames" "$in/style.png" -o "$out/shard$k" --shard $k/2 --size 64 --seed 1 -q --iterations 10 \
    --frame-iterations 3
done
dreamstyle assemble "$out/shard1" "$out/shard2" -o "$out/assembled.gif" -q
dreamstyle atlas --layer relu3_1 --channels 0-3 -o "$out/atlas.png" --size 64 --seed 1 -q
dreamstyle activations "$in/photo.png" -o "$out/activations.png" -q
[ -f "$like/dream_soft.png" ] || cp "$out/dream_soft.png" "$out/transfer_fine.png" "$like/"
dreamstyle dream "$in/photo.png" --like "$like/dream_soft.png" -o "$out/like_dream.png" -q
dreamstyle transfer "$in/photo.png" "$in/style.png" --like "$like/transfer_fine.png" -o "$out/like_transfer.png" -q
