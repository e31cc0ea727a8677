#!/usr/bin/env bash
# bench/screenshots.sh — screenshots of Shoal's tray for the docs.
#
# Runs a whole small desktop on a virtual screen, with nothing of the user's:
# Xvfb, a private D-Bus session bus (no service activation: every program on
# it is started here), xfconfd and an xfce4-panel holding only the status
# tray (it hosts StatusNotifierItems, Shoal's only kind of tray icon), dunst
# for notifications, then Shoal with a private HOME and XDG folders, and
# `shoal demo` seeding sample data to it over loopback. Once `shoal list`
# shows the demo downloading, it clicks the icon with xdotool and shoots:
#
#   docs/images/tray-icon.png      the panel's corner with Shoal's icon
#   docs/images/tray-tooltip.png   the icon's tooltip (hovered)
#   docs/images/tray-menu.png      the menu, opened by a click on the icon
#   docs/images/tray-submenu.png   the same with the torrent's submenu open
#   docs/images/notification.png   the "Downloaded" notification at the end
#
# Where something is found on the screen (panel, icon, menu, tooltip,
# notification) is measured, not assumed: each is what changed between two
# screenshots. Every wait is a bounded poll.
#
# Usage: bash bench/screenshots.sh
# Environment (optional):
#   OUT=dir       where the PNGs go (default: docs/images in this checkout)
#   SCALE=2       GTK scale of the panel, its menus and the notification
#                 (1 or 2; 2 gives sharp, readable images)
#   SIZE=64MiB RATE=2MiB   the demo's data size and the seeder's rate
#   SHOAL_BIN=path   use this shoal binary instead of building one
#   KEEP_WORK=1   keep the work folder (logs, raw screenshots) for a look
# Needs go (1.26+) unless SHOAL_BIN is given. Installs what is missing with
# apt-get (--no-install-recommends): xvfb dbus-daemon dbus-bin xfce4-panel
# xfconf dunst xdotool imagemagick x11-utils fonts-dejavu-core.
# Why xfce4-panel: its 4.18 status tray hosts StatusNotifierItems itself
# (Debian 12 has no snixembed to bridge SNI to a classic XEmbed tray), it
# needs no window manager (--disable-wm-check) and runs from one xfconf file.
# Takes about 45 s once the packages are there.
set -Eeuo pipefail
export LC_ALL=C.UTF-8

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$ROOT/docs/images}
SCALE=${SCALE:-2}
SIZE=${SIZE:-64MiB}
RATE=${RATE:-2MiB}
KEEP_WORK=${KEEP_WORK:-0}
DESKTOP_COLOR='#3c5a73'

case $SCALE in
1) SCREEN_W=1280 SCREEN_H=800 ;;
2) SCREEN_W=1920 SCREEN_H=1200 ;;
*)
	echo "screenshots: SCALE must be 1 or 2, not $SCALE" >&2
	exit 2
	;;
esac

START=$SECONDS
say() { printf '== %s (%ds)\n' "$*" $((SECONDS - START)); }
die() {
	printf 'screenshots: %s\n' "$*" >&2
	exit 1
}
trap 'printf "screenshots: command failed at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

# --- tools --------------------------------------------------------------------
# program → Debian package
declare -A NEED=(
	[Xvfb]=xvfb [dbus-daemon]=dbus-daemon [dbus-send]=dbus-bin [xfce4-panel]=xfce4-panel
	[xfconf-query]=xfconf [dunst]=dunst [dunstctl]=dunst [xdotool]=xdotool
	[import]=imagemagick [convert]=imagemagick [display]=imagemagick [xwininfo]=x11-utils
)
missing=()
for prog in "${!NEED[@]}"; do
	command -v "$prog" >/dev/null || missing+=("${NEED[$prog]}")
