package main

import "testing"

func TestYAMLToJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{"b: 1\na: 2\n", `{"b":1,"a":2}`},
		{"'200': {x: [1, 2.5, true, null]}\n", `{"200":{"x":[1,2.5,true,null]}}`},
		{"200: ok\n", `{"200":"ok"}`},
		{"v: 1.0.0\nw: '3'\nd: 2026-11-25\n", `{"v":"1.0.0","w":"3","d":"2026-11-25"}`},
		{"p: '^a<b&c$'\n", `{"p":"^a<b&c$"}`},
		{"x: &a {k: v}\ny: *a\n", `{"x":{"k":"v"},"y":{"k":"v"}}`},
		{"s: |\n  two\n  lines\n", `{"s":"two\nlines\n"}`},
		{"e: {}\nl: []\n", `{"e":{},"l":[]}`},
	}
	for _, tt := range tests {
		got, err := yamlToJSON([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("yamlToJSON(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	if got, err := yamlToJSON([]byte("a: [")); err == nil {
		t.Errorf("yamlToJSON(malformed) = %s; want an error", got)
	}
}
