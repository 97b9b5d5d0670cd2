package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseTracing(t *testing.T) {
	type want struct {
		endpoint string
		headers  map[string]string
		timeout  time.Duration
		gzip     bool
		sampler  string
		resource map[string]string // checked where given
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want *want // nil: off
	}{
		{"unset", nil, nil},
		{"other variables only", map[string]string{"OTEL_SERVICE_NAME": "x", "OTEL_TRACES_SAMPLER": "always_on"}, nil},
		{"endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
			&want{endpoint: "http://collector:4318/v1/traces", sampler: "parentbased_always_on"}},
		{"endpoint with a path", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example.com/base/"},
			&want{endpoint: "https://otel.example.com/base/v1/traces", sampler: "parentbased_always_on"}},
		{"traces endpoint as is, over the general one", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/custom"},
			&want{endpoint: "http://b:4318/custom", sampler: "parentbased_always_on"}},
		{"otlp without an endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"},
			&want{endpoint: "http://localhost:4318/v1/traces", sampler: "parentbased_always_on"}},
		{"none wins", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318"}, nil},
		{"disabled wins", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, nil},
		{"everything", map[string]string{
			"OTEL_TRACES_EXPORTER":               "otlp",
			"OTEL_EXPORTER_OTLP_PROTOCOL":        "http/protobuf",
			"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://a:4318",
			"OTEL_EXPORTER_OTLP_HEADERS":         "ignored=1",
			"OTEL_EXPORTER_OTLP_TRACES_HEADERS":  "api-key=s%20cret, x-tenant = t1",
			"OTEL_EXPORTER_OTLP_TIMEOUT":         "2500",
			"OTEL_EXPORTER_OTLP_COMPRESSION":     "gzip",
			"OTEL_TRACES_SAMPLER":                "parentbased_traceidratio",
			"OTEL_TRACES_SAMPLER_ARG":            "0.25",
			"OTEL_RESOURCE_ATTRIBUTES":           "deployment.environment.name=staging,service.name=from-attributes",
			"OTEL_SERVICE_NAME":                  "invitations-eu",
			"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "",
		}, &want{endpoint: "http://a:4318/v1/traces", headers: map[string]string{"api-key": "s cret", "x-tenant": "t1"},
			timeout: 2500 * time.Millisecond, gzip: true, sampler: "parentbased_traceidratio(0.25)",
			resource: map[string]string{"deployment.environment.name": "staging", "service.name": "invitations-eu"}}},
		{"service name from the attributes", map[string]string{"OTEL_TRACES_EXPORTER": "otlp",
			"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attributes"},
			&want{endpoint: "http://localhost:4318/v1/traces", sampler: "parentbased_always_on",
				resource: map[string]string{"service.name": "from-attributes"}}},
		{"default service name", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "always_off"},
			&want{endpoint: "http://localhost:4318/v1/traces", sampler: "always_off",
				resource: map[string]string{"service.name": "invitationsd"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseTracing(func(name string) string { return tc.env[name] })
			if err != nil {
				t.Fatalf("parseTracing: %v", err)
			}
			if tc.want == nil {
				if cfg != nil {
					t.Fatalf("parseTracing = %+v; want off (nil)", cfg)
				}
				return
			}
			if cfg == nil {
				t.Fatal("parseTracing = nil (off); want on")
			}
			got := &want{endpoint: cfg.endpoint, headers: cfg.headers, timeout: cfg.timeout, gzip: cfg.gzip, sampler: cfg.samplerName}
			if tc.want.resource != nil {
				got.resource = map[string]string{}
				for _, kv := range cfg.resource {
					if _, ok := tc.want.resource[string(kv.Key)]; ok {
						got.resource[string(kv.Key)] = kv.Value.Emit()
					}
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("parseTracing (-want +got):\n%s", diff)
			}
			var version bool
			for _, kv := range cfg.resource {
				version = version || kv.Key == "service.version" && kv.Value.Emit() != ""
			}
			if !version {
				t.Errorf("the resource %v has no service.version", cfg.resource)
			}
		})
	}
}

func TestParseTracingRefuses(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // in the error
	}{
		{map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTEL_EXPORTER_OTLP_PROTOCOL"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"},
			"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "ftp://collector"}, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, "OTEL_EXPORTER_OTLP_TIMEOUT"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, "OTEL_EXPORTER_OTLP_COMPRESSION"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_HEADERS": "novalue"}, "OTEL_EXPORTER_OTLP_HEADERS"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "sometimes"}, "OTEL_TRACES_SAMPLER"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"},
			"OTEL_TRACES_SAMPLER_ARG"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_RESOURCE_ATTRIBUTES": "a=%zz"}, "OTEL_RESOURCE_ATTRIBUTES"},
	} {
		cfg, err := parseTracing(func(name string) string { return tc.env[name] })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseTracing(%v) = %+v, %v; want an error naming %s", tc.env, cfg, err, tc.want)
		}
	}
}

// A bad variable stops invitationsd at start-up, with the variable named.
func TestRunRefusesBadTracing(t *testing.T) {
	var out strings.Builder
	err := run(t.Context(), []string{"invitationsd", "-addr", "127.0.0.1:0", "-db", "memory:"},
		func(name string) string {
			return map[string]string{"OTEL_TRACES_EXPORTER": "jaeger"}[name]
		}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "OTEL_TRACES_EXPORTER") {
		t.Errorf("run with OTEL_TRACES_EXPORTER=jaeger: %v; want an error naming it", err)
	}
}
