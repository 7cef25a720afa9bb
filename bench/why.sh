#!/usr/bin/env bash
# `check` and `why` on a site with 10,000 .htaccess files (hyperfine, release build).
# Issue 8's target: `why` answers in under 50 ms (median).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/authlint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/gen_htaccess_site.py "$work/site"
runs="${RUNS:-10}"
hyperfine --warmup 2 --runs "$runs" -N -i --export-json "$work/h.json" \
  -n "check, 10k .htaccess" "$bin check --format json --fail-on never $work/site" \
  -n "why, 10k .htaccess" "$bin why --format json /d7/e7/ $work/site" >/dev/null
python3 - "$work/h.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'{r["command"]:<22} median {r["median"]*1000:8.1f} ms  (min {r["min"]*1000:.1f}, max {r["max"]*1000:.1f}, {len(r["times"])} runs)')
PY
