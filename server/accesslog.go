package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// record writes the request's access log line and counts it in the
// metrics, once the error handler has answered.
func (s *server) record(c echo.Context, ri *requestInfo) {
	req, res := c.Request(), c.Response()
	elapsed := time.Since(ri.start)
	op := s.unrouted
	if ri.route != nil {
		op = ri.route.metrics
	}
	op.observe(res.Status, elapsed)
	line := accessLine{time: ri.start.Add(elapsed), id: ri.id, method: req.Method, path: req.URL.Path,
		status: res.Status, bytes: res.Size, operation: op.operation, elapsed: elapsed, remote: req.RemoteAddr}
	if s.access != nil {
		s.access.write(&line)
		return
	}
	s.log.LogAttrs(req.Context(), line.level(), "request", line.attrs()...)
}

// accessLine is one request's line in the access log.
type accessLine struct {
	time         time.Time
	id           string
	method, path string
	status       int
	bytes        int64
	operation    string
	elapsed      time.Duration
	remote       string
}

func (l *accessLine) level() slog.Level {
	if l.status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// durationMS is the time taken in milliseconds, to the microsecond.
func (l *accessLine) durationMS() float64 { return float64(l.elapsed.Microseconds()) / 1000 }

// attrs are the line's fields, in order, for a slog.Logger.
func (l *accessLine) attrs() []slog.Attr {
	return []slog.Attr{
		slog.String("request_id", l.id),
		slog.String("method", l.method),
		slog.String("path", l.path),
		slog.Int("status", l.status),
		slog.Int64("bytes", l.bytes),
		slog.String("operation", l.operation),
		slog.Float64("duration_ms", l.durationMS()),
		slog.String("remote", l.remote),
	}
}

// accessLog writes access log lines to w (Options.AccessLog) as slog's JSON
// handler would write a "request" record with the line's attrs: the same
// fields, in the same order, in the same format. It formats them straight
// into a pooled buffer, one Write per line: slog's handler, which takes any
// attrs of any kind, cost about 7% of a request's CPU, a fifth of the HTTP
// layer's.
type accessLog struct {
	w    io.Writer
	bufs sync.Pool // *[]byte
}

func newAccessLog(w io.Writer) *accessLog {
	return &accessLog{w: w, bufs: sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}}
}

func (a *accessLog) write(l *accessLine) {
	bp := a.bufs.Get().(*[]byte)
	b := append((*bp)[:0], `{"time":"`...)
	b = l.time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"`...)
	b = append(b, l.level().String()...)
	b = append(b, `","msg":"request","request_id":`...)
	b = appendJSONString(b, l.id)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, l.method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, l.path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, l.bytes, 10)
	b = append(b, `,"operation":`...)
	b = appendJSONString(b, l.operation)
	b = append(b, `,"duration_ms":`...)
	// As encoding/json writes a float64 (which slog calls), for numbers
	// from 1e-6 to 1e21: a duration in milliseconds to the microsecond
	// always is one, or 0.
	b = strconv.AppendFloat(b, l.durationMS(), 'f', -1, 64)
	b = append(b, `,"remote":`...)
	b = appendJSONString(b, l.remote)
	b = append(b, "}\n"...)
	// A failed write loses a line, as it would through slog; there is no
	// one to tell but the log itself.
	_, _ = a.w.Write(b)
	if cap(b) <= 4<<10 { // keep no buffer a huge path grew
		*bp = b
		a.bufs.Put(bp)
	}
}

// appendJSONString appends s as a JSON string. Plain printable ASCII, which
// is what every field almost always is, is copied as it is; anything else
// is left to encoding/json (without HTML escaping, as slog does).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			return appendEscaped(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendEscaped(b []byte, s string) []byte {
	w := appendWriter{b}
	enc := json.NewEncoder(&w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil { // a string always encodes
		return append(b, `""`...)
	}
	return w.b[:len(w.b)-1] // Encode's newline
}

type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
