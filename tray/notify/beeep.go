package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gen2brain/beeep"
)

// DefaultTimeout is how long Beeep waits for the notification server when
// NewBeeep is given no timeout.
const DefaultTimeout = 5 * time.Second

// ErrNoAnswer is wrapped by Beeep.Send's error when the notification
// server did not answer in time, or still has not answered an earlier
// notification.
var ErrNoAnswer = errors.New("notification server did not answer")

// Beeep is the Sender that shows notes on the desktop through
// github.com/gen2brain/beeep (Linux: org.freedesktop.Notifications over
// D-Bus, then notify-send, then kdialog).
//
// beeep.Notify has no timeout, so Send calls it on a goroutine of its own
// and waits at most the timeout given to NewBeeep. At most one beeep call
// is in flight: a Send while another Send's call is running waits for it
// (within its own deadline); a Send while a call has outlived its deadline
// fails at once with ErrNoAnswer, without starting anything. When the stuck
// call returns, sending works again. So a hung notification server costs
// one goroutine, never a pile of them.
//
// Beeep is safe for concurrent use.
type Beeep struct {
	icon    any // PNG bytes, or "" for none: beeep refuses nil
	timeout time.Duration
	markup  bool // the body goes to org.freedesktop.Notifications: escape & < >
	log     *slog.Logger
	// notify is beeep.Notify; tests put a fake here.
	notify func(title, body string, icon any) error

	mu  sync.Mutex
	cur *flight // the call in flight; nil when none
}

// flight is one beeep call.
type flight struct {
	done  chan struct{} // closed once the call returned
	stuck bool          // it outlived its deadline; guarded by Beeep.mu
}

// NewBeeep returns a Beeep showing notes under appName ("Shoal" when
// empty) with iconPNG as their image (none when empty or not a PNG),
// waiting at most timeout (DefaultTimeout when <= 0) for the server. log
// may be nil.
//
// beeep takes the application name as a package variable, beeep.AppName,
// read by every Notify: NewBeeep sets it. Make one Beeep per process, before
// any notification is sent, and do not set beeep.AppName elsewhere.
func NewBeeep(appName string, iconPNG []byte, timeout time.Duration, log *slog.Logger) *Beeep {
	if appName == "" {
		appName = "Shoal"
	}
	beeep.AppName = appName
	return newBeeep(beeep.Notify, iconPNG, timeout, log, runtime.GOOS)
}

// newBeeep is NewBeeep with the notify function and the OS given.
func newBeeep(notify func(title, body string, icon any) error, iconPNG []byte, timeout time.Duration, log *slog.Logger, goos string) *Beeep {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var icon any = ""
	switch {
	case len(iconPNG) == 0:
	case !isPNG(iconPNG):
		log.Warn("notification icon is not a PNG; notifications go without it", "bytes", len(iconPNG))
	default:
		icon = bytes.Clone(iconPNG)
	}
	return &Beeep{
		icon:    icon,
		timeout: timeout,
		markup:  freedesktop(goos),
		log:     log,
		notify:  notify,
	}
}

// Send shows n, returning once the server took it, or with an error
// wrapping ErrNoAnswer after the timeout, or ctx's error when ctx ends
// first. A call still running when Send returns finishes on its own.
func (b *Beeep) Send(ctx context.Context, n Note) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	timer := time.NewTimer(b.timeout)
	defer timer.Stop()
	f, err := b.begin(ctx, timer.C)
	if err != nil {
		return err
	}
	title, body := b.texts(n)
	result := make(chan error, 1)
	go func() {
		err := b.notify(title, body, b.icon)
		b.mu.Lock()
		b.cur = nil
		stuck := f.stuck
		b.mu.Unlock()
		if stuck {
			b.log.Info("notification server answered again", "err", err)
		}
		close(f.done) // after the log: Wait means this call is all done
		result <- err
	}()
	select {
	case err := <-result:
		return wrapNotify(err)
	case <-ctx.Done():
		return fmt.Errorf("notify: %w", ctx.Err())
	case <-timer.C:
	}
	b.mu.Lock()
	if b.cur != f { // it answered just in time; its result is on the way
		b.mu.Unlock()
		return wrapNotify(<-result)
	}
	f.stuck = true
	b.mu.Unlock()
	b.log.Warn("notification server did not answer; notifications fail until it does", "timeout", b.timeout)
	return b.errNoAnswer()
}

// begin makes a new flight the one in flight, first waiting for a running
// call that has not yet outlived its deadline.
func (b *Beeep) begin(ctx context.Context, deadline <-chan time.Time) (*flight, error) {
	for {
		b.mu.Lock()
		f := b.cur
		if f == nil {
			f = &flight{done: make(chan struct{})}
			b.cur = f
			b.mu.Unlock()
			return f, nil
		}
		stuck := f.stuck
		b.mu.Unlock()
		if stuck {
			return nil, b.errNoAnswer()
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("notify: %w", ctx.Err())
		case <-deadline:
			return nil, b.errNoAnswer()
		}
	}
}

// Wait blocks until no beeep call is in flight, a stuck one included, or
// until ctx ends (returning its error). The app may call it on exit; tests
// call it so that no goroutine outlives them.
func (b *Beeep) Wait(ctx context.Context) error {
	for {
		b.mu.Lock()
		f := b.cur
		b.mu.Unlock()
		if f == nil {
			return nil
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *Beeep) errNoAnswer() error {
	return fmt.Errorf("%w within %v", ErrNoAnswer, b.timeout)
}

func wrapNotify(err error) error {
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// texts prepares n for beeep: the body escaped for servers that read
// markup, and no text starting with '-', which the notify-send fallback
// would take for an option.
func (b *Beeep) texts(n Note) (title, body string) {
	title, body = n.Title, n.Body
	if b.markup {
		body = escapeMarkup(body)
	}
	return notOption(title), notOption(body)
}

// freedesktop reports whether beeep notifies through
// org.freedesktop.Notifications on goos, whose body is markup.
func freedesktop(goos string) bool {
	switch goos {
	case "linux", "freebsd", "netbsd", "openbsd", "illumos":
		return true
	}
	return false
}

// escapeMarkup escapes the three characters the notification spec's body
// markup gives a meaning to.
func escapeMarkup(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s) + 16)
	for _, r := range s {
		switch r {
		case '&':
			sb.WriteString("&amp;")
		case '<':
			sb.WriteString("&lt;")
		case '>':
			sb.WriteString("&gt;")
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// notOption puts a space before a text starting with '-'.
func notOption(s string) string {
	if strings.HasPrefix(s, "-") {
		return " " + s
	}
	return s
}

// isPNG reports whether data starts with the PNG signature.
func isPNG(data []byte) bool {
	return bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n"))
}
