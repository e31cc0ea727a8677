package notify

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gen2brain/beeep"
)

var pngIcon = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

// call is one call of a fakeNotify.
type call struct {
	title, body string
	icon        any
}

// fakeNotify stands in for beeep.Notify: it records each call, tells
// entered, and returns what it is given on answer (or err at once when
// answer is nil).
type fakeNotify struct {
	mu       sync.Mutex
	calls    []call
	inFlight int
	maxIn    int
	err      error
	entered  chan call
	answer   chan error
}

func newFakeNotify(blocking bool) *fakeNotify {
	f := &fakeNotify{entered: make(chan call, 64)}
	if blocking {
		f.answer = make(chan error)
	}
	return f
}

func (f *fakeNotify) notify(title, body string, icon any) error {
	c := call{title, body, icon}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	answer, err := f.answer, f.err
	f.mu.Unlock()
	f.entered <- c
	if answer != nil {
		err = <-answer
	}
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
	return err
}

func (f *fakeNotify) count() (calls, maxInFlight int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls), f.maxIn
}

// waitIdle waits for b's calls to end so that no goroutine outlives the test.
func waitIdle(t *testing.T, b *Beeep) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := b.Wait(ctx); err != nil {
		t.Fatalf("a beeep call is still running: %v", err)
	}
}

func TestBeeepSendTexts(t *testing.T) {
	tests := []struct {
		name        string
		goos        string
		icon        []byte
		note        Note
		title, body string
		wantIcon    any
		logged      string
	}{
		{name: "plain", goos: "linux", icon: pngIcon, note: Note{"Downloaded: a", "1.5 MB in 2 min"},
			title: "Downloaded: a", body: "1.5 MB in 2 min", wantIcon: pngIcon},
		{name: "markup escaped for org.freedesktop.Notifications", goos: "linux", note: Note{"Downloaded 2 torrents", "Tom & Jerry, <b>x</b>"},
			title: "Downloaded 2 torrents", body: "Tom &amp; Jerry, &lt;b&gt;x&lt;/b&gt;", wantIcon: ""},
		{name: "title is not markup", goos: "freebsd", note: Note{"Added: <i>&", ""},
			title: "Added: <i>&", body: "", wantIcon: ""},
		{name: "no markup on windows", goos: "windows", note: Note{"T", "Tom & Jerry"},
			title: "T", body: "Tom & Jerry", wantIcon: ""},
		{name: "no markup on macOS", goos: "darwin", note: Note{"T", "<b>"},
			title: "T", body: "<b>", wantIcon: ""},
		{name: "leading dash is no option for notify-send", goos: "linux", note: Note{"-T", "-u critical, b"},
			title: " -T", body: " -u critical, b", wantIcon: ""},
		{name: "not a PNG: no icon", goos: "linux", icon: []byte("GIF89a"), note: Note{"T", "B"},
			title: "T", body: "B", wantIcon: "", logged: "not a PNG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, logs := newLog()
			f := newFakeNotify(false)
			b := newBeeep(f.notify, tt.icon, time.Second, log, tt.goos)
			if err := b.Send(context.Background(), tt.note); err != nil {
				t.Fatal(err)
			}
			waitIdle(t, b)
			got := f.calls[0]
			if got.title != tt.title || got.body != tt.body {
				t.Errorf("beeep got %q / %q, want %q / %q", got.title, got.body, tt.title, tt.body)
			}
			switch want := tt.wantIcon.(type) {
			case string:
				if s, ok := got.icon.(string); !ok || s != want {
					t.Errorf("icon %T %v, want the string %q", got.icon, got.icon, want)
				}
			case []byte:
				if p, ok := got.icon.([]byte); !ok || !bytes.Equal(p, want) {
					t.Errorf("icon %T, want the PNG bytes", got.icon)
				}
			}
			if tt.logged != "" && logs.count(tt.logged) != 1 {
				t.Errorf("log does not say %q:\n%s", tt.logged, logs)
			}
		})
	}
}

func TestBeeepIconIsCopied(t *testing.T) {
	f := newFakeNotify(false)
	icon := bytes.Clone(pngIcon)
	b := newBeeep(f.notify, icon, time.Second, nil, "linux")
	icon[0] = 0
	if err := b.Send(context.Background(), Note{"T", "B"}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, b)
	if p, _ := f.calls[0].icon.([]byte); !bytes.Equal(p, pngIcon) {
		t.Error("the caller's later change reached the icon")
	}
}

func TestBeeepSendError(t *testing.T) {
	f := newFakeNotify(false)
	f.err = errors.New("no notification server")
	b := newBeeep(f.notify, nil, time.Second, nil, "linux")
	err := b.Send(context.Background(), Note{"T", "B"})
	waitIdle(t, b)
	if err == nil || err.Error() != "notify: no notification server" || !errors.Is(err, f.err) {
		t.Errorf("err = %v, want it wrapped as %q", err, "notify: no notification server")
	}
}

