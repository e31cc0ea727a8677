package notify

import (
	"context"
	"strconv"

	"github.com/shoal-bt/shoal/tray/menu"
)

// Note is one desktop notification.
type Note struct {
	Title, Body string
}

// Sender shows a Note. Send must return soon after ctx ends.
type Sender interface {
	Send(ctx context.Context, n Note) error
}

// AddedBatchText is one notification for several torrents handed over
// together: "Added 3 torrents" and the first three names, then
// "and N more", worded like menu.BatchCompleted. With one name it is
// menu.AddedText; with none, both strings are empty.
func AddedBatchText(names []string) (title, body string) {
	switch len(names) {
	case 0:
		return "", ""
	case 1:
		return menu.AddedText(names[0])
	}
	// BatchCompleted's body is the cleaned list of names; only its title
	// speaks of downloads.
	_, body = menu.BatchCompleted(names)
	return "Added " + strconv.Itoa(len(names)) + " torrents", body
}
