package tray

import (
	"fyne.io/systray"

	"github.com/shoal-bt/shoal/icons"
)

// setIcon: the notification area takes an ICO (16–256 px entries).
func setIcon(s icons.State) { systray.SetIcon(icons.ICO(s)) }
