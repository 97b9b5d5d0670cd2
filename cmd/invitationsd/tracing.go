package main

import (
	"context"
	"fmt"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// tracingConfig is how traces are exported, from the standard OTEL_*
// environment variables (see docs/tracing.md). It is read through run's
// getenv, so a test configures it as an operator does.
type tracingConfig struct {
	endpoint    string // the full URL spans are POSTed to
	headers     map[string]string
	timeout     time.Duration // 0: the exporter's default
	gzip        bool
	sampler     sdktrace.Sampler
	samplerName string
	resource    []attribute.KeyValue
}

// parseTracing reads the OTEL_* variables. It returns nil when traces are
// not exported, which is the default: OTEL_TRACES_EXPORTER unset and no
// OTLP endpoint set, OTEL_TRACES_EXPORTER=none, or OTEL_SDK_DISABLED=true.
//
// The specification's default for OTEL_TRACES_EXPORTER is otlp, to
// localhost:4318: an SDK configured by the environment alone exports.
// invitationsd exports only when told where to, by an OTLP endpoint or by
// OTEL_TRACES_EXPORTER=otlp (then to the default endpoint, as the
// specification says), so a server that was never configured for tracing
// pays nothing for it and sends nothing anywhere.
func parseTracing(getenv func(string) string) (*tracingConfig, error) {
	if disabled, _ := strconv.ParseBool(strings.TrimSpace(getenv("OTEL_SDK_DISABLED"))); disabled {
		return nil, nil
	}
	// The signal's own variable wins over the general one.
	either := func(traces, general string) (string, string) {
		if v := strings.TrimSpace(getenv(traces)); v != "" {
			return traces, v
		}
		return general, strings.TrimSpace(getenv(general))
	}
	tracesEndpoint := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
	generalEndpoint := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
	switch exporter := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); exporter {
	case "":
		if tracesEndpoint == "" && generalEndpoint == "" {
			return nil, nil
		}
	case "otlp":
	case "none":
		return nil, nil
	default:
		return nil, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: invitationsd exports traces with otlp, or none", exporter)
	}
	if name, p := either("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"); p != "" && p != "http/protobuf" {
		return nil, fmt.Errorf("%s=%q: invitationsd exports traces over http/protobuf only", name, p)
	}

	cfg := &tracingConfig{endpoint: "http://localhost:4318/v1/traces"}
	// The signal's endpoint is the URL to use; the general one is a base,
	// under which the signal's path goes.
	name, endpoint := "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", tracesEndpoint
	if endpoint == "" && generalEndpoint != "" {
		name, endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT", strings.TrimSuffix(generalEndpoint, "/")+"/v1/traces"
	}
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%s=%q: want an http:// or https:// URL", name, getenv(name))
		}
		cfg.endpoint = endpoint
	}
	if name, v := either("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"); v != "" {
		h, err := parseKeyValues(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		cfg.headers = h
	}
	if name, v := either("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return nil, fmt.Errorf("%s=%q: want a number of milliseconds", name, v)
		}
		cfg.timeout = time.Duration(ms) * time.Millisecond
	}
	switch name, v := either("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"); v {
	case "", "none":
	case "gzip":
		cfg.gzip = true
	default:
		return nil, fmt.Errorf("%s=%q: want gzip or none", name, v)
	}
	var err error
	if cfg.sampler, cfg.samplerName, err = parseSampler(getenv("OTEL_TRACES_SAMPLER"), getenv("OTEL_TRACES_SAMPLER_ARG")); err != nil {
		return nil, err
	}

	// The resource: OTEL_RESOURCE_ATTRIBUTES, then the service's name
	// (OTEL_SERVICE_NAME wins) and version.
	attrs := map[string]string{}
	if v := getenv("OTEL_RESOURCE_ATTRIBUTES"); strings.TrimSpace(v) != "" {
		if attrs, err = parseKeyValues(v); err != nil {
			return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
		}
	}
	if v := strings.TrimSpace(getenv("OTEL_SERVICE_NAME")); v != "" {
		attrs[string(semconv.ServiceNameKey)] = v
	} else if attrs[string(semconv.ServiceNameKey)] == "" {
		attrs[string(semconv.ServiceNameKey)] = "invitationsd"
	}
	attrs[string(semconv.ServiceVersionKey)] = serviceVersion()
	for k, v := range attrs {
		cfg.resource = append(cfg.resource, attribute.String(k, v))
	}
	return cfg, nil
}

// parseKeyValues reads the W3C Baggage-like list the OTEL_* variables use
// for header fields and resource attributes: key=value pairs separated by
// commas, values percent-encoded.
func parseKeyValues(s string) (map[string]string, error) {
	m := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", pair)
		}
		value, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("the value of %s: %w", k, err)
		}
		m[k] = value
	}
	return m, nil
}

// parseSampler is the sampler OTEL_TRACES_SAMPLER names (the
// specification's default: parentbased_always_on), with its argument.
func parseSampler(name, arg string) (sdktrace.Sampler, string, error) {
	name, arg = strings.TrimSpace(name), strings.TrimSpace(arg)
	ratio := func() (float64, error) {
		if arg == "" {
			return 1, nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return 0, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG=%q: want a probability from 0 to 1", arg)
		}
		return r, nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), "parentbased_always_on", nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), name, nil
	case "always_on":
		return sdktrace.AlwaysSample(), name, nil
	case "always_off":
		return sdktrace.NeverSample(), name, nil
	case "traceidratio", "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, "", err
		}
		s := sdktrace.TraceIDRatioBased(r)
		if name == "parentbased_traceidratio" {
			s = sdktrace.ParentBased(s)
		}
		return s, name + "(" + strconv.FormatFloat(r, 'g', -1, 64) + ")", nil
	}
	return nil, "", fmt.Errorf("OTEL_TRACES_SAMPLER=%q: want always_on, always_off, traceidratio or their parentbased_ forms", name)
}

// serviceVersion is the module's version from the build info, as
// invitationsd version prints it.
func serviceVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "unknown"
}

// newTracerProvider is the SDK's provider exporting to cfg's endpoint
// with OTLP over HTTP, spans batched. Options given here take precedence
// over the exporter's and the SDK's own reading of the process's
// environment; the variables this file does not read (the batch
// processor's OTEL_BSP_*, span limits, TLS certificates) they still read
// themselves.
func newTracerProvider(ctx context.Context, cfg *tracingConfig) (*sdktrace.TracerProvider, error) {
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(cfg.endpoint)}
	if cfg.headers != nil {
		opts = append(opts, otlptracehttp.WithHeaders(cfg.headers))
	}
	if cfg.timeout > 0 {
		opts = append(opts, otlptracehttp.WithTimeout(cfg.timeout))
	}
	if cfg.gzip {
		opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	} else {
		opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.NoCompression))
	}
	exporter, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("trace exporter: %w", err)
	}
	res, err := resource.New(ctx, resource.WithSchemaURL(semconv.SchemaURL), resource.WithTelemetrySDK(),
		resource.WithAttributes(cfg.resource...))
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res),
		sdktrace.WithSampler(cfg.sampler)), nil
}
