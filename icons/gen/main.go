// Command gen draws Shoal's icons into the icons directory (png/, ico/ and
// preview.png). It is run by `go generate` in package icons:
//
//	go generate ./icons
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/shoal-bt/shoal/icons/internal/render"
)

func main() {
	out := flag.String("out", ".", "icons directory to write png/, ico/ and preview.png into")
	flag.Parse()
	if err := render.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
