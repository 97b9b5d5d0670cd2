package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// The deployment files (Containerfile, deploy/) are checked against
// invitationsd itself: the variables they set are ones its configuration
// reads, their flags and values are ones it accepts (parseConfig, the real
// flag set), the paths it writes are writable there, and the ports and
// probe paths are where it serves.

const repoRoot = "../.."

// readEnv returns the environment variables invitationsd's configuration
// reads: it asks for each of them while it builds its flag set, and for
// the OTEL_* variables of traces (all of them once traces are on).
func readEnv(t *testing.T) map[string]bool {
	t.Helper()
	asked := map[string]bool{}
	if _, err := parseConfig(nil, func(k string) string { asked[k] = true; return "" }, io.Discard); err != nil {
		t.Fatal(err)
	}
	on := func(k string) string {
		asked[k] = true
		if k == "OTEL_TRACES_EXPORTER" {
			return "otlp"
		}
		return ""
	}
	if _, err := parseTracing(on); err != nil {
		t.Fatal(err)
	}
	return asked
}

// processEnv are variables a deployment may set that are the process's, not
// invitationsd's flags: TMPDIR places temporary files (Go's and SQLite's).
var processEnv = map[string]bool{"TMPDIR": true, "PATH": true}

// checkConfig checks that invitationsd reads every variable in env and
// accepts args with env, and returns the configuration it makes of them.
func checkConfig(t *testing.T, where string, args []string, env map[string]string) config {
	t.Helper()
	known := readEnv(t)
	for k := range env {
		if !known[k] && !processEnv[k] {
			t.Errorf("%s sets %s, which invitationsd does not read", where, k)
		}
	}
	var stderr bytes.Buffer
	cfg, err := parseConfig(args, func(k string) string { return env[k] }, &stderr)
	if err != nil {
		t.Fatalf("%s: %s refuses its configuration: %v\n%s", where, strings.Join(append([]string{"invitationsd"}, args...), " "), err, stderr.String())
	}
	// The traces' settings as they apply once traces are on (a file may
	// leave the endpoint to the operator, and traces off until then).
	tracesOn := func(k string) string {
		if k == "OTEL_TRACES_EXPORTER" && env[k] == "" {
			return "otlp"
		}
		return env[k]
	}
	if _, err := parseTracing(tracesOn); err != nil {
		t.Fatalf("%s: invitationsd refuses its traces' configuration: %v", where, err)
	}
	return cfg
}

// under reports whether path is dir or inside it.
func under(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && filepath.IsAbs(path) && rel != ".." && !strings.HasPrefix(rel, "../")
}

// written returns the paths the server writes with cfg: the SQLite file
// (and its -wal and -shm beside it), the development key unless production
// keys are configured, and temporary files.
func written(cfg config, env map[string]string) map[string]string {
	w := map[string]string{"TMPDIR": env["TMPDIR"]}
	if !isPostgres(cfg.db) && cfg.db != "memory:" {
		w["-db"] = cfg.db
	}
	if cfg.jwksURL == "" && cfg.publicKeyFile == "" {
		w["-dev-key-file"] = cfg.devKeyFile
	}
	return w
}

// port is the port of a listen address.
func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(p)
	if err != nil || perr != nil || n <= 0 || n > 65535 {
		t.Fatalf("listen address %q has no port", addr)
	}
	return n
}

// servedPaths starts invitationsd (in memory, on a free port) and reports
// the status of GET on each path.
func servedPaths(t *testing.T, paths ...string) map[string]int {
	t.Helper()
	dir := t.TempDir()
	addr, stop := startRun(t, "-addr", "127.0.0.1:0", "-db", "memory:", "-dev-key-file", filepath.Join(dir, "dev-jwt.key"))
	defer stop()
	status := map[string]int{}
	for _, p := range paths {
		status[p], _ = httpGet(t, "http://"+addr+p)
	}
	return status
}

// containerfile is what the test reads of the Containerfile.
type containerfile struct {
	env        map[string]string
	labels     map[string]string
	expose     []string
	volumes    []string
	user       string
	workdir    string
	entrypoint []string
	copies     [][]string // COPY's words, flags and all
}

