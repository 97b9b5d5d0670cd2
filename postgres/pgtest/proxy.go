package pgtest

import (
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy forwards TCP connections to a PostgreSQL server and can freeze
// them: while frozen it still accepts connections but passes nothing on in
// either direction, as a database that hangs (or a network that drops
// packets) does. Nothing is lost: what was held back flows on Thaw.
type Proxy struct {
	tb     testing.TB
	ln     net.Listener
	target string // host:port

	mu     sync.Mutex
	frozen bool
	thawed *sync.Cond
	conns  []net.Conn
}

// NewProxy starts a proxy in front of the server that dsn (a postgres://
// URL) names; it stops when the test ends.
func NewProxy(tb testing.TB, dsn string) *Proxy {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		tb.Fatalf("pgtest: proxy: %q is not a postgres:// URL with a host", dsn)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{tb: tb, ln: ln, target: target}
	p.thawed = sync.NewCond(&p.mu)
	var wg sync.WaitGroup
	wg.Go(func() { p.accept(&wg) })
	tb.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		p.frozen = false
		p.thawed.Broadcast()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		wg.Wait()
	})
	return p
}

// DSN returns dsn with its host and port replaced by the proxy's.
func (p *Proxy) DSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		p.tb.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	return u.String()
}

// Freeze holds back everything sent either way from now on.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = true
}

// Thaw lets everything flow again.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = false
	p.thawed.Broadcast()
}

func (p *Proxy) accept(wg *sync.WaitGroup) {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed at the test's end
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		wg.Go(func() { p.pipe(server, client) })
		wg.Go(func() { p.pipe(client, server) })
	}
}

// pipe copies src to dst, waiting before each write while frozen.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.frozen {
				p.thawed.Wait()
			}
			p.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil { // EOF, a reset, or closed at the test's end
			return
		}
	}
}
