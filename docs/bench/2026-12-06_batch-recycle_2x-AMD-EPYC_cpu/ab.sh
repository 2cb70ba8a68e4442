#!/bin/bash
# A/B of two builds' `focusfuse batch --backend cpu` on one tree: alternating runs (the order of the
# builds flips every round), both fusion presets, wall time, CPU time (user + sys, all threads) and
# peak RSS of each run from GNU time, and the batch's own FOV/s (fused FOVs over its elapsedMs from
# --json-summary: node's and the workers' start-up left out). Prints one TSV line per run.
#   ab.sh <tree> <rounds> <label=dist/cli.js>...
# e.g. ab.sh /tmp/tree 8 main=/tmp/main-dist/cli.js recycle=dist/cli.js
set -euo pipefail
tree=$1 rounds=$2
shift 2
builds=("$@")
out=$(mktemp -d)
printf 'round\tbuild\tfusion\twall_s\tcpu_s\tpeak_rss_mb\tbatch_fov_s\tcpu_ms_per_fov\n'
for ((r = 1; r <= rounds; r++)); do
  order=("${builds[@]}")
  ((r % 2 == 0)) && order=("${builds[1]}" "${builds[0]}")
  for fusion in v2 v1; do
    for build in "${order[@]}"; do
      label=${build%%=*} cli=${build#*=}
      rm -rf "$out/run"
      /usr/bin/time -f '%e %U %S %M' -o "$out/time" node "$cli" batch "$tree" --out "$out/run" --backend cpu --fusion "$fusion" -q --json-summary >"$out/summary.json" 2>/dev/null || true
      read -r wall user sys rss <"$out/time"
      read -r fused ms < <(node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(s.fused, s.elapsedMs)' "$out/summary.json")
      awk -v r="$r" -v l="$label" -v f="$fusion" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v n="$fused" -v ms="$ms" \
        'BEGIN { printf "%d\t%s\t%s\t%.2f\t%.2f\t%.0f\t%.2f\t%.1f\n", r, l, f, w, u + s, m / 1024, n / (ms / 1000), 1000 * (u + s) / n }'
    done
  done
done
rm -rf "$out"