// words splits s at spaces, keeping double-quoted runs together (without the
// quotes): the only quoting the Containerfile uses.
func words(s string) []string {
	var out []string
	var b strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case unicode.IsSpace(r) && !quoted:
			if inWord {
				out, inWord = append(out, b.String()), false
				b.Reset()
			}
		default:
			b.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, b.String())
	}
	return out
}

// readContainerfile parses the Containerfile's instructions. A parser of the
// full syntax (buildkit's) would be a large dependency for a test of one
// file this simple; this one fails on anything it does not know.
func readContainerfile(t *testing.T) containerfile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "Containerfile"))
	if err != nil {
		t.Fatal(err)
	}
	cf := containerfile{env: map[string]string{}, labels: map[string]string{}}
	var logical []string
	var cont strings.Builder
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if l, ok := strings.CutSuffix(line, `\`); ok {
			cont.WriteString(l + " ")
			continue
		}
		logical = append(logical, cont.String()+line)
		cont.Reset()
	}
	for _, l := range logical {
		instr, rest, _ := strings.Cut(l, " ")
		switch strings.ToUpper(instr) {
		case "FROM", "ARG":
		case "ENV", "LABEL":
			m := map[string]map[string]string{"ENV": cf.env, "LABEL": cf.labels}[strings.ToUpper(instr)]
			for _, w := range words(rest) {
				k, v, ok := strings.Cut(w, "=")
				if !ok {
					t.Fatalf("Containerfile: %s %q: want name=value", instr, w)
				}
				m[k] = v
			}
		case "EXPOSE":
			cf.expose = append(cf.expose, words(rest)...)
		case "VOLUME":
			cf.volumes = append(cf.volumes, words(rest)...)
		case "USER":
			cf.user = rest
		case "WORKDIR":
			cf.workdir = rest
		case "COPY":
			cf.copies = append(cf.copies, words(rest))
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &cf.entrypoint); err != nil {
				t.Fatalf("Containerfile: ENTRYPOINT %s: want the exec form: %v", rest, err)
			}
		default:
			t.Fatalf("Containerfile: the test does not know %s", instr)
		}
	}
	return cf
}

func TestContainerfile(t *testing.T) {
	cf := readContainerfile(t)
	cfg := checkConfig(t, "the Containerfile", nil, cf.env)

	host, _, _ := net.SplitHostPort(cfg.addr)
	p := strconv.Itoa(port(t, cfg.addr))
	if host != "0.0.0.0" || !slices.Equal(cf.expose, []string{p + "/tcp"}) && !slices.Equal(cf.expose, []string{p}) {
		t.Errorf("the image listens on %s and exposes %v; want 0.0.0.0 and its port", cfg.addr, cf.expose)
	}
	if cfg.metricsAddr != "" {
		t.Errorf("the image sets -metrics-addr %s; want metrics on the exposed port", cfg.metricsAddr)
	}
	if len(cf.volumes) != 1 || cf.workdir != cf.volumes[0] {
		t.Fatalf("volumes %v, working directory %s; want one volume, the working directory", cf.volumes, cf.workdir)
	}
	for what, path := range written(cfg, cf.env) {
		if !under(path, cf.volumes[0]) {
			t.Errorf("the image writes %s (%s) outside the volume %s", path, what, cf.volumes[0])
		}
	}

	// The binary is where the entrypoint runs it.
	if len(cf.entrypoint) != 1 || !slices.ContainsFunc(cf.copies, func(c []string) bool {
		return slices.Equal(c, []string{"invitationsd", cf.entrypoint[0]})
	}) {
		t.Errorf("entrypoint %q; want the path COPY puts invitationsd at", cf.entrypoint)
	}

	// The user is a user of the image's /etc/passwd, without privileges,
	// and owns the volume.
	passwd, err := os.ReadFile(filepath.Join(repoRoot, "deploy/image/passwd"))
	if err != nil {
		t.Fatal(err)
	}
	uid, gid, _ := strings.Cut(cf.user, ":")
	var found bool
	for line := range strings.Lines(string(passwd)) {
		f := strings.Split(strings.TrimSpace(line), ":")
		if len(f) == 7 && f[2] == uid && f[3] == gid && f[5] == cf.volumes[0] {
			found = true
		}
	}
	if uid == "0" || uid == "" || !found {
		t.Errorf("USER %s; want a user of deploy/image/passwd other than root, whose home is %s", cf.user, cf.volumes[0])
	}
	if !slices.ContainsFunc(cf.copies, func(c []string) bool {
		return len(c) == 3 && c[0] == "--chown="+cf.user && c[2] == cf.volumes[0]
	}) {
		t.Errorf("no COPY --chown=%s of the volume %s: the user could not write to it", cf.user, cf.volumes[0])
	}

	// The licence label is the licence's.
	license, err := os.ReadFile(filepath.Join(repoRoot, "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Info struct {
			License struct{ Name string }
			Contact struct{ URL string }
		}
	}
	specYAML, err := os.ReadFile(filepath.Join(repoRoot, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(specYAML, &spec); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(license), "\n")
	if got := cf.labels["org.opencontainers.image.licenses"]; got != spec.Info.License.Name || first != got+" License" {
		t.Errorf("licence label %q; openapi.yaml says %q, LICENSE %q", got, spec.Info.License.Name, first)
	}
	if got := cf.labels["org.opencontainers.image.source"]; got != spec.Info.Contact.URL || got == "" {
		t.Errorf("source label %q; openapi.yaml's contact is %q", got, spec.Info.Contact.URL)
	}
	for _, k := range []string{"version", "revision"} {
		if _, ok := cf.labels["org.opencontainers.image."+k]; !ok {
			t.Errorf("no label org.opencontainers.image.%s", k)
		}
	}
}

// portRef is a Kubernetes port reference: a number or a port's name.
type portRef string

func (p *portRef) UnmarshalYAML(n *yaml.Node) error {
	*p = portRef(n.Value)
	return nil
}

type probe struct {
	HTTPGet *struct {
		Path string
		Port portRef
	} `yaml:"httpGet"`
}

type container struct {
	Name string
	Args []string
	Env  []struct {
		Name      string
		Value     string
		ValueFrom *struct {
			SecretKeyRef *struct{ Name, Key string } `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	}
	EnvFrom []struct {
		ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	Ports []struct {
		Name          string
		ContainerPort int `yaml:"containerPort"`
	}
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string
	}
	SecurityContext struct {
		ReadOnlyRootFilesystem bool `yaml:"readOnlyRootFilesystem"`
	} `yaml:"securityContext"`
	VolumeMounts []volumeMount `yaml:"volumeMounts"`
}

