#!/usr/bin/env bash
# bench/limits.sh — how exactly Shoal holds its rate limits on real sockets.
# It runs the accuracy tests of core/internal/ratetest (Shoal against real
# aria2c processes on loopback, with a proxy between them counting only
# piece payload) without -race, then prints every measurement they logged
# as a table: what was measured, the target rate, the measured rate over
# its window, the error, and whether the test's tolerance held.
#
# Usage: bash bench/limits.sh
# Needs aria2c and mktorrent (Debian: apt-get install -y aria2 mktorrent);
# without them the tests skip and the table is empty.
# Environment (optional):
#   COUNT=1      -count for go test (each test's runs; every run is a row)
#   RUN=.        the -run pattern, e.g. RUN=Download or RUN='Live|TwoTorrents'
# Exit status: that of go test (non-zero when a limit was missed).
set -Eeuo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COUNT=${COUNT:-1}
RUN=${RUN:-.}

command -v go >/dev/null || { echo "limits: go not found" >&2; exit 1; }

LOG=$(mktemp /tmp/shoal-limits.XXXXXX)
trap 'rm -f "$LOG"' EXIT

cd "$ROOT"
CMD=(go test -count="$COUNT" -run "$RUN" -v ./core/internal/ratetest)
printf '$'; printf ' %q' "${CMD[@]}"; echo
status=0
"${CMD[@]}" >"$LOG" 2>&1 || status=$?
grep -E '^(--- |ok |FAIL|panic)|^ +--- ' "$LOG" || true

# Each measurement is one log line:
#   LABEL TARGET MiB/s: measured X MiB/s over D s (+E%[, not checked])
# and a missed one is logged again with ": outside ±T%" appended.
awk '
	function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
	/: measured [0-9.]+ MiB\/s over / {
		line = $0
		sub(/^[ \t]*[A-Za-z0-9_]+\.go:[0-9]+: /, "", line)
		missed = (line ~ /: outside ±[0-9]+%$/)
		if (missed) {
			sub(/: outside ±[0-9]+%$/, "", line)
			for (i = n; i > 0; i--) if (key[i] == line && status[i] == "ok") { status[i] = "MISSED"; break }
			next
		}
		head = line; sub(/: measured .*/, "", head)
		rest = line; sub(/^.*: measured /, "", rest)
		k = split(head, w, " ")
		n++
		key[n] = line
		target[n] = w[k - 1]
		label[n] = ""
		for (j = 1; j <= k - 2; j++) label[n] = label[n] (j > 1 ? " " : "") w[j]
		sub(/ *=$/, "", label[n]); label[n] = trim(label[n])
		split(rest, r, " ")
		measured[n] = r[1]
		window[n] = r[4]
		err[n] = rest; sub(/^[^(]*\(/, "", err[n]); sub(/[,)].*$/, "", err[n])
		status[n] = (rest ~ /not checked/) ? "info" : "ok"
		if (length(label[n]) > width) width = length(label[n])
	}
	END {
		if (n == 0) { print "\nno measurements (were the tests skipped? see above)"; exit }
		printf "\n%-*s  %8s  %9s  %6s  %7s  %s\n", width, "measurement", "target", "measured", "window", "error", "result"
		printf "%-*s  %8s  %9s  %6s  %7s  %s\n", width, "", "MiB/s", "MiB/s", "s", "", ""
		for (i = 1; i <= n; i++)
			printf "%-*s  %8s  %9s  %6s  %7s  %s\n", width, label[i], target[i], measured[i], window[i], err[i], status[i]
	}
' "$LOG"
if [ "$status" -ne 0 ]; then
	echo
	echo "go test failed (exit $status); its output follows" >&2
	tail -n 200 "$LOG" >&2
fi
exit "$status"
