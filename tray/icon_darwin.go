//go:build darwin && cgo

package tray

import (
	"fyne.io/systray"

	"github.com/shoal-bt/shoal/icons"
)

// setIcon: the menu bar takes a template image (black and alpha; macOS
// tints it for light and dark bars), with the colour one as fallback.
func setIcon(s icons.State) { systray.SetTemplateIcon(icons.Template(s, 32), icons.PNG(s, 32)) }
