package tracker

import (
	"encoding/binary"
	"testing"

	"github.com/anacrolix/torrent/bencode"
)

func benchPeers(n, size int) string {
	b := make([]byte, 0, n*size)
	for i := range n {
		if size == compactPeer6 {
			b = append(b, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
		}
		b = append(b, 10, byte(i>>16), byte(i>>8), byte(i))
		b = binary.BigEndian.AppendUint16(b, 6881)
	}
	return string(b)
}

func BenchmarkDecodeHTTPAnnounce200(b *testing.B) {
	body, err := bencode.Marshal(map[string]any{"interval": 1800, "complete": 10, "incomplete": 20, "peers": benchPeers(200, compactPeer4)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := decodeHTTPAnnounce(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeUDPAnnounce200(b *testing.B) {
	pkt := binary.BigEndian.AppendUint32(nil, udpActAnnounce)
	pkt = binary.BigEndian.AppendUint32(pkt, 7)
	pkt = binary.BigEndian.AppendUint32(pkt, 1800)
	pkt = binary.BigEndian.AppendUint64(pkt, 0)
	pkt = append(pkt, benchPeers(200, compactPeer4)...)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if _, _, err := decodeUDPReply(pkt, udpActAnnounce, 7, compactPeer4); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendAnnounceQuery(b *testing.B) {
	req := testRequest()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendAnnounceQuery(buf[:0], req, "tid")
	}
}