done
# The DejaVu fonts: GTK's and dunst's text.
[[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)
if ((${#missing[@]})); then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	say "installing ${missing[*]}"
	SUDO=()
	[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
	"${SUDO[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# ImageMagick 6 by its own Debian name when it has one: a `convert` found
# earlier on PATH may be a wrapper, slow to start, and this script calls it
# often.
CONVERT=$(command -v convert-im6.q16 || command -v convert)
XFCONFD=$(compgen -G '/usr/lib/*/xfce4/xfconf/xfconfd' | head -1 || true)
[[ -x $XFCONFD ]] || die "xfconfd not found (Debian package xfconf)"

# --- work folder, processes, cleanup --------------------------------------------
WORK=$(mktemp -d /tmp/shoal-shots.XXXXXX)
PIDS=() # every process started here, in start order
SHOAL=$WORK/shoal

cleanup() {
	local status=$? pid i
	trap - ERR
	set +e
	# Shoal first, gently: it saves its state and says goodbye to trackers.
	if [[ -n ${SHOAL_PID:-} ]] && kill -0 "$SHOAL_PID" 2>/dev/null; then
		timeout 5 "$SHOAL" quit >/dev/null 2>&1
		for _ in $(seq 50); do
			kill -0 "$SHOAL_PID" 2>/dev/null || break
			sleep 0.1
		done
	fi
	# The panel's plugin runs in a wrapper process of the panel's: end it by
	# its id too, whatever the panel does on its way out.
	if [[ -n ${PANEL_PID:-} ]]; then
		for pid in $(pgrep -P "$PANEL_PID" 2>/dev/null); do PIDS+=("$pid"); done
	fi
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill "${PIDS[i]}" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [[ $KEEP_WORK == 1 ]]; then
		echo "(work folder kept: $WORK)"
	elif [[ $status -ne 0 && $status -ne 130 && $status -ne 143 ]]; then
		# Failed: keep the logs and screenshots, not the demo's data.
		rm -rf "$WORK/home/.cache" "$WORK/home/Downloads"
		echo "(logs and screenshots kept: $WORK)"
	else
		rm -rf "$WORK"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# poll TRIES CMD...: run CMD every 0.1 s until it succeeds, at most TRIES
# times.
poll() {
	local tries=$1 n
	shift
	for ((n = 0; n < tries; n++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# alive NAME PID: dies with NAME's log when PID has exited.
alive() { kill -0 "$2" 2>/dev/null || die "$1 exited: $(tail -5 "$WORK/$1.log" 2>/dev/null)"; }

# --- build ------------------------------------------------------------------------
if [[ -n ${SHOAL_BIN:-} ]]; then
	cp "$SHOAL_BIN" "$SHOAL"
else
	say "building shoal"
	command -v go >/dev/null || die "go not found: install Go 1.26 or set SHOAL_BIN"
	(cd "$ROOT" && go build -o "$SHOAL" .) || die "shoal does not build"
fi

# --- a private world: HOME, XDG folders, no trace of the user's session ---------
H=$WORK/home
export HOME=$H XDG_CONFIG_HOME=$H/.config XDG_CACHE_HOME=$H/.cache XDG_DATA_HOME=$H/.local/share \
	XDG_STATE_HOME=$H/.local/state XDG_RUNTIME_DIR=$WORK/run XDG_DOWNLOAD_DIR=$H/Downloads
unset XDG_CONFIG_DIRS SESSION_MANAGER WAYLAND_DISPLAY DESKTOP_STARTUP_ID XDG_SESSION_TYPE \
	XDG_CURRENT_DESKTOP GTK_MODULES DBUS_SESSION_BUS_ADDRESS
mkdir -p "$XDG_CONFIG_HOME/shoal" "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml" \
	"$XDG_CONFIG_HOME/dunst" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_DOWNLOAD_DIR"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"
# GTK without the desktop services it would otherwise look for on the bus.
export GDK_BACKEND=x11 GDK_SCALE=$SCALE NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory GIO_USE_VFS=local \
	GTK_THEME=Adwaita

# Shoal: any free port, nothing beyond loopback; no "Added" notification (it
# would cover the menu in the shots; "Downloaded" is the one shot).
cat >"$XDG_CONFIG_HOME/shoal/settings.toml" <<'EOF'
[network]
port = 0
dht = false
pex = false

[app]
notify_added = false
EOF

# The panel: one row along the top, an empty expanding separator, then the
# status tray (the plugin that hosts StatusNotifierItems). Given as xfconf's
# channel file so the panel never asks its first-start question.
cat >"$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="32"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
        <value type="int" value="2"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="separator">
      <property name="expand" type="bool" value="true"/>
      <property name="style" type="uint" value="0"/>
    </property>
    <property name="plugin-2" type="string" value="systray">
      <property name="icon-size" type="uint" value="22"/>
      <property name="square-icons" type="bool" value="true"/>
    </property>
  </property>
</channel>
EOF

# dunst: a light card under the panel's right end, staying until shot.
cat >"$XDG_CONFIG_HOME/dunst/dunstrc" <<EOF
[global]
    monitor = 0
    follow = none
    scale = $SCALE
    width = (240, 420)
    height = 160
    origin = top-right
    offset = 8x40
    font = DejaVu Sans $((10 * SCALE))
    markup = full
    format = "<b>%s</b>\n%b"
    alignment = left
    frame_width = 1
    frame_color = "#9a9a9a"
    separator_height = 0
    corner_radius = 6
    padding = 12
    horizontal_padding = 12
    text_icon_padding = 12
    icon_position = left
    min_icon_size = 32
    max_icon_size = 48
    mouse_left_click = none
    mouse_middle_click = none
    mouse_right_click = none
[urgency_low]
    background = "#fafafa"
    foreground = "#202020"
    timeout = 0
[urgency_normal]
    background = "#fafafa"
    foreground = "#202020"
    timeout = 0
[urgency_critical]
    background = "#fafafa"
    foreground = "#202020"
    frame_color = "#c01c28"
    timeout = 0
EOF

# The bus: a session bus of our own that starts nothing by itself.
cat >"$WORK/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$XDG_RUNTIME_DIR/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

# --- screen helpers -----------------------------------------------------------------
# Working screenshots are raw RGB (fast to write, compare and read back);
# only the kept crops become PNG.
RAW=(-size "${SCREEN_W}x${SCREEN_H}" -depth 8)

# shot FILE: the whole screen.
shot() { import -window root -depth 8 "rgb:$1"; }

# changed A B [Y0 [Y1]]: the box (WxH+X+Y, screen coordinates) around every
# pixel that differs between screenshots A and B within rows Y0..Y1-1
# (default: the whole screen); nothing when none does.
changed() {
	local y0=${3:-0} y1=${4:-$SCREEN_H}
	"$CONVERT" "${RAW[@]}" "rgb:$1" "rgb:$2" -compose difference -composite \
		-crop "${SCREEN_W}x$((y1 - y0))+0+$y0" +repage -colorspace gray -threshold 3% \
		-bordercolor black -border 1 -format '%@' info: 2>/dev/null | to_box 1 $((y0 - 1))
}

# to_box DX DY: reads ImageMagick's WxH+X+Y and prints it moved by -DX,+DY,
# or nothing for an empty box.
to_box() {
	local box w h x y
	read -r box || [[ -n $box ]] || return 0
	[[ $box =~ ^([0-9]+)x([0-9]+)\+([0-9]+)\+([0-9]+)$ ]] || return 0
	w=${BASH_REMATCH[1]} h=${BASH_REMATCH[2]} x=${BASH_REMATCH[3]} y=${BASH_REMATCH[4]}
	((w > 0 && h > 0)) || return 0
	echo "${w}x${h}+$((x - $1))+$((y + $2))"
}

# colored FILE COLOR Y0: the box around the pixels of about COLOR in FILE
# below row Y0.
colored() {
	"$CONVERT" "${RAW[@]}" "rgb:$1" -crop "${SCREEN_W}x$((SCREEN_H - $3))+0+$3" +repage \
		-fuzz 10% -fill black +opaque "$2" -fill white -opaque "$2" \
		-bordercolor black -border 1 -format '%@' info: 2>/dev/null | to_box 1 $(($3 - 1))
}

# settle BASE Y0 Y1 FILE [UNLESS]: waits (≤ ~15 s) until the screen stays
# the same across two screenshots and differs from BASE in rows Y0..Y1-1
# (by a box other than UNLESS); leaves the screenshot in FILE and the box
# in $BOX.
settle() {
	local base=$1 y0=$2 y1=$3 file=$4 unless=${5:-} n
	BOX=""
	rm -f "$file.prev"
	for ((n = 0; n < 40; n++)); do
		shot "$file"
		if [[ -e $file.prev ]] && cmp -s "$file" "$file.prev"; then
			BOX=$(changed "$base" "$file" "$y0" "$y1")
			[[ -n $BOX && $BOX != "$unless" ]] && return 0
		fi
		mv -f "$file" "$file.prev"
		sleep 0.1
	done
	die "nothing new settled on the screen in rows $y0..$y1 (last change: ${BOX:-none}); see $WORK"
}

# cleared BASE Y0 Y1: waits (≤ ~10 s) until rows Y0..Y1-1 look like BASE
# again.
cleared() {
	local n
	for ((n = 0; n < 20; n++)); do
		shot "$WORK/now.rgb"
		[[ -z $(changed "$1" "$WORK/now.rgb" "$2" "$3") ]] && return 0
		sleep 0.1
	done
	die "the screen did not clear in rows $2..$3; see $WORK"
}

# box_parts BOX: sets BW BH BX BY.
box_parts() {
	[[ $1 =~ ^([0-9]+)x([0-9]+)\+([0-9]+)\+([0-9]+)$ ]] || die "bad box '$1'"
	BW=${BASH_REMATCH[1]} BH=${BASH_REMATCH[2]} BX=${BASH_REMATCH[3]} BY=${BASH_REMATCH[4]}
}

# save SRC X0 Y0 X1 Y1 NAME: crops screenshot SRC to the rectangle (clamped
# to the screen) and writes it as PNG to $OUT/NAME.
save() {
	local src=$1 x0=$2 y0=$3 x1=$4 y1=$5 name=$6
	((x0 < 0)) && x0=0
	((y0 < 0)) && y0=0
	((x1 > SCREEN_W)) && x1=$SCREEN_W
	((y1 > SCREEN_H)) && y1=$SCREEN_H
	"$CONVERT" "${RAW[@]}" "rgb:$src" -crop "$((x1 - x0))x$((y1 - y0))+$x0+$y0" +repage -strip \
		-define png:exclude-chunks=date,time "png:$WORK/$name"
	mv -f "$WORK/$name" "$OUT/$name"
	WRITTEN+=("$OUT/$name")
}
WRITTEN=()

# has_name NAME: whether NAME is owned on the private bus.
has_name() {
	dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q true
}

# --- X, bus, panel, notifications ------------------------------------------------
say "starting Xvfb (${SCREEN_W}x${SCREEN_H}), a private session bus, xfce4-panel and dunst"
DISPLAY_NUM=""
for n in $(seq 93 140); do
	[[ -e /tmp/.X$n-lock || -e /tmp/.X11-unix/X$n ]] && continue
	Xvfb ":$n" -screen 0 "${SCREEN_W}x${SCREEN_H}x24" -nolisten tcp -noreset -br >"$WORK/Xvfb.log" 2>&1 &
	pid=$!
	if poll 50 xwininfo -display ":$n" -root >/dev/null 2>&1; then
		DISPLAY_NUM=$n
		PIDS+=("$pid")
		break
	fi
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
done
[[ -n $DISPLAY_NUM ]] || die "no free X display in :93..:140 ($(tail -3 "$WORK/Xvfb.log"))"
export DISPLAY=:$DISPLAY_NUM
"$CONVERT" -size 8x8 "xc:$DESKTOP_COLOR" "$WORK/desktop.png"
display -window root "$WORK/desktop.png" || true # sets the root's background; exits 1

dbus-daemon --config-file="$WORK/bus.conf" --nofork --nopidfile >"$WORK/dbus.log" 2>&1 &
PIDS+=($!)
export DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/bus
poll 50 has_name org.freedesktop.DBus || die "the session bus did not start: $(tail -3 "$WORK/dbus.log")"

"$XFCONFD" >"$WORK/xfconfd.log" 2>&1 &
PIDS+=($!)
poll 50 has_name org.xfce.Xfconf || die "xfconfd did not start: $(tail -3 "$WORK/xfconfd.log")"

shot "$WORK/0-desktop.rgb"
xfce4-panel --disable-wm-check >"$WORK/panel.log" 2>&1 &
PANEL_PID=$!
PIDS+=("$PANEL_PID")
poll 100 has_name org.kde.StatusNotifierWatcher ||
	die "the panel's status tray did not start: $(tail -3 "$WORK/panel.log")"
settle "$WORK/0-desktop.rgb" 0 "$SCREEN_H" "$WORK/1-panel.rgb"
box_parts "$BOX"
PANEL_H=$((BY + BH))
echo "panel: $BOX"

dunst -config "$XDG_CONFIG_HOME/dunst/dunstrc" >"$WORK/dunst.log" 2>&1 &
PIDS+=($!)
poll 50 has_name org.freedesktop.Notifications || die "dunst did not start: $(tail -3 "$WORK/dunst.log")"

# --- Shoal and the demo -----------------------------------------------------------
say "starting Shoal (settings and state under $H)"
"$SHOAL" --verbose >"$WORK/shoal.log" 2>&1 &
SHOAL_PID=$!
PIDS+=("$SHOAL_PID")
poll 100 "$SHOAL" list >/dev/null 2>&1 || { alive shoal "$SHOAL_PID"; die "shoal did not answer"; }

# The icon: what appears in the panel once Shoal registered its item.
settle "$WORK/1-panel.rgb" 0 "$PANEL_H" "$WORK/2-icon.rgb"
echo "icon: $BOX"

say "shoal demo --size $SIZE --rate $RATE"
"$SHOAL" demo --size "$SIZE" --rate "$RATE" --timeout 3m >"$WORK/demo.log" 2>&1 &
DEMO_PID=$!
PIDS+=("$DEMO_PID")
# demo_done: the demo torrent's percentage while it downloads ("" if not).
demo_done() { "$SHOAL" list 2>/dev/null | awk '$2 == "downloading" && /Shoal demo/ { sub("%", "", $3); print $3; exit }'; }
going() {
	local pct
	alive demo "$DEMO_PID"
	pct=$(demo_done)
	[[ -n $pct ]] && awk -v p="$pct" 'BEGIN { exit !(p >= 5) }'
}
poll 600 going || die "the demo never showed as downloading: $(tail -3 "$WORK/demo.log")"
"$SHOAL" list

# --- the shots ----------------------------------------------------------------------
say "shooting"
mkdir -p "$OUT"
# Away from the panel and from anything that pops up under it.
park() { xdotool mousemove 4 $((SCREEN_H - 4)); }
park
M=$((16 * SCALE)) # the desktop shown around a menu

# The icon, as the panel shows it now (downloading).
settle "$WORK/1-panel.rgb" 0 "$PANEL_H" "$WORK/3-icon.rgb"
box_parts "$BOX"
ICON_X=$((BX + BW / 2)) ICON_Y=$((BY + BH / 2))
save "$WORK/3-icon.rgb" $((BX - 120 * SCALE)) 0 "$SCREEN_W" "$PANEL_H" tray-icon.png
if ((SCALE == 1)); then # a 22 px icon: doubled, pixel for pixel
	"$CONVERT" "$OUT/tray-icon.png" -scale 200% -strip "png:$WORK/icon2x.png"
	mv -f "$WORK/icon2x.png" "$OUT/tray-icon.png"
fi
BASE=$WORK/3-icon.rgb

# The tooltip: the pointer rests on the icon.
xdotool mousemove "$ICON_X" "$ICON_Y"
settle "$BASE" "$PANEL_H" "$SCREEN_H" "$WORK/4-tooltip.rgb"
box_parts "$BOX"
save "$WORK/4-tooltip.rgb" $((BX - M)) 0 "$SCREEN_W" $((BY + BH + M)) tray-tooltip.png
park
cleared "$BASE" "$PANEL_H" "$SCREEN_H"

# The menu: a click on the icon, then the pointer goes away (no tooltip).
xdotool mousemove "$ICON_X" "$ICON_Y" click 1
park
settle "$BASE" "$PANEL_H" "$SCREEN_H" "$WORK/5-menu.rgb"
MENU_BOX=$BOX
box_parts "$BOX"
save "$WORK/5-menu.rgb" $((BX - M)) 0 "$SCREEN_W" $((BY + BH + M)) tray-menu.png

# The submenu: Down selects the first item that can be chosen (the torrent's
# line: the header above it is disabled); its highlight (Adwaita's blue)
# tells where the line is; the pointer resting there opens the submenu with
# nothing in it selected.
xdotool key Down
ROW=""
for _ in $(seq 20); do
	shot "$WORK/6-row.rgb"
	ROW=$(colored "$WORK/6-row.rgb" '#3584e4' "$PANEL_H")
	[[ -n $ROW ]] && break
	sleep 0.1
done
[[ -n $ROW ]] || die "the menu shows no selected line after Down; see $WORK"
box_parts "$ROW"
xdotool mousemove $((BX + BW / 2)) $((BY + BH / 2))
settle "$BASE" "$PANEL_H" "$SCREEN_H" "$WORK/6-submenu.rgb" "$MENU_BOX"
box_parts "$BOX"
save "$WORK/6-submenu.rgb" $((BX - M)) 0 "$SCREEN_W" $((BY + BH + M)) tray-submenu.png
park
xdotool key Escape Escape Escape
cleared "$BASE" "$PANEL_H" "$SCREEN_H"
"$SHOAL" list

# The notification once the demo has it all.
say "waiting for the demo to finish"
for _ in $(seq 1800); do
	kill -0 "$DEMO_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$DEMO_PID" 2>/dev/null; then
	die "the demo did not finish in 3 min: $(tail -3 "$WORK/demo.log")"
fi
status=0
wait "$DEMO_PID" || status=$?
mapfile -t PIDS < <(printf '%s\n' "${PIDS[@]}" | grep -vx "$DEMO_PID") # reaped: not ours any more
((status == 0)) || die "the demo failed (status $status): $(tail -3 "$WORK/demo.log")"
tail -1 "$WORK/demo.log"
if poll 100 bash -c '[[ $(dunstctl count displayed) -ge 1 ]]'; then
	settle "$BASE" "$PANEL_H" "$SCREEN_H" "$WORK/7-notification.rgb"
	box_parts "$BOX"
	save "$WORK/7-notification.rgb" $((BX - M)) 0 "$SCREEN_W" $((BY + BH + M)) notification.png
else
	echo "no notification was shown (see $WORK/shoal.log)" >&2
fi
"$SHOAL" list

say "done"
printf '%s\n' "${WRITTEN[@]}"
