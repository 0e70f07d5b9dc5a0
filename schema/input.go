package schema

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// MaxInputBytes is the largest file mailform reads as configuration, variables, CSV
// or file() input. A 50,000-row CSV of accounts is about 5 MB.
const MaxInputBytes = 32 << 20

// ReadInput reads path as configuration input: a configuration or variable file, a
// CSV, a file() argument. Only a regular file is read, or a symbolic link to a
// regular file inside the configuration directory root. Anything else (a FIFO, which
// would block forever; a device; /proc and /sys files, which print process
// environments and kernel state; a link out of the tree) and anything larger than
// MaxInputBytes is an error that names the path.
func ReadInput(path, root string) ([]byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if _, lerr := os.Lstat(abs); lerr == nil {
			return nil, fmt.Errorf("%s is a symbolic link that cannot be followed: %w", path, err)
		}
		return nil, err
	}
	if target != abs && !inside(target, root) {
		return nil, fmt.Errorf("%s is a symbolic link to %s, outside the configuration directory; mailform follows links only to files inside it: copy the file in instead", path, target)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, not a regular file; mailform reads configuration only from regular files", path, kindOf(fi.Mode()))
	}
	for _, pseudo := range []string{"/proc", "/sys", "/dev"} {
		if target == pseudo || strings.HasPrefix(target, pseudo+"/") {
			return nil, fmt.Errorf("%s is a file of the system's %s pseudo-filesystem, not a configuration file; mailform does not read it", path, pseudo)
		}
	}
	if fi.Size() > MaxInputBytes {
		return nil, fmt.Errorf("%s is %d MiB; mailform reads files of at most %d MiB", path, fi.Size()>>20, MaxInputBytes>>20)
	}
	// O_NONBLOCK: should the file be swapped for a FIFO after the check, opening it
	// must not hang; the descriptor is checked again below.
	f, err := os.OpenFile(target, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if oi, err := f.Stat(); err != nil || !oi.Mode().IsRegular() || !os.SameFile(oi, fi) {
		return nil, fmt.Errorf("%s changed while it was being opened; run again", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxInputBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB; mailform reads files of at most %d MiB", path, MaxInputBytes>>20, MaxInputBytes>>20)
	}
	return b, nil
}

// inside reports whether target (a resolved path) lies in root's tree.
func inside(target, root string) bool {
	r, err := filepath.Abs(root)
	if err != nil {
		return false
	}
	if resolved, err := filepath.EvalSymlinks(r); err == nil {
		r = resolved
	}
	t, err := filepath.Abs(target)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(r, t)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}
