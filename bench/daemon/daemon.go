// Package daemon builds invitationsd and runs it as a child process, for the
// programs under bench/ that load it, kill it and watch its memory.
package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Workdir makes a directory for a run's data, binary and server logs, named
// after the program. done removes it, unless the run failed or keep asks to
// keep it; then it says where the directory is.
func Workdir(program string, keep bool, out io.Writer) (dir string, done func(failed bool), err error) {
	dir, err = os.MkdirTemp("", program+"-")
	if err != nil {
		return "", nil, err
	}
	return dir, func(failed bool) {
		if failed || keep {
			fmt.Fprintf(out, "%s: data and server logs kept in %s\n", program, dir)
			return
		}
		os.RemoveAll(dir)
	}, nil
}

// Build builds invitationsd into dir, and returns the binary's path. The
// working directory must be inside the module.
func Build(ctx context.Context, dir string, log io.Writer) (string, error) {
	bin := filepath.Join(dir, "invitationsd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/graph-linkedin/invitations/cmd/invitationsd")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build invitationsd: %w", err)
	}
	return bin, nil
}

// Token mints a development token with the key in keyFile (creating the key
// if need be): delegated scopes scp, or application roles.
func Token(ctx context.Context, bin, keyFile, tenant, sub, scp, roles string) (string, error) {
	args := []string{"token", "-key-file", keyFile, "-tid", tenant, "-sub", sub, "-ttl", "12h"}
	if scp != "" {
		args = append(args, "-scp", scp)
	}
	if roles != "" {
		args = append(args, "-roles", roles)
	}
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		return "", fmt.Errorf("mint a token for %s: %w", sub, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Process is a running invitationsd.
type Process struct {
	cmd *exec.Cmd
	// Addr is where the API listens; MetricsAddr where /metrics is served,
	// when it is.
	Addr, MetricsAddr string
	exited            chan struct{} // closed when the process has exited
	err               error         // cmd.Wait's, once exited is closed
}

// Start runs the command line argv (invitationsd and its flags, perhaps
// behind a taskset) and returns once the server has said where it listens.
// Everything it prints goes to log.
func Start(argv []string, log io.Writer) (*Process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{cmd: cmd, exited: make(chan struct{})}
	listening := make(chan struct{})
	go func() {
		lines := bufio.NewScanner(stdout)
		lines.Buffer(make([]byte, 64<<10), 1<<20)
		for lines.Scan() {
			log.Write(append(lines.Bytes(), '\n'))
			if p.Addr != "" {
				continue
			}
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(lines.Bytes(), &rec) != nil {
				continue
			}
			switch rec.Msg {
			case "serving metrics":
				p.MetricsAddr = rec.Addr
			case "listening":
				p.Addr = rec.Addr
				close(listening)
			}
		}
		io.Copy(log, stdout)
		p.err = cmd.Wait()
		close(p.exited)
	}()
	select {
	case <-listening:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("invitationsd exited before it listened: %v", p.err)
	case <-time.After(60 * time.Second):
		p.Kill()
		return nil, errors.New("invitationsd did not say where it listens within 60 s")
	}
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Kill sends SIGKILL and waits for the process to exit.
func (p *Process) Kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// Stop sends SIGTERM and waits up to timeout for the process to exit (then
// kills it). It returns the process's exit error: nil for status 0.
func (p *Process) Stop(timeout time.Duration) error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.err
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("invitationsd did not exit within %v of SIGTERM", timeout)
	}
}

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// RSS is the process's resident memory, in bytes.
func (p *Process) RSS() (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc/<pid>/status")
}
