#!/usr/bin/env bash
# Benchmark `authlint check` end to end (release build) with hyperfine: the shared corpus
# and a generated 1 MB nginx.conf (2,000 servers, 10,000 locations). Prints medians.
# Needs hyperfine (Debian package `hyperfine`) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/authlint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/nginx"
python3 bench/gen_nginx.py "$work/nginx/nginx.conf"
printf 'types { text/html html; }\n' > "$work/nginx/mime.types"
echo "generated: $(wc -c < "$work/nginx/nginx.conf") bytes"
corpus="${AUTHLINT_CORPUS:-../shared/corpus}"
runs="${RUNS:-20}"
hyperfine --warmup 3 --runs "$runs" -N -i --export-json "$work/h.json" \
  -n "1MB nginx.conf" "$bin check --format json --fail-on never $work/nginx/nginx.conf" \
  -n "1MB (human)" "$bin check --format human --color never --fail-on never $work/nginx/nginx.conf" \
  -n "corpus" "$bin check --format json --fail-on never $corpus" >/dev/null
python3 - "$work/h.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'{r["command"]:<16} median {r["median"]*1000:8.1f} ms  (min {r["min"]*1000:.1f}, max {r["max"]*1000:.1f}, {len(r["times"])} runs)')
PY
