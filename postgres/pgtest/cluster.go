package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// Cluster is a throwaway PostgreSQL server of one test, listening on
// 127.0.0.1 on a port of its own, with trust authentication for the user
// postgres. The test can stop and start it to see how its clients cope.
type Cluster struct {
	tb   testing.TB
	bin  string // the directory of initdb, pg_ctl and postgres
	dir  string // the cluster's data directory, log and socket live in here
	port int
	// runAs is the user the server runs as: PostgreSQL refuses to run as
	// root, so as root it runs as postgres (with runuser).
	runAs string
}

// StartCluster initialises a cluster in a temporary directory and starts it;
// it stops it and removes the directory when the test ends. It skips the
// test when the PostgreSQL server binaries are not installed.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	bin := serverBinaries()
	if bin == "" {
		tb.Skip("the PostgreSQL server binaries (initdb, pg_ctl) are not installed: skipping the throwaway-cluster test " +
			"(on Debian: apt-get install postgresql)")
	}
	c := &Cluster{tb: tb, bin: bin}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	c.dir = dir
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("runuser"); err != nil {
			tb.Skip("running as root without runuser: cannot start a PostgreSQL server as another user")
		}
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Skipf("running as root and there is no postgres user to run a PostgreSQL server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
		c.runAs = "postgres"
	}
	c.port = freePort(tb)
	c.run("initdb", "-D", c.dataDir(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync")
	tb.Cleanup(func() {
		// Stopped already, perhaps: then pg_ctl fails, and that is fine.
		argv := c.command("pg_ctl", "-D", c.dataDir(), "-m", "immediate", "-w", "stop")
		exec.Command(argv[0], argv[1:]...).Run()
	})
	c.Start()
	return c
}

// DSN returns the DSN of the cluster's database name.
func (c *Cluster) DSN(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() {
	c.tb.Helper()
	// fsync off: a throwaway cluster need not survive a power cut.
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c max_connections=50", c.port, c.dir)
	c.run("pg_ctl", "-D", c.dataDir(), "-l", filepath.Join(c.dir, "server.log"), "-w", "-o", opts, "start")
}

// Stop stops the server the way an operator's fast shutdown does: it ends
// every session, then stops listening.
func (c *Cluster) Stop() {
	c.tb.Helper()
	c.run("pg_ctl", "-D", c.dataDir(), "-m", "fast", "-w", "stop")
}

func (c *Cluster) dataDir() string { return filepath.Join(c.dir, "data") }

// command returns the command line that runs the named binary with args as
// the cluster's user.
func (c *Cluster) command(name string, args ...string) []string {
	argv := append([]string{filepath.Join(c.bin, name)}, args...)
	if c.runAs != "" {
		argv = append([]string{"runuser", "-u", c.runAs, "--"}, argv...)
	}
	return argv
}

func (c *Cluster) run(name string, args ...string) {
	c.tb.Helper()
	argv := c.command(name, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		c.tb.Fatalf("pgtest: %s: %v\n%s\nserver log:\n%s", name, err, out, log)
	}
}

// serverBinaries returns the directory holding initdb and pg_ctl: on the
// PATH, or where Debian installs them; "" if there is none.
func serverBinaries() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- { // the newest first
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
