package peer

import (
	"bytes"
	"fmt"
	"time"

	"github.com/shoal-bt/shoal/core/wire"
)

// readLoop reads messages and posts them until the connection ends, then
// posts the final Err event (unless Close gave up on it).
func (c *Conn) readLoop() {
	defer c.wg.Done()
	r := wire.NewReader(c.nc, wire.DefaultMaxPayload, c.cfg.AllocBlock)
	if c.cfg.NumPieces > 0 {
		r.SetMaxBitfield((c.cfg.NumPieces + 7) / 8)
	}
	dl := deadline{set: c.nc.SetReadDeadline, timeout: c.cfg.ReadTimeout}
	if c.downWait.Levels() > 0 {
		r.SetBeforePiece(func(n int) error {
			if err := c.downWait.Wait(c.ctx, n); err != nil {
				return fmt.Errorf("wait for download tokens: %w", err)
			}
			// The wait may have outlasted the deadline armed before it.
			return dl.arm(time.Now())
		})
	}
	for {
		m, err := c.readOne(r, &dl)
		if err != nil {
			c.fail(fmt.Errorf("read from peer: %w", err))
			c.post(Event{Conn: c, Err: c.err})
			return
		}
		if !c.post(Event{Conn: c, Msg: m}) {
			return
		}
	}
}

func (c *Conn) readOne(r *wire.Reader, dl *deadline) (wire.Message, error) {
	if err := dl.arm(time.Now()); err != nil {
		return wire.Message{}, err
	}
	m, err := r.Read()
	if err != nil {
		return m, err
	}
	switch {
	case m.KeepAlive:
	case m.ID == wire.Piece:
		c.down.Add(len(m.Payload))
	case m.Payload != nil:
		// It aliases the wire.Reader's buffer, which the next Read reuses
		// while the actor may still hold this message.
		m.Payload = bytes.Clone(m.Payload)
	}
	return m, nil
}

// post delivers ev, or gives up when Close has been called.
func (c *Conn) post(ev Event) bool {
	select {
	case c.cfg.Events <- ev:
		return true
	case <-c.closed:
		return false
	}
}
