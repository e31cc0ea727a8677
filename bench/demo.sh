#!/usr/bin/env bash
# bench/demo.sh — Shoal downloading a torrent on this machine, offline.
#
# Builds shoal, writes ~64 MiB of random data, makes a torrent of it with
# mktorrent, starts the bench tracker and an aria2c seeder on loopback
# (127.0.0.2), then runs `shoal download` on 127.0.0.5 and compares the
# result with the source byte for byte. Then it runs the app the way a user
# does — `shoal` in the background (with a private HOME and XDG folders),
# `shoal open demo.torrent`, `shoal list`, `shoal quit`, start again — and
# compares again; then `shoal demo` hands the running app a sample torrent
# seeded from an in-process seeder. On a desktop with a tray the app shows
# its icon and notifications meanwhile. Nothing leaves the machine.
#
# Usage: bash bench/demo.sh
# Environment (optional): SIZE_MIB=64, WORK=dir (default: a new temp folder,
# removed at the end unless KEEP_WORK=1), SHOAL_BIN=path (use this shoal binary
# instead of building one).
# Needs go (1.26+); installs aria2 and mktorrent with apt-get when missing.
set -Eeuo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-64}
KEEP_WORK=${KEEP_WORK:-0}
WORK=${WORK:-$(mktemp -d /tmp/shoal-demo.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
SEED_IP=127.0.0.2 SEED_PORT=${SEED_PORT:-52002}
SHOAL_IP=127.0.0.5

say() { printf '\n== %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
trap 'printf "demo: command failed at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	if [[ $KEEP_WORK == 1 ]]; then
		echo "(work folder kept: $WORK)"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

# --- tools --------------------------------------------------------------------
command -v go >/dev/null || die "go not found: install Go 1.26 (https://go.dev/dl/) and put it on PATH"
missing=()
command -v aria2c >/dev/null || missing+=(aria2)
command -v mktorrent >/dev/null || missing+=(mktorrent)
if ((${#missing[@]})); then
	say "installing ${missing[*]}"
	SUDO=()
	[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
	"${SUDO[@]}" apt-get update
	DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y "${missing[@]}"
fi

# --- build ----------------------------------------------------------------------
say "building shoal and the bench tracker"
(cd "$ROOT" && go build -o "$WORK/tracker" ./bench/tracker)
if [[ -n ${SHOAL_BIN:-} ]]; then
	cp "$SHOAL_BIN" "$WORK/shoal"
elif ! (cd "$ROOT" && go build -o "$WORK/shoal" .); then
	die "shoal does not build yet (the engine and the CLI are still being written)"
fi

# --- data, tracker, torrent, seeder ---------------------------------------------
say "writing $SIZE_MIB MiB of random data"
mkdir -p "$WORK/src/demo" "$WORK/dl"
head -c "$((SIZE_MIB * 1024 * 1024 * 3 / 4))" /dev/urandom >"$WORK/src/demo/big.bin"
head -c "$((SIZE_MIB * 1024 * 1024 / 4))" /dev/urandom >"$WORK/src/demo/small.bin"
ls -l "$WORK/src/demo"

"$WORK/tracker" -listen 127.0.0.1:0 -interval 10s -v >"$WORK/tracker.out" 2>"$WORK/tracker.log" &
PIDS+=($!)
for _ in $(seq 100); do
	[[ -s $WORK/tracker.out ]] && break
	sleep 0.1
done
ANNOUNCE=$(awk '/^announce /{print $2}' "$WORK/tracker.out")
[[ -n $ANNOUNCE ]] || die "the tracker did not start: $(cat "$WORK/tracker.log")"
echo "tracker: $ANNOUNCE"

say "making the torrent with mktorrent (256 KiB pieces)"
mktorrent -l 18 -a "$ANNOUNCE" -o "$WORK/demo.torrent" "$WORK/src/demo" >/dev/null
ls -l "$WORK/demo.torrent"

say "starting an aria2c seeder on $SEED_IP:$SEED_PORT"
aria2c --no-conf=true --enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
	--enable-peer-exchange=false --disable-ipv6=true --summary-interval=0 --enable-color=false \
	--check-integrity=true --seed-ratio=0.0 --interface=$SEED_IP --bt-external-ip=$SEED_IP \
	--listen-port="$SEED_PORT" -d "$WORK/src" "$WORK/demo.torrent" >"$WORK/seeder.log" 2>&1 &
SEED_PID=$!
PIDS+=("$SEED_PID")
for _ in $(seq 600); do
	grep -q "peer=$SEED_IP:$SEED_PORT .*left=0" "$WORK/tracker.log" && break
	kill -0 "$SEED_PID" 2>/dev/null || die "the seeder exited: $(tail -20 "$WORK/seeder.log")"
	sleep 0.1
done
grep -q "peer=$SEED_IP:$SEED_PORT .*left=0" "$WORK/tracker.log" || die "the seeder never announced"
echo "seeder announced to the tracker"

# --- shoal ------------------------------------------------------------------------
say "shoal download --dir $WORK/dl --listen-ip $SHOAL_IP demo.torrent"
start=$(date +%s.%N)
status=0
timeout --signal=INT --kill-after=10 300 \
	"$WORK/shoal" download --dir "$WORK/dl" --listen-ip $SHOAL_IP "$WORK/demo.torrent" || status=$?
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
[[ $status -eq 0 ]] || die "shoal download failed (exit status $status after $secs s)"

say "comparing the download with the source"
if diff -r -q "$WORK/src/demo" "$WORK/dl/demo"; then
	echo "OK: $SIZE_MIB MiB downloaded by shoal in $secs s, identical to the source byte for byte"
else
	die "the download differs from the source"
fi

# --- the app --------------------------------------------------------------------
APP_HOME=$WORK/home
export HOME=$APP_HOME XDG_CONFIG_HOME=$APP_HOME/config XDG_STATE_HOME=$APP_HOME/state \
	XDG_RUNTIME_DIR=$APP_HOME/run XDG_DOWNLOAD_DIR=$APP_HOME/Downloads
mkdir -p "$XDG_CONFIG_HOME/shoal" "$XDG_DOWNLOAD_DIR"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"
# Any free peer port, so the demo never collides with a running client.
printf '[network]\nport = 0\n' >"$XDG_CONFIG_HOME/shoal/settings.toml"

start_app() {
	"$WORK/shoal" --quiet 2>>"$WORK/app.log" &
	APP_PID=$!
	PIDS+=("$APP_PID")
	for _ in $(seq 200); do
		"$WORK/shoal" list >/dev/null 2>&1 && return 0
		kill -0 "$APP_PID" 2>/dev/null || die "the app exited: $(tail -5 "$WORK/app.log")"
		sleep 0.1
	done
	die "the app did not answer: $(tail -5 "$WORK/app.log")"
}

say "the app: shoal (headless, settings and state under $APP_HOME)"
start_app
"$WORK/shoal" open "$WORK/demo.torrent"
for _ in $(seq 1200); do
	"$WORK/shoal" list | grep -q "seeding  *100.0%" && break
	kill -0 "$APP_PID" 2>/dev/null || die "the app exited: $(tail -5 "$WORK/app.log")"
	sleep 0.1
done
"$WORK/shoal" list
"$WORK/shoal" list | grep -q "seeding  *100.0%" || die "the app did not finish the download"
"$WORK/shoal" quit
wait "$APP_PID" || die "the app did not stop cleanly: $(tail -5 "$WORK/app.log")"
diff -r -q "$WORK/src/demo" "$XDG_DOWNLOAD_DIR/demo" || die "the app's download differs from the source"

say "the app again: its torrent is still there, checked from resume data"
start_app
"$WORK/shoal" list

say "shoal demo: sample data seeded to the running app from an in-process seeder"
"$WORK/shoal" demo --size 32MiB --rate 16MiB --timeout 2m || die "shoal demo failed"
"$WORK/shoal" list
"$WORK/shoal" quit
wait "$APP_PID" || die "the app did not stop cleanly: $(tail -5 "$WORK/app.log")"
echo "OK: the app downloaded the torrent, kept it across a restart, and stopped cleanly"
