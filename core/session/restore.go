package session

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/shoal-bt/shoal/core/bdecode"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// Reading the state folder back (see resume.go for what it holds).

// readRecord reads and decodes one .resume file.
func readRecord(path string) (*resumeRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxResumeSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxResumeSize {
		return nil, fmt.Errorf("record is over the %d-byte limit", maxResumeSize)
	}
	if len(data) == 0 || data[0] != 'd' {
		return nil, errors.New("record is not a bencoded dict")
	}
	var rec resumeRecord
	if err := bdecode.Decode(data, &rec, bdecode.Limits{MaxSize: maxResumeSize}); err != nil {
		return nil, err
	}
	if rec.Dir == "" {
		return nil, errors.New("record has no download folder")
	}
	if rec.Downloaded < 0 || rec.Uploaded < 0 {
		return nil, errors.New("record has negative totals")
	}
	if rec.DownLimit < 0 || rec.UpLimit < 0 {
		return nil, errors.New("record has negative limits")
	}
	if rec.Seeded < 0 {
		return nil, errors.New("record has a negative seeding time")
	}
	return &rec, nil
}

// loaded is one torrent read back from the state folder.
type loaded struct {
	path   string // of the .resume file
	hash   [20]byte
	mi     *metainfo.Torrent // nil for a magnet link without metadata yet
	magnet *metainfo.Magnet  // set when mi is nil
	rec    *resumeRecord
}

// loadState reads every record in the state folder; bad ones are skipped
// with a warning naming the file.
func (s *Session) loadState() []loaded {
	dir := filepath.Join(s.cfg.StateDir, stateSubdir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		s.log.Warn("read state folder", "dir", dir, "err", err)
		return nil
	}
	var out []loaded
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, resumeExt) {
			continue
		}
		path := filepath.Join(dir, name)
		l, err := loadOne(path, strings.TrimSuffix(path, resumeExt))
		if err != nil {
			s.log.Warn("skipping resume record", "file", path, "err", err)
			continue
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].rec.AddedAt != out[j].rec.AddedAt {
			return out[i].rec.AddedAt < out[j].rec.AddedAt
		}
		return string(out[i].hash[:]) < string(out[j].hash[:])
	})
	return out
}

// loadOne reads a record and what it is about: stem.torrent, or, for a
// magnet link whose metadata was not fetched yet, stem.magnet.
func loadOne(resumePath, stem string) (loaded, error) {
	var want [20]byte
	base := filepath.Base(stem)
	if len(base) != 2*len(want) {
		return loaded{}, errors.New("name is not an info-hash")
	}
	if _, err := hex.Decode(want[:], []byte(base)); err != nil {
		return loaded{}, errors.New("name is not an info-hash")
	}
	rec, err := readRecord(resumePath)
	if err != nil {
		return loaded{}, err
	}
	l := loaded{path: resumePath, hash: want, rec: rec}
	torrentPath := stem + torrentExt
	mi, err := metainfo.Load(torrentPath)
	switch {
	case err == nil:
		if mi.InfoHash != want {
			return loaded{}, fmt.Errorf("%s holds info-hash %x", torrentPath, mi.InfoHash)
		}
		l.mi = mi
		// A .magnet left by a crash between writing the fetched metadata
		// and removing the link is superseded.
		_ = os.Remove(stem + magnetExt)
		return l, nil
	case !errors.Is(err, fs.ErrNotExist):
		return loaded{}, err
	}
	m, merr := readMagnet(stem + magnetExt)
	if merr != nil {
		if errors.Is(merr, fs.ErrNotExist) {
			return loaded{}, err // neither: the .torrent is missing
		}
		return loaded{}, merr
	}
	if m.InfoHash != want {
		return loaded{}, fmt.Errorf("%s holds info-hash %x", stem+magnetExt, m.InfoHash)
	}
	l.magnet = m
	return l, nil
}

// readMagnet reads a .magnet file: one magnet link.
func readMagnet(path string) (*metainfo.Magnet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, metainfo.MaxMagnetLen+2))
	if err != nil {
		return nil, err
	}
	m, err := metainfo.ParseMagnet(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// restore re-adds the torrents of the state folder in their saved state.
// Called by New before the listener starts.
func (s *Session) restore() {
	for _, l := range s.loadState() {
		s.mu.Lock()
		_, dup := s.byHash[l.hash]
		if !dup {
			s.nextID++
		}
		id := s.nextID
		s.mu.Unlock()
		if dup {
			s.log.Warn("skipping resume record", "file", l.path, "err", "torrent already restored")
			continue
		}
		var t *torrent
		if l.mi != nil {
			t = newTorrent(s, id, l.mi, l.rec.Dir)
		} else {
			t = newMagnetTorrent(s, id, l.magnet, l.rec.Dir)
		}
		t.addedAt = time.Unix(0, l.rec.AddedAt)
		if l.rec.CompletedAt != 0 {
			t.completedAt = time.Unix(0, l.rec.CompletedAt)
		}
		t.downloaded, t.uploaded = l.rec.Downloaded, l.rec.Uploaded
		t.seeded = time.Duration(l.rec.Seeded)
		t.down.SetRate(l.rec.DownLimit)
		t.up.SetRate(l.rec.UpLimit)
		t.rec.last = l.rec
		if l.mi != nil {
			have, check, why := restorePlan(t.dir, &l.mi.Info, l.rec)
			if why != "" {
				s.log.Info("checking restored torrent", "torrent", l.mi.Info.Name, "reason", why)
			}
			t.have, t.check = have, check
		}
		s.mu.Lock()
		s.torrents[t.id] = t
		s.byHash[l.hash] = t
		s.mu.Unlock()
		if l.rec.Paused != 0 {
			t.publishIdle(StatePaused, nil)
		} else if l.rec.Finished != 0 {
			t.publishIdle(StateFinished, nil)
		} else {
			s.enqueue(t) // New starts what the queue allows
		}
	}
}