type volumeMount struct {
	Name      string
	MountPath string `yaml:"mountPath"`
}

// k8sObject is what the test reads of the manifest's objects.
type k8sObject struct {
	Kind     string
	Metadata struct{ Name string }
	Data     map[string]string // a ConfigMap's
	Spec     struct {
		Template struct { // a Deployment's
			Metadata struct {
				Annotations map[string]string
			}
			Spec struct {
				TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
				SecurityContext               struct {
					RunAsNonRoot bool `yaml:"runAsNonRoot"`
					RunAsUser    int  `yaml:"runAsUser"`
				} `yaml:"securityContext"`
				Containers []container
			}
		}
		Ports []struct { // a Service's
			Name       string
			Port       int
			TargetPort portRef `yaml:"targetPort"`
		}
	}
}

func TestKubernetesManifest(t *testing.T) {
	f, err := os.Open(filepath.Join(repoRoot, "deploy/kubernetes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	objects := map[string]k8sObject{}
	dec := yaml.NewDecoder(f)
	for {
		var o k8sObject
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if _, dup := objects[o.Kind]; dup {
			t.Fatalf("two %ss: the test reads one of each", o.Kind)
		}
		objects[o.Kind] = o
	}
	deployment, service := objects["Deployment"], objects["Service"]
	if len(deployment.Spec.Template.Spec.Containers) != 1 || len(service.Spec.Ports) != 1 {
		t.Fatalf("kinds %v; want a Deployment of one container and a Service of one port", slices.Sorted(maps.Keys(objects)))
	}
	pod := deployment.Spec.Template.Spec
	c := pod.Containers[0]

	// The container's environment: the image's, then the ConfigMaps', then
	// its own (Kubernetes's order of precedence).
	cf := readContainerfile(t)
	env := maps.Clone(cf.env)
	own := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil || objects["ConfigMap"].Metadata.Name != from.ConfigMapRef.Name {
			t.Fatalf("envFrom %+v; want the manifest's ConfigMap", from)
		}
		for k, v := range objects["ConfigMap"].Data {
			env[k], own[k] = v, v
		}
	}
	dbFromSecret := false
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			// What the Secret is to hold, for parseConfig.
			v = "postgres://invitations@postgres.example.internal:5432/invitations?sslmode=verify-full"
			dbFromSecret = dbFromSecret || e.Name == "INVITATIONS_DB"
		}
		env[e.Name], own[e.Name] = v, v
	}
	checkConfig(t, "deploy/kubernetes.yaml", nil, own) // every variable it sets is invitationsd's
	cfg := checkConfig(t, "deploy/kubernetes.yaml with the image's environment", c.Args, env)
	if !dbFromSecret || !isPostgres(cfg.db) {
		t.Errorf("-db is %q; want a PostgreSQL URL from a Secret", redact(cfg.db))
	}
	if cfg.jwksURL == "" || cfg.issuer == "" || cfg.audience == "" {
		t.Errorf("JWKS %q, issuer %q, audience %q; want production keys from a JWKS", cfg.jwksURL, cfg.issuer, cfg.audience)
	}
	// Clients reach the Service by a name: without a public URL the links
	// in answers would name the pod's address.
	if cfg.publicURL == nil {
		t.Error("no -public-url (INVITATIONS_PUBLIC_URL); want the name clients reach the Service by, which links start with")
	}

	// Ports: the container's is where invitationsd listens, and the probes,
	// the Service and the scrape point at it.
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != port(t, cfg.addr) || cfg.metricsAddr != "" {
		t.Fatalf("container ports %+v; want one, %s's port, serving metrics too", c.Ports, cfg.addr)
	}
	named := c.Ports[0]
	refersToPort := func(p portRef) bool { return string(p) == named.Name || string(p) == strconv.Itoa(named.ContainerPort) }
	if !refersToPort(service.Spec.Ports[0].TargetPort) {
		t.Errorf("the Service targets port %s; want %s", service.Spec.Ports[0].TargetPort, named.Name)
	}
	annotations := deployment.Spec.Template.Metadata.Annotations
	if annotations["prometheus.io/port"] != strconv.Itoa(named.ContainerPort) {
		t.Errorf("Prometheus scrapes port %s; want %d", annotations["prometheus.io/port"], named.ContainerPort)
	}
	paths := map[string]string{"prometheus.io/path": annotations["prometheus.io/path"]}
	for name, p := range map[string]*probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || !refersToPort(p.HTTPGet.Port) {
			t.Errorf("the %s probe %+v; want an HTTP GET on port %s", name, p, named.Name)
			continue
		}
		paths[name+" probe"] = p.HTTPGet.Path
	}
	if paths["liveness probe"] != "/healthz" || paths["readiness probe"] != "/readyz" {
		t.Errorf("liveness %s, readiness %s; want /healthz (the process serves) and /readyz (the database and keys are there)",
			paths["liveness probe"], paths["readiness probe"])
	}
	var all []string
	for _, p := range paths {
		all = append(all, p)
	}
	for p, status := range servedPaths(t, all...) {
		if status != http.StatusOK {
			t.Errorf("the manifest uses %s; invitationsd answers it %d", p, status)
		}
	}

	// The process: a user without privileges (the image's), enough time to
	// stop gracefully, resources requested, and every path it writes on a
	// volume (the root file system is read-only).
	uid, _, _ := strings.Cut(cf.user, ":")
	if sc := pod.SecurityContext; !sc.RunAsNonRoot || strconv.Itoa(sc.RunAsUser) != uid {
		t.Errorf("the pod runs as %d (runAsNonRoot %v); want the image's user %s", sc.RunAsUser, sc.RunAsNonRoot, uid)
	}
	if grace := time.Duration(pod.TerminationGracePeriodSeconds) * time.Second; grace <= cfg.shutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds %v; want more than -shutdown-timeout %v", grace, cfg.shutdownTimeout)
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" {
		t.Errorf("resource requests %v; want cpu and memory", c.Resources.Requests)
	}
	if !c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("the root file system is writable; want it read-only, with what the server writes on a volume")
	}
	for what, path := range written(cfg, env) {
		if !slices.ContainsFunc(c.VolumeMounts, func(m volumeMount) bool { return under(path, m.MountPath) }) {
			t.Errorf("the server writes %s (%s), on no volume", path, what)
		}
	}
}

