package schema

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadInput(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	write := func(dir, name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write(root, "main.mf.hcl", "x")
	os.Mkdir(filepath.Join(root, "data"), 0o755)
	write(filepath.Join(root, "data"), "staff.csv", "a,b\n")
	secret := write(outside, "secret.txt", "TOKEN=hunter2")
	link := func(target, name string) string {
		p := filepath.Join(root, name)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(root, "fifo.mf.hcl")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(root, "big.csv")
	f, _ := os.Create(big)
	f.Truncate(MaxInputBytes + 1)
	f.Close()
	os.Symlink(outside, filepath.Join(root, "outdir"))

	for _, tc := range []struct {
		path, want, wantErr string
	}{
		{path: filepath.Join(root, "main.mf.hcl"), want: "x"},
		{path: link("data/staff.csv", "staff.csv"), want: "a,b\n"},
		{path: secret, want: "TOKEN=hunter2"}, // a regular file named directly may be anywhere
		{path: link(secret, "leak.mf.hcl"), wantErr: "outside the configuration directory"},
		{path: filepath.Join(root, "outdir", "secret.txt"), wantErr: "outside the configuration directory"},
		{path: link("/proc/self/environ", "env.mf.hcl"), wantErr: "outside the configuration directory"},
		{path: "/proc/self/environ", wantErr: "env"},
		{path: "/proc/version", wantErr: "/proc pseudo-filesystem"},
		{path: "/dev/null", wantErr: "a character device, not a regular file"},
		{path: fifo, wantErr: "a named pipe (FIFO), not a regular file"},
		{path: filepath.Join(root, "data"), wantErr: "a directory, not a regular file"},
		{path: big, wantErr: "reads files of at most 32 MiB"},
		{path: link("nowhere", "dangling.csv"), wantErr: "cannot be followed"},
		{path: filepath.Join(root, "missing.csv"), wantErr: "no such file"},
	} {
		start := time.Now()
		b, err := ReadInput(tc.path, root)
		if time.Since(start) > 2*time.Second {
			t.Errorf("%s: reading took %s", tc.path, time.Since(start))
		}
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("ReadInput(%s) = %q, %v; want an error naming the path with %q", tc.path, b, err, tc.wantErr)
			}
			continue
		}
		if err != nil || string(b) != tc.want {
			t.Errorf("ReadInput(%s) = %q, %v; want %q", tc.path, b, err, tc.want)
		}
	}
}
