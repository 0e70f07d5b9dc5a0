// Package pgtest starts a throwaway PostgreSQL cluster for tests of the pg state
// backend: initdb into a temporary directory and a postmaster listening only on a
// Unix socket there, so no system service, port or password is involved.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// RequireEnv names the environment variable that turns a missing PostgreSQL into a
// test failure instead of a skip (scripts/test.sh sets it).
const RequireEnv = "MAILFORM_REQUIRE_PG"

// ErrNotInstalled is returned by Start when no PostgreSQL server binaries are found.
var ErrNotInstalled = errors.New("PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or PATH; install them with scripts/install-test-deps.sh (apt-get install postgresql)")

// Server is a running throwaway cluster.
type Server struct {
	// Dir holds the data directory and the Unix socket.
	Dir  string
	Port int
	cmd  *exec.Cmd
	// exited is closed when the postmaster has exited.
	exited chan struct{}
	log    *os.File
}

// ConnStr is a libpq keyword/value connection string for the superuser "postgres".
func (s *Server) ConnStr() string {
	return fmt.Sprintf("host=%s port=%d user=postgres dbname=postgres sslmode=disable", s.Dir, s.Port)
}

// binDir finds the directory of initdb and postgres: the newest Debian
// /usr/lib/postgresql/N/bin, else wherever PATH has them.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if executable(filepath.Join(d, "initdb")) && executable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if executable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// serverUser is the account the server runs as: postgres refuses to run as root, so
// a root test run drops to the "postgres" user; anyone else runs it as themselves.
func serverUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, the test server needs the \"postgres\" user to run as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort asks the kernel for an unused TCP port; the server listens only on a
// socket in its own directory, so the number just keeps socket names distinct.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start creates and starts a cluster; it returns ErrNotInstalled when PostgreSQL is
// not installed. Stop it with Stop.
func Start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mailform-pg-")
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	s := &Server{Dir: dir, exited: make(chan struct{})}
	if err := s.start(bin, cred); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(bin string, cred *syscall.Credential) error {
	data := filepath.Join(s.Dir, "data")
	env := append(os.Environ(), "LC_ALL=C", "LANG=C")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N")
	initdb.Dir, initdb.Env = s.Dir, env
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Port = port
	s.log, err = os.Create(filepath.Join(s.Dir, "server.log"))
	if err != nil {
		return err
	}
	// fsync off and tiny buffers: the cluster is thrown away and must start fast.
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", s.Dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=16MB", "-c", "max_connections=50")
	s.cmd.Dir, s.cmd.Env = s.Dir, env
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	// Pdeathsig stops the server if the test binary dies without calling Stop.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	return s.waitReady()
}

// waitReady connects until the server accepts connections or exits.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.ConnStr())
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited during startup:\n%s", s.logText())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within 30s: %v\n%s", err, s.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) logText() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
	return strings.TrimSpace(string(b))
}

// Stop shuts the server down (fast shutdown) and removes its directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
	}
	if s.log != nil {
		s.log.Close()
	}
	os.RemoveAll(s.Dir)
}

// Skip ends t when err says PostgreSQL is missing: a skip naming pkg, or a failure
// when MAILFORM_REQUIRE_PG=1. Any other error fails t.
func Skip(t testing.TB, pkg string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, ErrNotInstalled) && os.Getenv(RequireEnv) != "1" {
		t.Skipf("%s: pg backend tests skipped: %v (set %s=1 to make this a failure)", pkg, err, RequireEnv)
	}
	t.Fatalf("%s: cannot start the test PostgreSQL: %v", pkg, err)
}

// Start1 starts a cluster for one test and stops it when the test ends; a missing
// PostgreSQL skips the test as Skip does.
func Start1(t testing.TB, pkg string) *Server {
	t.Helper()
	s, err := Start()
	Skip(t, pkg, err)
	t.Cleanup(s.Stop)
	return s
}
