#!/usr/bin/env bash
# bench/recheck.sh — how fast Shoal verifies data already on disk (a recheck),
# against the SHA-1 limit of this machine. It runs the Verify and SHA1Limit
# benchmarks of core/storage under /usr/bin/time -v and prints their output,
# then the wall time, CPU seconds and peak RSS of the whole run.
#
# Usage: bash bench/recheck.sh
# Environment (optional):
#   COUNT=3        -count for go test (runs of each benchmark)
#   BENCHTIME=1x   -benchtime for go test (e.g. 3x, 2s)
#   BENCH='Verify|SHA1Limit'   the -bench pattern
set -Eeuo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COUNT=${COUNT:-3}
BENCHTIME=${BENCHTIME:-1x}
BENCH=${BENCH:-Verify|SHA1Limit}

for bin in go /usr/bin/time; do
	command -v "$bin" >/dev/null || { echo "recheck: $bin not found (Debian: apt-get install -y time)" >&2; exit 1; }
done

TV=$(mktemp /tmp/shoal-recheck.XXXXXX)
trap 'rm -f "$TV"' EXIT

cd "$ROOT"
CMD=(go test -run XXX -bench "$BENCH" -benchmem -benchtime "$BENCHTIME" -count "$COUNT" ./core/storage/)
printf '$'; printf ' %q' "${CMD[@]}"; echo
# Build first so the timing below is the benchmarks, not the compiler.
go test -c -o /dev/null ./core/storage/
/usr/bin/time -v -o "$TV" "${CMD[@]}"
awk -v nproc="$(nproc)" '
	/Elapsed \(wall clock\)/ { v = $NF; k = split(v, p, ":"); w = 0; for (i = 1; i <= k; i++) w = w * 60 + p[i] }
	/User time \(seconds\)/   { cpu += $NF }
	/System time \(seconds\)/ { cpu += $NF }
	/Maximum resident set size/ { rss = $NF / 1024 }
	END { printf "\nwhole run: %.2f s wall, %.2f CPU s (user+sys), %.1f MiB peak RSS (%d cores)\n", w, cpu, rss, nproc }
' "$TV"
