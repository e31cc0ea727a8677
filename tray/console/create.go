package console

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

const createUsage = `usage: shoal create -o OUT.torrent [--tracker URL]... [--piece-size SIZE]
                   [--private] [--comment C] [--force] PATH

Makes a .torrent of a file or folder. Each --tracker is its own tier;
URLs joined by commas share a tier. SIZE is a power of two such as 256KiB
or 4MiB (default: chosen from the content's size).
`

// Piece sizes create accepts (the engine's own bounds).
const (
	minPiece = 16 << 10
	maxPiece = 256 << 20
)

// Create runs "shoal create" and returns the exit status: 0 done, 1 failed,
// 2 usage error, 130 interrupted.
func Create(ctx context.Context, env Env, args []string) int {
	fs := flag.NewFlagSet("create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("o", "", "output .torrent file")
	fs.StringVar(out, "output", "", "output .torrent file")
	pieceSize := fs.String("piece-size", "", "piece size (e.g. 1MiB)")
	private := fs.Bool("private", false, "mark private (BEP 27)")
	comment := fs.String("comment", "", "comment")
	force := fs.Bool("force", false, "overwrite OUT if it exists")
	var trackers listFlag
	fs.Var(&trackers, "tracker", "announce URL (repeatable)")
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, createUsage)
		return 0
	}
	if err == nil {
		switch {
		case *out == "":
			err = errors.New("-o OUT.torrent is required")
		case len(pos) != 1:
			err = fmt.Errorf("want exactly one PATH, got %d", len(pos))
		}
	}
	opts := session.CreateOptions{Private: *private, Comment: *comment, CreatedBy: "Shoal " + session.Version, CreationDate: time.Now()}
	if err == nil && *pieceSize != "" {
		opts.PieceLength, err = session.ParseSize(*pieceSize)
		if err == nil && (opts.PieceLength < minPiece || opts.PieceLength > maxPiece || opts.PieceLength&(opts.PieceLength-1) != 0) {
			err = fmt.Errorf("piece size %s is not a power of two from 16KiB to 256MiB", *pieceSize)
		}
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal create: %v\n%s", err, createUsage)
		return 2
	}
	for _, t := range trackers {
		var tier []string
		for _, u := range strings.Split(t, ",") {
			if u = strings.TrimSpace(u); u != "" {
				tier = append(tier, u)
			}
		}
		if len(tier) > 0 {
			opts.Trackers = append(opts.Trackers, tier)
		}
	}
	opts.Path = pos[0]
	// Check what can be checked before hashing, which may take long.
	if _, err := os.Stat(opts.Path); err != nil {
		fmt.Fprintf(env.Stderr, "shoal: %v\n", &fileError{opts.Path, err})
		return 1
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		fmt.Fprintf(env.Stderr, "shoal: %s already exists (use --force to overwrite)\n", *out)
		return 1
	}
	if fi, err := os.Stat(filepath.Dir(*out)); err != nil || !fi.IsDir() {
		fmt.Fprintf(env.Stderr, "shoal: %s: folder %s does not exist\n", *out, filepath.Dir(*out))
		return 1
	}
	data, err := session.CreateTorrent(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(env.Stderr, "shoal: interrupted")
			return 130
		}
		fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
		return 1
	}
	if err := writeFileAtomic(*out, data); err != nil {
		fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
		return 1
	}
	info, err := session.ParseTorrent(data)
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal: created torrent does not parse: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "created %s: %s, %d file(s), %s, %d pieces of %s, info-hash %s\n",
		*out, info.Name, info.Files, FormatBytes(info.Size), info.Pieces, FormatBytes(info.PieceLength), info.InfoHash)
	return 0
}

// writeFileAtomic writes through a temporary file in the same folder, so
// OUT is either absent, the old file, or the complete new one.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".shoal-*.torrent.tmp")
	if err != nil {
		return &fileError{path, err}
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return &fileError{path, err}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return &fileError{path, err}
	}
	if err := tmp.Close(); err != nil {
		return &fileError{path, err}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return &fileError{path, err}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return &fileError{path, err}
	}
	return nil
}
