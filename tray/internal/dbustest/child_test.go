//go:build linux

package dbustest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"fyne.io/systray"
	"github.com/gen2brain/beeep"
)

// testPNG draws a size×size PNG: a blue square with a white diagonal.
func testPNG(size int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			c := color.RGBA{0x20, 0x60, 0xc0, 0xff}
			if x == y {
				c = color.RGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory RGBA cannot fail
	}
	return buf.Bytes()
}

// runTrayChild is the tray program under test: icon, title, tooltip and
// the menu Hello, More > Child, separator, Check (checkbox), Quit. It
// prints "clicked <label>" for every click it receives, toggles Check,
// and exits on Quit.
//
// Each item gets its own goroutine that does nothing but receive from
// ClickedCh and pass the label on through a buffered channel: systray
// drops a click when nothing is receiving, so the receivers must never
// be busy with the work a click causes.
func runTrayChild() int {
	// Icon, title and tooltip are set before Run: systray (Linux) reads
	// them when it exports the item, and a Set* call from onReady that
	// lands between that export and the moment systray stores its
	// property table is silently lost (8 of 10 runs under -race).
	systray.SetIcon(testPNG(16))
	systray.SetTitle("Shoal test")
	systray.SetTooltip("Shoal tooltip")
	onReady := func() {
		hello := systray.AddMenuItem("Hello", "says hello")
		more := systray.AddMenuItem("More", "a submenu")
		child := more.AddSubMenuItem("Child", "in the submenu")
		systray.AddSeparator()
		check := systray.AddMenuItemCheckbox("Check", "a checkbox", false)
		quit := systray.AddMenuItem("Quit", "exits")

		clicks := make(chan string, 16)
		for label, item := range map[string]*systray.MenuItem{"Hello": hello, "Child": child, "Check": check, "Quit": quit} {
			go func() {
				for range item.ClickedCh {
					clicks <- label
				}
			}()
		}
		go func() {
			for label := range clicks {
				if label == "Check" {
					if check.Checked() {
						check.Uncheck()
					} else {
						check.Check()
					}
				}
				fmt.Printf("clicked %s\n", label)
				if label == "Quit" {
					systray.Quit()
					return
				}
			}
		}()
	}
	systray.Run(onReady, func() {})
	return 0
}

// runBeeepChild sends one notification with beeep and prints
// "elapsed_ms=<n> err=<error or nil>"; it exits 1 if beeep failed.
func runBeeepChild() int {
	start := time.Now()
	err := beeep.Notify("Title", "Body", testPNG(8))
	fmt.Printf("elapsed_ms=%d err=%v\n", time.Since(start).Milliseconds(), err)
	if err != nil {
		return 1
	}
	return 0
}

// child is a running copy of the test binary in one of the child modes.
type child struct {
	cmd    *exec.Cmd
	lines  chan string // stdout, line by line; closed at EOF
	exit   chan error  // the exit status, once
	stderr *limitedBuffer
}

// startChild runs the test binary as the given child program on bus,
// killing and reaping it at cleanup.
func startChild(t *testing.T, bus *Bus, mode string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("test binary: %v", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), bus.Env()...)
	cmd.Env = append(cmd.Env, childEnv+"="+mode, RaceEnv)
	c := &child{cmd: cmd, lines: make(chan string, 64), exit: make(chan error, 1), stderr: &limitedBuffer{max: 64 << 10}}
	cmd.Stderr = c.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("child stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child %s: %v", mode, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout) // lines are bounded by the scanner's 64 KiB
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
		c.exit <- cmd.Wait() // only after the last read, as os/exec requires
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for range c.lines { // drain so the reader can reach Wait
		}
		<-c.exit
		own, foreign := SplitRaces(c.stderr.String(), "github.com/shoal-bt/shoal/")
		for _, r := range own {
			t.Errorf("child %s: data race in our code:\n%s", mode, r)
		}
		if len(foreign) > 0 {
			t.Logf("child %s: %d data race reports in third-party code only (systray/godbus)", mode, len(foreign))
		}
		if t.Failed() {
			t.Logf("child %s stderr:\n%s", mode, c.stderr.String())
		}
	})
	return c
}

// expectLine reads the child's stdout until a line equal to want.
func (c *child) expectLine(ctx context.Context, want string) error {
	var seen []string
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				return fmt.Errorf("child output ended before %q (saw %q)", want, seen)
			}
			if line == want {
				return nil
			}
			seen = append(seen, line)
		case <-ctx.Done():
			return fmt.Errorf("waiting for %q (saw %q): %w", want, seen, ctx.Err())
		}
	}
}

// nextLine returns the child's next stdout line.
func (c *child) nextLine(ctx context.Context) (string, error) {
	select {
	case line, ok := <-c.lines:
		if !ok {
			return "", fmt.Errorf("child output ended")
		}
		return line, nil
	case <-ctx.Done():
		return "", fmt.Errorf("waiting for a line: %w", ctx.Err())
	}
}

// wait returns the child's exit error (nil for status 0), once it has
// exited and its output has been read.
func (c *child) wait(ctx context.Context) error {
	for {
		select {
		case _, ok := <-c.lines:
			if ok {
				continue
			}
			select {
			case err := <-c.exit:
				c.exit <- err // keep it for cleanup
				return err
			case <-ctx.Done():
				return fmt.Errorf("waiting for exit: %w", ctx.Err())
			}
		case <-ctx.Done():
			return fmt.Errorf("waiting for exit: %w", ctx.Err())
		}
	}
}

// stderrHas reports whether the child has written s to stderr.
func (c *child) stderrHas(s string) bool { return strings.Contains(c.stderr.String(), s) }
