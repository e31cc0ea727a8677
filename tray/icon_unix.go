//go:build !windows && !darwin

package tray

import (
	"fyne.io/systray"

	"github.com/shoal-bt/shoal/icons"
)

// trayIconSize: StatusNotifierItem hosts scale the pixmap to the panel;
// 64 px stays sharp on HiDPI panels.
const trayIconSize = 64

func setIcon(s icons.State) { systray.SetIcon(icons.PNG(s, trayIconSize)) }
