package tracker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// announceHTTP does one HTTP(S) announce. raw is the announce URL as given
// (its query, often a passkey, is kept verbatim).
func (c *Client) announceHTTP(ctx context.Context, raw string, u *url.URL, req AnnounceRequest) (*AnnounceResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	target := *u
	target.Fragment, target.RawFragment = "", ""
	q := appendAnnounceQuery(nil, req, c.trackerID(raw, req.InfoHash))
	if target.RawQuery != "" {
		target.RawQuery += "&" + string(q)
	} else {
		target.RawQuery = string(q)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, errors.New("bad announce URL")
	}
	hreq.Header.Set("User-Agent", c.userAgent)
	hresp, err := c.httpClient.Do(hreq)
	if err != nil {
		// *url.Error repeats the full URL (info_hash, passkey): keep only
		// its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, err
	}
	defer hresp.Body.Close()

	if hresp.ContentLength > maxHTTPBody {
		return nil, fmt.Errorf("response body of %d bytes exceeds %d", hresp.ContentLength, maxHTTPBody)
	}
	body, err := io.ReadAll(io.LimitReader(hresp.Body, maxHTTPBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	if len(body) > maxHTTPBody {
		return nil, fmt.Errorf("response body exceeds %d bytes", maxHTTPBody)
	}
	if hresp.StatusCode != http.StatusOK {
		// Some trackers explain a refusal in a bencoded body.
		var fe *FailureError
		if _, derr := decodeHTTPAnnounce(body); errors.As(derr, &fe) {
			return nil, fmt.Errorf("http status %s: %w", cleanTrackerText(hresp.Status), fe)
		}
		return nil, fmt.Errorf("http status %s", cleanTrackerText(hresp.Status))
	}
	resp, err := decodeHTTPAnnounce(body)
	if err != nil {
		return nil, err
	}
	switch {
	case req.Event == EventStopped:
		c.setTrackerID(raw, req.InfoHash, "")
	case resp.TrackerID != "":
		c.setTrackerID(raw, req.InfoHash, resp.TrackerID)
	}
	return resp, nil
}

// appendAnnounceQuery appends the announce parameters, each byte that is
// not unreserved (RFC 3986) percent-encoded.
func appendAnnounceQuery(b []byte, req AnnounceRequest, trackerID string) []byte {
	b = append(b, "info_hash="...)
	b = appendQueryEscaped(b, req.InfoHash[:])
	b = append(b, "&peer_id="...)
	b = appendQueryEscaped(b, req.PeerID[:])
	b = append(b, "&port="...)
	b = strconv.AppendUint(b, uint64(req.Port), 10)
	b = append(b, "&uploaded="...)
	b = strconv.AppendInt(b, max(req.Uploaded, 0), 10)
	b = append(b, "&downloaded="...)
	b = strconv.AppendInt(b, max(req.Downloaded, 0), 10)
	b = append(b, "&left="...)
	b = strconv.AppendInt(b, max(req.Left, 0), 10)
	b = append(b, "&compact=1&no_peer_id=1"...)
	if req.Event != EventNone {
		b = append(b, "&event="...)
		b = append(b, req.Event.String()...)
	}
	if req.NumWant >= 0 {
		b = append(b, "&numwant="...)
		b = strconv.AppendInt(b, int64(req.NumWant), 10)
	}
	b = append(b, "&key="...)
	b = appendHex32(b, req.Key)
	if req.IP.IsValid() {
		b = append(b, "&ip="...)
		b = appendQueryEscaped(b, []byte(req.IP.Unmap().String()))
	}
	if trackerID != "" {
		b = append(b, "&trackerid="...)
		b = appendQueryEscaped(b, []byte(trackerID))
	}
	return b
}

const upperHex = "0123456789ABCDEF"

func appendQueryEscaped(b, s []byte) []byte {
	for _, c := range s {
		if isUnreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// appendHex32 appends v as 8 upper-case hex digits, the usual key format.
func appendHex32(b []byte, v uint32) []byte {
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, upperHex[(v>>uint(shift))&15])
	}
	return b
}
