//go:build windows || (darwin && cgo)

package tray

import (
	"context"
	"log/slog"
)

// probeHost: Windows' notification area and macOS's menu bar are always
// there.
func probeHost(context.Context) (hostNow bool, err error) { return true, nil }

// watchHost: only StatusNotifierItem hosts come and go.
func watchHost(context.Context, interface{ Go(func()) }, *slog.Logger) {}
