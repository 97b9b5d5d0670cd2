package pgtest

import "testing"

func TestWithDatabase(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/t1?sslmode=disable"},
		{"postgresql://u:p@db/", "postgresql://u:p@db/t1"},
		{"host=127.0.0.1 user=postgres dbname=postgres", "host=127.0.0.1 user=postgres dbname=postgres dbname=t1"},
	} {
		got, err := WithDatabase(tt.in, "t1")
		if err != nil || got != tt.want {
			t.Errorf("WithDatabase(%q, t1) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