func TestBeeepContextDone(t *testing.T) {
	f := newFakeNotify(false)
	b := newBeeep(f.notify, nil, time.Second, nil, "linux")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Send(ctx, Note{"T", "B"}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n, _ := f.count(); n != 0 {
		t.Errorf("beeep called %d times with a done context", n)
	}
}

func TestBeeepStuckServer(t *testing.T) {
	log, logs := newLog()
	f := newFakeNotify(true)
	b := newBeeep(f.notify, nil, 50*time.Millisecond, log, "linux")

	// The first call hangs: Send gives up after its timeout.
	err := b.Send(context.Background(), Note{"T1", "B"})
	if !errors.Is(err, ErrNoAnswer) || err.Error() != "notification server did not answer within 50ms" {
		t.Fatalf("err = %v, want %q", err, "notification server did not answer within 50ms")
	}
	<-f.entered

	// While it hangs, Send fails at once without calling beeep again. With
	// an hour's timeout, a Send that waited would hang this test.
	b.timeout = time.Hour
	for range 3 {
		done := make(chan error, 1)
		go func() { done <- b.Send(context.Background(), Note{"T2", "B"}) }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNoAnswer) {
				t.Errorf("err = %v, want ErrNoAnswer", err)
			}
		case <-time.After(guard):
			t.Fatal("Send waited for the stuck call")
		}
	}
	if n, _ := f.count(); n != 1 {
		t.Errorf("beeep called %d times, want 1", n)
	}
	if n := logs.count("did not answer"); n != 1 {
		t.Errorf("stuck server logged %d times, want 1:\n%s", n, logs)
	}

	// The stuck call returns at last: sending works again.
	f.answer <- nil
	waitIdle(t, b)
	f.mu.Lock()
	f.answer = nil
	f.mu.Unlock()
	if err := b.Send(context.Background(), Note{"T3", "B"}); err != nil {
		t.Errorf("after the server answered: %v", err)
	}
	waitIdle(t, b)
	if n, _ := f.count(); n != 2 {
		t.Errorf("beeep called %d times, want 2", n)
	}
	if logs.count("answered again") != 1 {
		t.Errorf("recovery not logged:\n%s", logs)
	}
}

func TestBeeepOneCallInFlight(t *testing.T) {
	const senders = 5
	f := newFakeNotify(true)
	b := newBeeep(f.notify, nil, guard, nil, "linux")
	errs := make(chan error, senders)
	for range senders {
		go func() { errs <- b.Send(context.Background(), Note{"T", "B"}) }()
	}
	// Each call is let go only after it entered; a second one entering
	// meanwhile would show in maxInFlight.
	for range senders {
		select {
		case <-f.entered:
		case <-time.After(guard):
			t.Fatal("a Send never called beeep")
		}
		f.answer <- nil
	}
	for range senders {
		if err := <-errs; err != nil {
			t.Errorf("Send: %v", err)
		}
	}
	if calls, maxIn := f.count(); calls != senders || maxIn != 1 {
		t.Errorf("%d calls, at most %d at once; want %d, 1", calls, maxIn, senders)
	}
}

func TestBeeepCancelWhileInFlight(t *testing.T) {
	f := newFakeNotify(true)
	b := newBeeep(f.notify, nil, guard, nil, "linux")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Send(ctx, Note{"T", "B"}) }()
	<-f.entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	// A cancelled call is not a stuck server: the next Send waits for it
	// and then goes through.
	next := make(chan error, 1)
	go func() { next <- b.Send(context.Background(), Note{"T2", "B"}) }()
	f.answer <- nil // the cancelled call ends
	<-f.entered
	f.answer <- nil
	if err := <-next; err != nil {
		t.Errorf("next Send: %v", err)
	}
	waitIdle(t, b)
}

func TestNewBeeep(t *testing.T) {
	old := beeep.AppName
	t.Cleanup(func() { beeep.AppName = old })
	tests := []struct {
		app, want string
		timeout   time.Duration
		wantTO    time.Duration
	}{
		{app: "Shoal test", want: "Shoal test", timeout: 0, wantTO: DefaultTimeout},
		{app: "", want: "Shoal", timeout: -time.Second, wantTO: DefaultTimeout},
		{app: "X", want: "X", timeout: time.Second, wantTO: time.Second},
	}
	for _, tt := range tests {
		b := NewBeeep(tt.app, nil, tt.timeout, nil)
		if beeep.AppName != tt.want || b.timeout != tt.wantTO || b.notify == nil || b.log == nil {
			t.Errorf("NewBeeep(%q, %v): AppName %q, timeout %v; want %q, %v", tt.app, tt.timeout, beeep.AppName, b.timeout, tt.want, tt.wantTO)
		}
		if s, ok := b.icon.(string); !ok || s != "" {
			t.Errorf("icon %T %v, want the empty string (beeep refuses nil)", b.icon, b.icon)
		}
	}
}

// TestDispatcherWithStuckBeeep: a hung notification server behind Beeep
// costs one goroutine, and Run goes on taking events.
func TestDispatcherWithStuckBeeep(t *testing.T) {
	f := newFakeNotify(true)
	b := newBeeep(f.notify, nil, 20*time.Millisecond, nil, "linux")
	h := start(t, b, DispatcherOptions{Policy: all})
	for id := 1; id <= 5; id++ {
		h.send(failed(id, "t", "x"))
	}
	if err := h.finish(); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.count(); n != 1 {
		t.Errorf("beeep called %d times, want 1 (the rest fail fast)", n)
	}
	f.answer <- nil
	waitIdle(t, b)
}

var _ Sender = (*Beeep)(nil)
