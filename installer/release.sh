#!/usr/bin/env bash
# installer/release.sh — Shoal's release binaries.
#
# Builds linux/amd64, linux/arm64 and windows/amd64 from a commit of the
# repository this script sits in, without cgo, into
#   DIST/shoal-VERSION-OS-ARCH[.exe]  and  DIST/SHA256SUMS
# then checks every binary: file(1) names the right format, architecture
# and static linking; `go version -m` shows CGO_ENABLED=0, GOOS/GOARCH,
# -trimpath and the commit; the binary for this machine prints its version.
#
# The build runs in a temporary clone checked out at the commit, so what is
# released is exactly that commit (uncommitted edits are left out unless
# --worktree) and nothing is written into the work tree but DIST.
#
# Windows: -H=windowsgui (no console window) and a resource object made by
# go-winres (pinned, fetched through the Go module proxy with `go run`, not a
# dependency in go.mod): the icon, version information (Properties → Details)
# and a manifest (per-monitor DPI awareness, common controls 6). --no-winres
# builds without it. macOS needs a Mac (cgo for the menu bar): the script
# says how and goes on.
#
# Usage: bash installer/release.sh [--ref REF | --worktree] [--version V]
#                                  [--out DIR] [--no-winres]
#   --ref REF     build this commit or tag (default HEAD)
#   --worktree    build HEAD plus the work tree's uncommitted changes
#                 (a test build: the version gets ".dirty")
#   --version V   the version (default: the tag vX.Y.Z on the commit, which
#                 must agree with core/session's Version; else that Version
#                 plus "-dev.COMMIT")
#   --out DIR     where the binaries go (default: dist/ in the repository);
#                 earlier shoal-* files and SHA256SUMS there are replaced
#   --no-winres   no icon, version resource or manifest in the .exe
# Needs go 1.26+, git, file, sha256sum (and the Go module proxy for go-winres).
set -Eeuo pipefail
# One block, parsed whole before it runs: a checkout or edit of this file
# while it runs cannot change what runs.
{
export LC_ALL=C
# Never fetch another toolchain; build with the one that is here.
export GOTOOLCHAIN=local

die() { printf 'release: %s\n' "$*" >&2; exit 1; }
warn() { printf 'release: warning: %s\n' "$*" >&2; }
say() { printf '== %s\n' "$*"; }
trap 'printf "release: command failed at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

MODULE=github.com/shoal-bt/shoal
WINRES=github.com/tc-hib/go-winres@v0.3.3
TARGETS=(linux/amd64 linux/arm64 windows/amd64)
GO_MIN_MINOR=26

# --- arguments -----------------------------------------------------------------------
REF=HEAD WORKTREE=0 VERSION='' OUT='' USE_WINRES=1
usage() { sed -n '/^# Usage:/,/^# Needs/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
while (($#)); do
	case $1 in
	--ref) (($# > 1)) || die "--ref needs a commit or tag"; REF=$2; shift 2 ;;
	--worktree) WORKTREE=1; shift ;;
	--version) (($# > 1)) || die "--version needs a value"; VERSION=${2#v}; shift 2 ;;
	--out) (($# > 1)) || die "--out needs a folder"; OUT=$2; shift 2 ;;
	--no-winres) USE_WINRES=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument: $1" ;;
	esac
done
((WORKTREE == 0)) || [[ $REF == HEAD ]] || die "--worktree builds HEAD plus the work tree: leave out --ref"

# --- tools -----------------------------------------------------------------------------
for t in go git file sha256sum; do
	command -v "$t" >/dev/null || die "$t not found (Debian: apt-get install ${t/sha256sum/coreutils})"
done
GOVERSION=$(go env GOVERSION)
if ! [[ $GOVERSION =~ ^go1\.([0-9]+) ]] || ((BASH_REMATCH[1] < GO_MIN_MINOR)); then
	die "Go 1.$GO_MIN_MINOR or newer is needed (found $GOVERSION)"
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null) ||
	die "$HERE is not in a git repository: release.sh builds a commit"
[[ $(sed -n 's/^module[[:space:]]*//p' "$ROOT/go.mod" 2>/dev/null) == "$MODULE" ]] ||
	die "$ROOT/go.mod is not module $MODULE"
COMMIT=$(git -C "$ROOT" rev-parse --verify --quiet "$REF^{commit}") || die "no commit $REF in $ROOT"
SHORT=${COMMIT:0:7}
OUT=${OUT:-$ROOT/dist}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

now_ms() { date +%s%3N; }
secs() { awk -v ms="$(($(now_ms) - $1))" 'BEGIN { printf "%.1f", ms / 1000 }'; } # secs START_MS
START=$(now_ms)
TMP=$(mktemp -d /tmp/shoal-release.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
SRC=$TMP/src STAGE=$TMP/stage
mkdir -p "$STAGE"

# --- the source: a clone at the commit --------------------------------------------------
say "source: $ROOT at $SHORT ($(git -C "$ROOT" log -1 --format=%cs "$COMMIT"))"
# --shared borrows the objects: nothing is written into the repository.
git clone --quiet --shared --no-checkout "$ROOT" "$SRC"
git -C "$SRC" -c advice.detachedHead=false checkout --quiet --detach "$COMMIT"
# The Windows resource object is made inside the clone: keep it out of
# `git status`, so the binaries do not claim vcs.modified.
printf '/rsrc_windows_*.syso\n' >>"$SRC/.git/info/exclude"

DIRTY=0
if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no) ]]; then
	DIRTY=1
	((WORKTREE)) || warn "the work tree has uncommitted changes; they are NOT in this build (--worktree adds them)"
fi
if ((WORKTREE)); then
	# Modified and untracked (not ignored) files over the clone; deleted ones
	# removed. The output folder is never copied.
	n=0
	while IFS= read -r -d '' f; do
		case $ROOT/$f in "$OUT"/*) continue ;; esac
		if [[ -e $ROOT/$f || -L $ROOT/$f ]]; then
			mkdir -p "$SRC/$(dirname "$f")"
			cp -a "$ROOT/$f" "$SRC/$f"
		else
			rm -f "$SRC/$f"
		fi
		n=$((n + 1))
	done < <(git -C "$ROOT" ls-files -z --modified --others --exclude-standard)
	((n == 0)) || DIRTY=1
	say "work tree: $n changed or new files copied over the commit"
fi

# --- version -----------------------------------------------------------------------------
CONFIG=$SRC/core/session/config.go
BASE=$(sed -nE 's/^[[:space:]]*(const|var)?[[:space:]]*Version[[:space:]]*(string)?[[:space:]]*=[[:space:]]*"([^"]*)".*/\3/p' "$CONFIG" | head -n1)
[[ $BASE =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "$CONFIG: no Version = \"X.Y.Z\" found (got \"$BASE\")"
# -X can set a string variable, never a constant.
VERSION_SETTABLE=1
if grep -Eq '^[[:space:]]*const[[:space:]]+Version\b' "$CONFIG" ||
	awk '/^const[[:space:]]*\(/{c=1} c&&/^\)/{c=0} c&&/^[[:space:]]*Version[[:space:]]*=/{f=1} END{exit !f}' "$CONFIG"; then
	VERSION_SETTABLE=0
fi
TAG=$(git -C "$SRC" describe --tags --exact-match --match 'v[0-9]*' HEAD 2>/dev/null || true)
if [[ -n $VERSION ]]; then
	:
elif [[ -n $TAG ]]; then
	VERSION=${TAG#v}
	[[ $VERSION == "$BASE" ]] || die "tag $TAG but core/session Version is \"$BASE\": make them agree (or pass --version)"
else
	VERSION=$BASE-dev.$SHORT
fi
((DIRTY && WORKTREE)) && VERSION=$VERSION.dirty
[[ $VERSION =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)([-+][0-9A-Za-z.+-]*)?$ ]] ||
	die "version \"$VERSION\": want X.Y.Z with an optional -suffix of letters, digits and .+-"
for part in "${BASH_REMATCH[@]:1:3}"; do
	((10#$part <= 65535)) || die "version \"$VERSION\": Windows takes numbers up to 65535 only"
done
WINVER=$((10#${BASH_REMATCH[1]})).$((10#${BASH_REMATCH[2]})).$((10#${BASH_REMATCH[3]})).0
say "version: $VERSION (commit $COMMIT)"

LDFLAGS=(-s -w)
if ((VERSION_SETTABLE)); then
	LDFLAGS+=("-X=$MODULE/core/session.Version=$VERSION")
else
	warn "core/session.Version is a constant: -X cannot set it, so the binaries say \"$BASE\" (make it a var: see installer/README.md)"
fi
# main.commit only if package main declares it (a string var).
MAIN_GO=()
for f in "$SRC"/*.go; do [[ $f == *_test.go ]] || MAIN_GO+=("$f"); done
if ((${#MAIN_GO[@]})) &&
	grep -Eq '^[[:space:]]*(var[[:space:]]+)?commit([[:space:]]*,[[:space:]]*[A-Za-z_]+)*[[:space:]]+(string|=)' "${MAIN_GO[@]}"; then
	LDFLAGS+=("-X=main.commit=$COMMIT")
	say "main.commit: set to $COMMIT"
fi

# --- Windows resources ------------------------------------------------------------------
if ((USE_WINRES)); then
	ICON=$SRC/icons/ico/idle.ico
	[[ -f $ICON ]] || die "$ICON is missing"
	say "windows resources: $WINRES (icon, version $WINVER / $VERSION, manifest)"
	(cd "$TMP" && go run "$WINRES" simply --arch amd64 --out "$SRC/rsrc" \
		--manifest gui --icon "$ICON" \
		--file-version "$WINVER" --product-version "$VERSION" \
		--product-name Shoal --file-description "Shoal BitTorrent client" \
		--original-filename shoal.exe) ||
		die "go run $WINRES failed (is the Go module proxy reachable?); --no-winres builds without icon and version info"
	[[ -s $SRC/rsrc_windows_amd64.syso ]] || die "go-winres made no rsrc_windows_amd64.syso"
else
	warn "--no-winres: the .exe has no icon, version information or manifest"
fi

# --- build ---------------------------------------------------------------------------------
NAMES=()
for target in "${TARGETS[@]}"; do
	os=${target%/*} arch=${target#*/}
	name=shoal-$VERSION-$os-$arch
	flags=("${LDFLAGS[@]}")
	if [[ $os == windows ]]; then
		name+=.exe
		flags+=(-H=windowsgui)
	fi
	say "build $name"
	t0=$(now_ms)
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -C "$SRC" -trimpath -buildvcs=true \
		-ldflags="${flags[*]}" -o "$STAGE/$name" .
	printf '   %s s\n' "$(secs "$t0")"
	NAMES+=("$name")
done

# --- checks --------------------------------------------------------------------------------
want_file() { # want_file OS ARCH: what file(1) must say
	case $1/$2 in
	linux/amd64) echo 'ELF 64-bit LSB executable, x86-64,*statically linked,*' ;;
	linux/arm64) echo 'ELF 64-bit LSB executable, ARM aarch64,*statically linked,*' ;;
	windows/amd64) echo 'PE32+ executable (GUI) x86-64*' ;;
	*) return 1 ;;
	esac
}
have_line() { # have_line TEXT LINE: TEXT has LINE as one of its lines
	[[ $'\n'$1$'\n' == *$'\n'$2$'\n'* ]]
}
HOST=$(go env GOHOSTOS)/$(go env GOHOSTARCH)
say "checks"
for i in "${!TARGETS[@]}"; do
	target=${TARGETS[$i]} name=${NAMES[$i]} bin=$STAGE/${NAMES[$i]}
	os=${target%/*} arch=${target#*/}
	desc=$(file -b "$bin")
	pattern=$(want_file "$os" "$arch")
	# shellcheck disable=SC2053 # the pattern is a glob on purpose
	[[ $desc == $pattern ]] || die "$name: file(1) says \"$desc\", want \"$pattern\""
	info=$(go version -m "$bin")
	for line in $'\tpath\t'"$MODULE" $'\tbuild\t-trimpath=true' $'\tbuild\tCGO_ENABLED=0' \
		$'\tbuild\tGOOS='"$os" $'\tbuild\tGOARCH='"$arch" $'\tbuild\tvcs.revision='"$COMMIT" \
		$'\tbuild\tvcs.modified='"$([[ $DIRTY$WORKTREE == 11 ]] && echo true || echo false)"; do
		have_line "$info" "$line" || die "$name: go version -m lacks \"${line//$'\t'/ }\""
	done
	if ((VERSION_SETTABLE)) && ! grep -qaF -- "$VERSION" "$bin"; then
		die "$name: the version string $VERSION is not in the binary (-X did not take)"
	fi
	if [[ $os == windows ]] && ((USE_WINRES)); then
		rm -rf "$TMP/res"
		(cd "$TMP" && go run "$WINRES" extract --dir "$TMP/res" "$bin") >/dev/null ||
			die "$name: go-winres cannot read its resources"
		res=$(cat "$TMP/res/winres.json")
		for want in RT_GROUP_ICON RT_MANIFEST '"per monitor v2"' "\"ProductVersion\": \"$VERSION\"" \
			"\"file_version\": \"$WINVER\""; do
			[[ $res == *"$want"* ]] || die "$name: the resources lack $want"
		done
	fi
	if [[ $target == "$HOST" ]]; then
		got=$(timeout 20 "$bin" version) || die "$name: \`$name version\` failed"
		got=${got%%$'\n'*}
		want="shoal $VERSION"
		((VERSION_SETTABLE)) || want="shoal $BASE"
		[[ $got == "$want" ]] || die "$name: \`version\` says \"$got\", want \"$want\""
	fi
	printf '   ok  %-42s %s\n' "$name" "${desc%%, Go BuildID*}"
done

# --- dist ------------------------------------------------------------------------------------
say "dist: $OUT"
rm -f "$OUT"/shoal-*-linux-* "$OUT"/shoal-*-windows-* "$OUT"/shoal-*-darwin-* "$OUT/SHA256SUMS"
for name in "${NAMES[@]}"; do
	mv "$STAGE/$name" "$OUT/$name"
done
(cd "$OUT" && sha256sum "${NAMES[@]}" >SHA256SUMS && sha256sum --quiet -c SHA256SUMS)
for name in "${NAMES[@]}"; do
	size=$(stat -c %s "$OUT/$name")
	printf '   %-42s %10d bytes  %s MiB\n' "$name" "$size" "$(awk -v b="$size" 'BEGIN { printf "%5.1f", b / 1048576 }')"
done
printf '   SHA256SUMS\n'

cat <<EOF

macOS: not built here. The menu bar icon needs cgo and Apple's SDK, so build
on a Mac (Go 1.$GO_MIN_MINOR+, Xcode command line tools), at the same commit:
  git checkout $COMMIT
  CGO_ENABLED=1 go build -trimpath -ldflags='${LDFLAGS[*]}' -o shoal .
  ./shoal install        # makes ~/Applications/Shoal.app and registers it
(GOARCH=amd64 or arm64 for either Mac; a binary built without cgo runs
headless, with no menu bar icon.)
EOF
printf '\nrelease: %s built and checked in %s s\n' "$VERSION" "$(secs "$START")"
exit 0
}
