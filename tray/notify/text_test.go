package notify

import (
	"strings"
	"testing"

	"github.com/shoal-bt/shoal/tray/menu"
)

func TestAddedBatchText(t *testing.T) {
	tests := []struct {
		name        string
		names       []string
		title, body string
	}{
		{name: "none"},
		{name: "one is AddedText", names: []string{"ubuntu.iso"}, title: "Added: ubuntu.iso"},
		{name: "two", names: []string{"a", "b"}, title: "Added 2 torrents", body: "a, b"},
		{name: "three", names: []string{"a", "b", "c"}, title: "Added 3 torrents", body: "a, b, c"},
		{name: "five", names: []string{"a", "b", "c", "d", "e"}, title: "Added 5 torrents", body: "a, b, c and 2 more"},
		{name: "names cleaned like menu's", names: []string{"bad\x00name\nhere", ""}, title: "Added 2 torrents", body: "bad name here, (no name)"},
		{name: "long name cut", names: []string{strings.Repeat("ö", 100), "x"}, title: "Added 2 torrents", body: strings.Repeat("ö", 47) + "…, x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, body := AddedBatchText(tt.names)
			if title != tt.title || body != tt.body {
				t.Errorf("got %q / %q, want %q / %q", title, body, tt.title, tt.body)
			}
		})
	}
	// One name reads exactly like menu's text for one hand-over.
	t1, b1 := AddedBatchText([]string{"film"})
	t2, b2 := menu.AddedText("film")
	if t1 != t2 || b1 != b2 {
		t.Errorf("one name: %q / %q, menu.AddedText: %q / %q", t1, b1, t2, b2)
	}
}