// unit is a systemd unit file: its sections' settings, in order (a setting
// may repeat).
type unit map[string][][2]string

func (u unit) get(section, key string) []string {
	var vs []string
	for _, kv := range u[section] {
		if kv[0] == key {
			vs = append(vs, kv[1])
		}
	}
	return vs
}

// readUnit parses a systemd unit file: sections, Key=Value lines, comments.
// It refuses line continuations and quoting, which the unit does not use
// and this reading would get wrong.
func readUnit(t *testing.T, path string) unit {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
		case strings.HasSuffix(line, `\`) || strings.ContainsAny(line, `"'`):
			t.Fatalf("%s: %q: the test reads no continuations or quotes", path, line)
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: %q is not a setting of a section", path, line)
			}
			u[section] = append(u[section], [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
		}
	}
	return u
}

func TestSystemdUnit(t *testing.T) {
	u := readUnit(t, filepath.Join(repoRoot, "deploy/invitationsd.service"))
	exec := u.get("Service", "ExecStart")
	if len(exec) != 1 {
		t.Fatalf("ExecStart %q; want one", exec)
	}
	argv := strings.Fields(exec[0])
	if cf := readContainerfile(t); argv[0] != cf.entrypoint[0] {
		t.Errorf("ExecStart runs %s; want %s, where the README and the image install it", argv[0], cf.entrypoint[0])
	}
	env := map[string]string{}
	for _, e := range u.get("Service", "Environment") {
		for _, kv := range strings.Fields(e) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	cfg := checkConfig(t, "deploy/invitationsd.service", argv[1:], env)
	port(t, cfg.addr)
	// On loopback, behind a reverse proxy, every peer is that proxy: it is
	// trusted, or all its clients share one budget of failed
	// authentications, and links name the loopback address.
	listen, err := netip.ParseAddrPort(cfg.addr)
	if err != nil || !listen.Addr().IsLoopback() {
		t.Fatalf("-addr %s; want a loopback address, behind a reverse proxy", cfg.addr)
	}
	if !slices.ContainsFunc(cfg.trustedProxies, func(p netip.Prefix) bool { return p.Contains(listen.Addr()) }) {
		t.Errorf("-trusted-proxies %v; want the reverse proxy's %v among them", cfg.trustedProxies, listen.Addr())
	}

	// Everything it writes is in its state directory, the one place
	// ProtectSystem=strict leaves writable, where it also runs.
	state := u.get("Service", "StateDirectory")
	if len(state) != 1 || !slices.Equal(u.get("Service", "ProtectSystem"), []string{"strict"}) {
		t.Fatalf("StateDirectory %q, ProtectSystem %q; want one, and strict", state, u.get("Service", "ProtectSystem"))
	}
	dir := "/var/lib/" + state[0]
	for what, path := range written(cfg, env) {
		if !under(path, dir) {
			t.Errorf("the service writes %s (%s) outside its state directory %s", path, what, dir)
		}
	}
	if wd := u.get("Service", "WorkingDirectory"); !slices.Equal(wd, []string{dir}) {
		t.Errorf("WorkingDirectory %q; want %s", wd, dir)
	}
	stop, err := time.ParseDuration(strings.Join(u.get("Service", "TimeoutStopSec"), ""))
	if err != nil || stop <= cfg.shutdownTimeout {
		t.Errorf("TimeoutStopSec %q; want more than -shutdown-timeout %v", u.get("Service", "TimeoutStopSec"), cfg.shutdownTimeout)
	}
}

// The manifests mention no flag or variable that invitationsd would refuse:
// a flag it lacks fails parseConfig, as a name it does not read fails
// checkConfig. This shows both checks can fail.
func TestCheckConfigRefuses(t *testing.T) {
	known := readEnv(t)
	for _, k := range []string{"INVITATIONS_ADDR", "INVITATIONS_DB", "INVITATIONS_JWKS_URL", "INVITATIONS_METRICS_ADDR"} {
		if !known[k] {
			t.Errorf("readEnv lacks %s", k)
		}
	}
	if known["INVITATIONS_NO_SUCH_SETTING"] {
		t.Error("readEnv has a variable invitationsd does not read")
	}
	if _, err := parseConfig([]string{"-no-such-flag", "x"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("parseConfig accepts a flag invitationsd lacks")
	}
}
