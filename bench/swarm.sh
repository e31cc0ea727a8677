#!/usr/bin/env bash
# bench/swarm.sh — side-by-side download benchmark on loopback (not a test).
#
# One aria2c seeder on 127.0.0.2 serves a torrent of SIZE_MIB MiB (1 MiB
# pieces, made by mktorrent) through the bench tracker; then each leecher
# downloads it ALONE into an empty folder, RUNS times, under /usr/bin/time -v:
#   aria2c            on 127.0.0.3
#   transmission-cli  on 127.0.0.4 (a DONE.sh ends it when the download finishes)
#   shoal             on 127.0.0.5 (`shoal download`)
# Every download is compared byte for byte with the source. The result is a
# Markdown table of medians (wall s, CPU s = user+sys, peak RSS MiB) and
# Shoal's ratio to the best other client, printed and saved to $WORK/results.md.
#
# Usage: bash bench/swarm.sh
# Environment (all optional):
#   SIZE_MIB=1024     data size in MiB
#   RUNS=3            runs per client
#   CLIENTS="aria2c transmission-cli shoal"
#   RUN_TIMEOUT=600   seconds before one run is killed and counted as failed
#   WORK=dir          working folder (default: a new /tmp/shoal-bench.XXXXXX);
#                     it is left in place for inspection
#   KEEP_WORK=0       1 keeps the source data too (default: the data is deleted)
#   SHOAL_BIN=path    benchmark this shoal binary instead of building one
#   MAGNET=0          1 gives each client the torrent's magnet link (xt, dn, tr)
#                     instead of the .torrent: the metadata comes from the seeder
# Needs: go, aria2c, transmission-cli, transmission-show, mktorrent, /usr/bin/time
# (Debian: apt-get install -y aria2 transmission-cli mktorrent time).
set -Eeuo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-3}
CLIENTS=${CLIENTS:-"aria2c transmission-cli shoal"}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
KEEP_WORK=${KEEP_WORK:-0}
MAGNET=${MAGNET:-0}
WORK=${WORK:-$(mktemp -d /tmp/shoal-bench.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

SEED_IP=127.0.0.2 SEED_PORT=${SEED_PORT:-51002}
ARIA_IP=127.0.0.3 ARIA_PORT=${ARIA_PORT:-51003}
TR_IP=127.0.0.4 TR_PORT=${TR_PORT:-51004}
SHOAL_IP=127.0.0.5

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
trap 'log "error: command failed at line $LINENO: $BASH_COMMAND"' ERR

for bin in go aria2c transmission-cli transmission-show mktorrent /usr/bin/time timeout cmp; do
	command -v "$bin" >/dev/null || die "$bin not found (Debian: apt-get install -y aria2 transmission-cli mktorrent time)"
done
[[ $SIZE_MIB =~ ^[1-9][0-9]*$ ]] || die "SIZE_MIB must be a positive integer, got '$SIZE_MIB'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"

# --- processes started here, stopped on exit --------------------------------
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ $KEEP_WORK != 1 ]]; then
		rm -rf "$WORK/src" "$WORK/dl"
	fi
}
trap cleanup EXIT

# --- build ------------------------------------------------------------------
log "work folder: $WORK"
log "building the bench tracker and shoal"
(cd "$ROOT" && go build -o "$WORK/tracker" ./bench/tracker)
SHOAL_BUILT=1
if [[ -n ${SHOAL_BIN:-} ]]; then
	cp "$SHOAL_BIN" "$WORK/shoal"
elif ! (cd "$ROOT" && go build -o "$WORK/shoal" .) >"$WORK/shoal-build.log" 2>&1; then
	SHOAL_BUILT=0
	log "shoal does not build (see $WORK/shoal-build.log); its runs count as failed"
fi

# --- data and torrent -------------------------------------------------------
mkdir -p "$WORK/src"
DATA=$WORK/src/bench.bin
log "writing $SIZE_MIB MiB of random data"
if command -v openssl >/dev/null; then
	# AES-CTR over zeros: fast pseudo-random bytes (urandom is slower on some kernels).
	(openssl enc -aes-128-ctr -nosalt -pass pass:shoal-bench -pbkdf2 -in /dev/zero 2>/dev/null || true) |
		head -c "$((SIZE_MIB * 1024 * 1024))" >"$DATA"
else
	head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$DATA"
fi
[[ $(stat -c %s "$DATA") -eq $((SIZE_MIB * 1024 * 1024)) ]] || die "data file has the wrong size"

# --- tracker ----------------------------------------------------------------
"$WORK/tracker" -listen 127.0.0.1:0 -interval 10s >"$WORK/tracker.out" 2>"$WORK/tracker.log" &
PIDS+=($!)
for _ in $(seq 100); do
	[[ -s $WORK/tracker.out ]] && break
	sleep 0.1
