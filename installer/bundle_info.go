package installer

import (
	"runtime/debug"
	"strconv"
	"strings"
)

// What goes into Shoal.app's Info.plist and the LaunchAgent.

const (
	macBundleID = "io.github.shoal-bt.shoal"
	// macTorrentUTI is the type identifier the BitTorrent world uses for
	// .torrent files; Shoal imports it (declares it without owning it),
	// so it works whether or not another app declared it first.
	macTorrentUTI = "org.bittorrent.torrent"
	// macMinimumSystem is the oldest macOS the Go toolchain supports.
	macMinimumSystem = "12.0"
)

// macInfoPlist is Shoal.app's Info.plist. version is
// CFBundleShortVersionString ("1.2.3"); icon names the icns file in
// Contents/Resources, or is "" for none.
func macInfoPlist(version, icon string) plistDict {
	d := plistDict{
		{"CFBundleDevelopmentRegion", "en"},
		{"CFBundleIdentifier", macBundleID},
		{"CFBundleName", "Shoal"},
		{"CFBundleDisplayName", "Shoal"},
		{"CFBundleExecutable", macExeName},
		{"CFBundlePackageType", "APPL"},
		{"CFBundleInfoDictionaryVersion", "6.0"},
		{"CFBundleShortVersionString", version},
		{"CFBundleVersion", version},
		{"LSMinimumSystemVersion", macMinimumSystem},
		// A menu bar app: no Dock icon, no app menu.
		{"LSUIElement", true},
		{"NSHighResolutionCapable", true},
	}
	if icon != "" {
		d = append(d, plistKV{"CFBundleIconFile", icon})
	}
	torrentType := plistDict{
		{"CFBundleTypeName", "BitTorrent file"},
		{"CFBundleTypeRole", "Viewer"},
		{"LSHandlerRank", "Owner"},
		{"LSItemContentTypes", []string{macTorrentUTI}},
		// Read by macOS versions that predate LSItemContentTypes.
		{"CFBundleTypeExtensions", []string{"torrent"}},
		{"CFBundleTypeMIMETypes", []string{"application/x-bittorrent"}},
	}
	if icon != "" {
		torrentType = append(torrentType, plistKV{"CFBundleTypeIconFile", icon})
	}
	return append(d,
		plistKV{"CFBundleDocumentTypes", []any{torrentType}},
		plistKV{"UTImportedTypeDeclarations", []any{plistDict{
			{"UTTypeIdentifier", macTorrentUTI},
			{"UTTypeDescription", "BitTorrent file"},
			{"UTTypeConformsTo", []string{"public.data"}},
			{"UTTypeTagSpecification", plistDict{
				{"public.filename-extension", []string{"torrent"}},
				{"public.mime-type", []string{"application/x-bittorrent"}},
			}},
		}}},
		plistKV{"CFBundleURLTypes", []any{plistDict{
			{"CFBundleURLName", macBundleID + ".magnet"},
			{"CFBundleTypeRole", "Viewer"},
			{"CFBundleURLSchemes", []string{"magnet"}},
		}}},
	)
}

// macAgentPlist is the LaunchAgent that starts exe at login.
func macAgentPlist(exe string) plistDict {
	return plistDict{
		{"Label", macBundleID},
		{"ProgramArguments", []string{exe}},
		{"RunAtLoad", true},
		{"ProcessType", "Interactive"},
		{"LimitLoadToSessionType", "Aqua"},
	}
}

// macBundleVersion turns a Go module version into the "1.2.3" form
// CFBundleShortVersionString requires ("v1.2.3-rc.1" → "1.2.3");
// anything else (a "(devel)" build) is "0.0.0".
func macBundleVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return "0.0.0"
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return "0.0.0"
		}
		parts[i] = strconv.FormatUint(n, 10)
	}
	return strings.Join(parts, ".")
}

// macBuildVersion is the running binary's module version.
func macBuildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return macBundleVersion(bi.Main.Version)
	}
	return "0.0.0"
}