done
ANNOUNCE=$(awk '/^announce /{print $2}' "$WORK/tracker.out")
[[ -n $ANNOUNCE ]] || die "the bench tracker did not start (see $WORK/tracker.log)"
TRACKER_HOSTPORT=${ANNOUNCE#http://}
TRACKER_HOSTPORT=${TRACKER_HOSTPORT%%/*}

TORRENT=$WORK/bench.torrent
mktorrent -l 20 -a "$ANNOUNCE" -o "$TORRENT" "$DATA" >"$WORK/mktorrent.log"
INFOHASH=$(transmission-show "$TORRENT" | awk '$1 == "Hash:" {print $2}')
[[ $INFOHASH =~ ^[0-9a-f]{40}$ ]] || die "cannot read the info-hash of $TORRENT"
# SOURCE is what each client is given: the .torrent, or its magnet link.
SOURCE=$TORRENT
if [[ $MAGNET == 1 ]]; then
	SOURCE="magnet:?xt=urn:btih:$INFOHASH&dn=bench.bin&tr=$(sed 's/:/%3A/g; s#/#%2F#g' <<<"$ANNOUNCE")"
	log "clients get the magnet link $SOURCE"
fi

# scrape_complete prints the tracker's seeder count for the torrent.
scrape_complete() {
	local host=${TRACKER_HOSTPORT%:*} port=${TRACKER_HOSTPORT##*:} body
	exec 3<>"/dev/tcp/$host/$port" || return 1
	printf 'GET /scrape?info_hash=%s HTTP/1.0\r\nHost: %s\r\n\r\n' \
		"$(sed 's/../%&/g' <<<"$INFOHASH")" "$TRACKER_HOSTPORT" >&3
	body=$(tr -d '\0' <&3)
	exec 3>&-
	grep -ao '8:completei[0-9]*e' <<<"$body" | head -1 | tr -dc 0-9
}

# --- seeder -----------------------------------------------------------------
ARIA_COMMON=(--no-conf=true --enable-dht=false --enable-dht6=false --bt-enable-lpd=false
	--enable-peer-exchange=false --disable-ipv6=true --summary-interval=0
	--check-integrity=true --enable-color=false)
log "starting the aria2c seeder on $SEED_IP:$SEED_PORT (it hashes the data first)"
aria2c "${ARIA_COMMON[@]}" --seed-ratio=0.0 --interface=$SEED_IP --bt-external-ip=$SEED_IP \
	--listen-port="$SEED_PORT" -d "$WORK/src" "$TORRENT" >"$WORK/seeder.log" 2>&1 &
SEED_PID=$!
PIDS+=("$SEED_PID")
for _ in $(seq 1200); do
	seeds=$(scrape_complete 2>/dev/null || true)
	[[ ${seeds:-0} -ge 1 ]] && break
	kill -0 "$SEED_PID" 2>/dev/null || die "the seeder exited (see $WORK/seeder.log)"
	sleep 0.1
done
[[ ${seeds:-0} -ge 1 ]] || die "the seeder never announced (see $WORK/seeder.log)"
log "seeder announced"

# --- one run of one client ----------------------------------------------------
# Transmission's settings: no DHT/LPD/PEX/uTP/port mapping, bound to its address.
TR_TEMPLATE=$WORK/transmission-template
mkdir -p "$TR_TEMPLATE"
cat >"$TR_TEMPLATE/settings.json" <<EOF
{
  "dht-enabled": false,
  "lpd-enabled": false,
  "pex-enabled": false,
  "utp-enabled": false,
  "port-forwarding-enabled": false,
  "bind-address-ipv4": "$TR_IP",
  "peer-port": $TR_PORT,
  "peer-port-random-on-start": false,
  "speed-limit-down-enabled": false,
  "speed-limit-up-enabled": false,
  "ratio-limit-enabled": false,
  "rpc-enabled": false,
  "blocklist-enabled": false
}
EOF
cat >"$WORK/DONE.sh" <<'EOF'
#!/bin/sh
# Called by transmission-cli when the download finishes: end it.
kill -INT "$PPID"
EOF
chmod +x "$WORK/DONE.sh"

# client_cmd NAME DIR CFG: the command line of one client, one word per line.
client_cmd() {
	local name=$1 dir=$2 cfg=$3
	case $name in
	aria2c)
		printf '%s\n' aria2c "${ARIA_COMMON[@]}" --seed-time=0 --interface=$ARIA_IP \
			--bt-external-ip=$ARIA_IP --listen-port="$ARIA_PORT" -d "$dir" "$SOURCE"
		;;
	transmission-cli)
		printf '%s\n' transmission-cli -g "$cfg" -w "$dir" -p "$TR_PORT" -D -U \
			-f "$WORK/DONE.sh" "$SOURCE"
		;;
	shoal)
		printf '%s\n' "$WORK/shoal" download --dir "$dir" --listen-ip $SHOAL_IP "$SOURCE"
		;;
	*) die "unknown client $name" ;;
	esac
}

# run_one NAME N: one timed run; appends "NAME N wall cpu rss_mib" or
# "NAME N failed why" to $RESULTS.
RESULTS=$WORK/results.txt
: >"$RESULTS"
run_one() {
	local name=$1 n=$2 dir=$WORK/dl/$1 cfg=$WORK/cfg/$1 tv=$WORK/time.$1.$2 out=$WORK/run.$1.$2.log
	local -a cmd
	rm -rf "$dir" "$cfg"
	mkdir -p "$dir" "$WORK/cfg"
	if [[ $name == transmission-cli ]]; then
		cp -r "$TR_TEMPLATE" "$cfg"
	fi
	mapfile -t cmd < <(client_cmd "$name" "$dir" "$cfg")
	if [[ $name == shoal && $SHOAL_BUILT != 1 ]]; then
		echo "$name $n failed build" >>"$RESULTS"
		log "$name run $n: failed (no binary)"
		return
	fi
	local status=0
	/usr/bin/time -v -o "$tv" timeout --signal=INT --kill-after=10 "$RUN_TIMEOUT" "${cmd[@]}" \
		>"$out" 2>&1 || status=$?
	local why=""
	if [[ $status -ne 0 ]]; then
		why="exit-$status"
	elif ! cmp -s "$DATA" "$dir/bench.bin"; then
		why="data-mismatch"
	fi
	if [[ -n $why ]]; then
		echo "$name $n failed $why" >>"$RESULTS"
		log "$name run $n: failed ($why; see $out)"
	else
		awk -v name="$name" -v n="$n" '
			/Elapsed \(wall clock\)/ {
				v = $NF; k = split(v, p, ":"); wall = 0
				for (i = 1; i <= k; i++) wall = wall * 60 + p[i]
			}
			/User time \(seconds\)/   { cpu += $NF }
			/System time \(seconds\)/ { cpu += $NF }
			/Maximum resident set size/ { rss = $NF / 1024 }
			END { printf "%s %s %.2f %.2f %.1f\n", name, n, wall, cpu, rss }
		' "$tv" >>"$RESULTS"
		log "$name run $n: $(tail -1 "$RESULTS" | cut -d' ' -f3-) (wall s, CPU s, RSS MiB)"
	fi
	rm -rf "$dir" "$cfg"
	sync
}

for n in $(seq "$RUNS"); do
	for c in $CLIENTS; do
		run_one "$c" "$n"
	done
done

# --- report ---------------------------------------------------------------------
median() { sort -g | awk '{a[NR] = $1} END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$1" -v f="$2" '$1 == c && $3 != "failed" {print $f}' "$RESULTS"; }

REPORT=$WORK/results.md
{
	how=""
	[[ $MAGNET == 1 ]] && how=", from a magnet link"
	echo "## Download of $SIZE_MIB MiB from one aria2c seeder on loopback$how (median of $RUNS runs)"
	echo
	echo "Machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%d)."
	echo
	echo "| client | wall s | CPU s (user+sys) | peak RSS MiB | runs ok |"
	echo "|---|---:|---:|---:|---:|"
	declare -A W C R
	for c in $CLIENTS; do
		ok=$(col "$c" 3 | wc -l)
		if [[ $ok -eq 0 ]]; then
			echo "| $c | failed | failed | failed | 0/$RUNS |"
			continue
		fi
		W[$c]=$(col "$c" 3 | median)
		C[$c]=$(col "$c" 4 | median)
		R[$c]=$(col "$c" 5 | median)
		echo "| $c | ${W[$c]} | ${C[$c]} | ${R[$c]} | $ok/$RUNS |"
	done
	echo
	if [[ -n ${W[shoal]:-} ]]; then
		for metric in W C R; do
			declare -n M=$metric
			best="" bestc=""
			for c in $CLIENTS; do
				[[ $c == shoal || -z ${M[$c]:-} ]] && continue
				if [[ -z $best ]] || awk -v a="${M[$c]}" -v b="$best" 'BEGIN{exit !(a < b)}'; then
					best=${M[$c]} bestc=$c
				fi
			done
			label=$([[ $metric == W ]] && echo wall || { [[ $metric == C ]] && echo CPU || echo RSS; })
			if [[ -n $best ]]; then
				echo "- Shoal / best other, $label: $(awk -v a="${M[shoal]}" -v b="$best" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }')× (best: $bestc)"
			fi
			unset -n M
		done
	else
		echo "- Shoal: failed (no ratio)."
	fi
	echo
	echo "Command lines (DIR is an empty folder per run; every download compared with cmp):"
	echo
	echo '```'
	echo "$0  # SIZE_MIB=$SIZE_MIB RUNS=$RUNS"
	echo "mktorrent -l 20 -a $ANNOUNCE -o bench.torrent bench.bin"
	echo "aria2c ${ARIA_COMMON[*]} --seed-ratio=0.0 --interface=$SEED_IP --bt-external-ip=$SEED_IP --listen-port=$SEED_PORT -d SRC bench.torrent   # seeder"
	for c in $CLIENTS; do
		mapfile -t cmd < <(client_cmd "$c" DIR CFG)
		echo "/usr/bin/time -v timeout --signal=INT --kill-after=10 $RUN_TIMEOUT ${cmd[*]}"
	done
	echo '```'
	echo
	echo "Versions: $(aria2c --version | head -1); $(transmission-cli -V 2>&1 | head -1); $(go version)."
} | sed "s|$WORK|\$WORK|g" | tee "$REPORT"
log "raw results: $RESULTS; report: $REPORT"
