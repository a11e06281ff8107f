package marathon

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Status texts of validation failures.
const (
	MsgInvalidJSON    = "Invalid JSON"
	MsgObjectNotValid = "Object is not valid"
)

// ValidateApp checks an app definition (decoded JSON object as from
// encoding/json with UseNumber, or float64 numbers) against Marathon's App
// schema and semantic rules; nil when valid, else a *Error with Status 422
// and Message "Invalid JSON" (RAML read failures, error.* keys) or "Object
// is not valid" (rules), Details grouped by path as Marathon writes them
// ("/", "/id", "/container/portMappings(0)/hostPort").
func ValidateApp(app map[string]any) *Error {
	return validateAppAt(app, "/", "")
}

// ValidateAppUpdate checks the body of PUT or PATCH /v2/apps/{id}: the
// 'version' rollback rule, then, when it is a full definition, the app
// rules. id is the app id from the URL, used when the body has none.
func ValidateAppUpdate(app map[string]any, id string) *Error {
	if _, ok := app["version"]; ok {
		for k := range app {
			if k != "version" && k != "id" {
				return invalid(MsgObjectNotValid, "/", "The 'version' field may only be combined with the 'id' field.")
			}
		}
		return nil
	}
	if _, ok := app["id"]; !ok {
		c := make(map[string]any, len(app)+1)
		for k, v := range app {
			c[k] = v
		}
		c["id"] = id
		app = c
	}
	return ValidateApp(app)
}

// ValidateGroup checks a group update (id, apps, groups, dependencies...):
// each app as ValidateApp plus the group rules (apps must be direct
// children of their group, etc.); paths as Marathon reports them.
func ValidateGroup(group map[string]any) *Error {
	return ValidateGroupAt(group, "/")
}

// ValidateGroupAt is ValidateGroup for a group update sent to
// /v2/groups/{base}: relative ids resolve against base.
func ValidateGroupAt(group map[string]any, base string) *Error {
	r := &reader{}
	r.group(group, "", true)
	if r.has() {
		return r.err(MsgInvalidJSON)
	}
	v := &reader{}
	gid := base
	if s, ok := group["id"].(string); ok {
		gid = ResolveID(s, base)
	}
	v.groupRules(group, "", gid)
	if !v.has() {
		apps := map[string][]string{}
		groupDeps := map[string][]string{}
		collectGroup(group, gid, "", apps, groupDeps)
		if HasCycle(apps, groupDeps) {
			v.add("/", "Dependency graph has cyclic dependencies.")
		}
	}
	if v.has() {
		return v.err(MsgObjectNotValid)
	}
	return nil
}

func invalid(msg, path string, errs ...string) *Error {
	return &Error{Status: 422, Message: msg, Details: []ErrorDetail{{Path: path, Errors: errs}}}
}

// reader collects findings grouped by path in first-seen order.
type reader struct {
	details []ErrorDetail
	index   map[string]int
}

func (r *reader) add(path, msg string) {
	if path == "" {
		path = "/"
	}
	if r.index == nil {
		r.index = map[string]int{}
	}
	i, ok := r.index[path]
	if !ok {
		i = len(r.details)
		r.index[path] = i
		r.details = append(r.details, ErrorDetail{Path: path})
	}
	for _, m := range r.details[i].Errors {
		if m == msg {
			return
		}
	}
	r.details[i].Errors = append(r.details[i].Errors, msg)
}

func (r *reader) has() bool { return len(r.details) > 0 }

func (r *reader) err(msg string) *Error {
	return &Error{Status: 422, Message: msg, Details: r.details}
}

func validateAppAt(app map[string]any, base, prefix string) *Error {
	r := &reader{}
	r.app(app, prefix)
	if r.has() {
		return r.err(MsgInvalidJSON)
	}
	v := &reader{}
	v.appRules(app, prefix, base)
	if v.has() {
		return v.err(MsgObjectNotValid)
	}
	return nil
}

// ---- JSON value helpers ----

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func jsType(v any) string {
	switch v.(type) {
	case string:
		return "error.expected.jsstring"
	case map[string]any:
		return "error.expected.jsobject"
	case []any:
		return "error.expected.jsarray"
	case bool:
		return "error.expected.jsboolean"
	}
	if _, ok := number(v); ok {
		return "error.expected.jsnumber"
	}
	return "error.expected.jsnull"
}

func idx(path string, i int) string { return fmt.Sprintf("%s(%d)", path, i) }

// ---- RAML reads: types, required fields, patterns, bounds, enums ----

var ramlPathID = regexp.MustCompile(`^(\/?((\.\.)|(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9]))?($|\/))+$`)

func (r *reader) str(m map[string]any, k, p string) (string, bool) {
	v, ok := m[k]
	if !ok || v == nil {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		r.add(p+"/"+k, "error.expected.jsstring")
	}
	return s, ok
}

func (r *reader) boolean(m map[string]any, k, p string) {
	if v, ok := m[k]; ok && v != nil {
		if _, ok := v.(bool); !ok {
			r.add(p+"/"+k, "error.expected.jsboolean")
		}
	}
}

func (r *reader) num(m map[string]any, k, p string, min, max float64, integer bool) {
	v, ok := m[k]
	if !ok || v == nil {
		return
	}
	f, ok := number(v)
	if !ok || (integer && f != math.Trunc(f)) {
		r.add(p+"/"+k, "error.expected.jsnumber")
		return
	}
	if f < min {
		r.add(p+"/"+k, "error.min")
	}
	if f > max {
		r.add(p+"/"+k, "error.max")
	}
}

func (r *reader) enum(m map[string]any, k, p string, values ...string) {
	s, ok := r.str(m, k, p)
	if !ok {
		return
	}
	for _, v := range values {
		if s == v {
			return
		}
	}
	r.add(p+"/"+k, "error.unknown.enum.literal")
}

func (r *reader) obj(m map[string]any, k, p string) (map[string]any, bool) {
	v, ok := m[k]
	if !ok || v == nil {
		return nil, false
	}
	o, ok := v.(map[string]any)
	if !ok {
		r.add(p+"/"+k, "error.expected.jsobject")
	}
	return o, ok
}

func (r *reader) arr(m map[string]any, k, p string) ([]any, bool) {
	v, ok := m[k]
	if !ok || v == nil {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		r.add(p+"/"+k, "error.expected.jsarray")
	}
	return a, ok
}

func (r *reader) strs(m map[string]any, k, p string) {
	a, _ := r.arr(m, k, p)
	for i, e := range a {
		if _, ok := e.(string); !ok {
			r.add(idx(p+"/"+k, i), "error.expected.jsstring")
		}
	}
}

func (r *reader) objs(m map[string]any, k, p string, each func(o map[string]any, p string)) {
	a, _ := r.arr(m, k, p)
	for i, e := range a {
		ip := idx(p+"/"+k, i)
		o, ok := e.(map[string]any)
		if !ok {
			r.add(ip, "error.expected.jsobject")
			continue
		}
		each(o, ip)
	}
}

func (r *reader) id(m map[string]any, p string, required bool) {
	v, ok := m["id"]
	if !ok || v == nil {
		if required {
			r.add(p+"/id", "error.path.missing")
		}
		return
	}
	s, ok := v.(string)
	if !ok {
		r.add(p+"/id", "error.expected.jsstring")
		return
	}
	if s == "" {
		r.add(p+"/id", "error.minLength")
		return
	}
	if !ramlPathID.MatchString(s) {
		r.add(p+"/id", "error.pattern")
	}
}

func (r *reader) app(m map[string]any, p string) {
	r.id(m, p, true)
	r.strs(m, "args", p)
	r.strs(m, "acceptedResourceRoles", p)
	r.num(m, "backoffFactor", p, 1, math.Inf(1), false)
	r.num(m, "backoffSeconds", p, 0, math.Inf(1), false)
	if s, ok := r.str(m, "cmd", p); ok && s == "" {
		r.add(p+"/cmd", "error.minLength")
	}
	if a, ok := r.arr(m, "constraints", p); ok {
		for i, e := range a {
			cp := idx(p+"/constraints", i)
			c, ok := e.([]any)
			if !ok {
				r.add(cp, "error.expected.jsarray")
				continue
			}
			if len(c) < 2 {
				r.add(cp, "error.minLength")
			}
			if len(c) > 3 {
				r.add(cp, "error.maxLength")
			}
			for j, f := range c {
				if _, ok := f.(string); !ok {
					r.add(idx(cp, j), "error.expected.jsstring")
				}
			}
		}
	}
	if c, ok := r.obj(m, "container", p); ok {
		r.container(c, p+"/container")
	}
	r.num(m, "cpus", p, 0.001, math.Inf(1), false)
	r.strs(m, "dependencies", p)
	r.num(m, "disk", p, 0, math.Inf(1), false)
	if env, ok := r.obj(m, "env", p); ok {
		for k, v := range env {
			switch x := v.(type) {
			case string:
			case map[string]any:
				if s, ok := x["secret"]; !ok {
					r.add(p+"/env/"+k+"/secret", "error.path.missing")
				} else if _, ok := s.(string); !ok {
					r.add(p+"/env/"+k+"/secret", "error.expected.jsstring")
				}
			default:
				r.add(p+"/env/"+k, "error.expected.jsstring")
			}
		}
	}
	r.str(m, "executor", p)
	r.objs(m, "fetch", p, func(o map[string]any, fp string) {
		if _, ok := o["uri"]; !ok {
			r.add(fp+"/uri", "error.path.missing")
		}
		r.str(o, "uri", fp)
		r.boolean(o, "extract", fp)
		r.boolean(o, "executable", fp)
		r.boolean(o, "cache", fp)
	})
	r.num(m, "gpus", p, 0, math.Inf(1), true)
	r.objs(m, "healthChecks", p, func(o map[string]any, hp string) {
		r.enum(o, "protocol", hp, "HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_TCP", "MESOS_HTTP", "MESOS_HTTPS")
		r.enum(o, "ipProtocol", hp, "IPv4", "IPv6")
		r.num(o, "gracePeriodSeconds", hp, 0, math.Inf(1), true)
		r.num(o, "intervalSeconds", hp, 0, math.Inf(1), true)
		r.num(o, "timeoutSeconds", hp, 0, math.Inf(1), true)
		r.num(o, "maxConsecutiveFailures", hp, 0, math.Inf(1), true)
		r.num(o, "portIndex", hp, 0, math.Inf(1), true)
		r.num(o, "port", hp, 0, 65535, true)
		r.str(o, "path", hp)
		r.boolean(o, "delayHttpResponse", hp)
		if c, ok := r.obj(o, "command", hp); ok {
			r.str(c, "value", hp+"/command")
		}
	})
	r.num(m, "instances", p, 0, math.Inf(1), true)
	if l, ok := r.obj(m, "labels", p); ok {
		for k, v := range l {
			if _, ok := v.(string); !ok {
				r.add(p+"/labels/"+k, "error.expected.jsstring")
			}
		}
	}
	r.num(m, "maxLaunchDelaySeconds", p, 0, math.Inf(1), false)
	r.num(m, "mem", p, 0, math.Inf(1), false)
	r.objs(m, "networks", p, func(o map[string]any, np string) {
		r.enum(o, "mode", np, "container", "container/bridge", "host")
		r.str(o, "name", np)
		if l, ok := r.obj(o, "labels", np); ok {
			for k, v := range l {
				if _, ok := v.(string); !ok {
					r.add(np+"/labels/"+k, "error.expected.jsstring")
				}
			}
		}
	})
	r.objs(m, "portDefinitions", p, func(o map[string]any, pp string) {
		r.num(o, "port", pp, 0, 65535, true)
		r.str(o, "protocol", pp)
		r.str(o, "name", pp)
	})
	if a, ok := r.arr(m, "ports", p); ok {
		for i, e := range a {
			if f, ok := number(e); !ok || f != math.Trunc(f) {
				r.add(idx(p+"/ports", i), "error.expected.jsnumber")
			} else if f < 0 || f > 65535 {
				r.add(idx(p+"/ports", i), "error.max")
			}
		}
	}
	r.objs(m, "readinessChecks", p, func(o map[string]any, rp string) {
		r.str(o, "name", rp)
		r.enum(o, "protocol", rp, "HTTP", "HTTPS")
		r.str(o, "path", rp)
		r.str(o, "portName", rp)
		r.num(o, "intervalSeconds", rp, 1, math.Inf(1), true)
		r.num(o, "timeoutSeconds", rp, 1, math.Inf(1), true)
		r.boolean(o, "preserveLastResponse", rp)
	})
	r.boolean(m, "requirePorts", p)
	r.str(m, "role", p)
	if s, ok := r.obj(m, "secrets", p); ok {
		for k, v := range s {
			o, ok := v.(map[string]any)
			if !ok {
				r.add(p+"/secrets/"+k, "error.expected.jsobject")
				continue
			}
			r.str(o, "source", p+"/secrets/"+k)
		}
	}
	r.num(m, "taskKillGracePeriodSeconds", p, 0, math.Inf(1), false)
	r.boolean(m, "tty", p)
	if u, ok := r.obj(m, "upgradeStrategy", p); ok {
		r.num(u, "minimumHealthCapacity", p+"/upgradeStrategy", 0, 1, false)
		r.num(u, "maximumOverCapacity", p+"/upgradeStrategy", 0, 1, false)
	}
	if v, ok := m["unreachableStrategy"]; ok && v != nil {
		switch x := v.(type) {
		case string:
			if x != "disabled" {
				r.add(p+"/unreachableStrategy", "error.unknown.enum.literal")
			}
		case map[string]any:
			r.num(x, "inactiveAfterSeconds", p+"/unreachableStrategy", 0, math.Inf(1), true)
			r.num(x, "expungeAfterSeconds", p+"/unreachableStrategy", 0, math.Inf(1), true)
		default:
			r.add(p+"/unreachableStrategy", "error.expected.jsobject")
		}
	}
	r.strs(m, "uris", p)
	r.str(m, "user", p)
	r.enum(m, "killSelection", p, "YOUNGEST_FIRST", "OLDEST_FIRST")
	r.str(m, "version", p)
}

func (r *reader) container(c map[string]any, p string) {
	r.enum(c, "type", p, "DOCKER", "MESOS")
	if d, ok := r.obj(c, "docker", p); ok {
		dp := p + "/docker"
		if _, ok := d["image"]; !ok {
			r.add(dp+"/image", "error.path.missing")
		}
		r.str(d, "image", dp)
		r.boolean(d, "forcePullImage", dp)
		r.boolean(d, "privileged", dp)
		r.enum(d, "network", dp, "BRIDGE", "HOST", "NONE", "USER")
		r.objs(d, "parameters", dp, func(o map[string]any, pp string) {
			r.str(o, "key", pp)
			r.str(o, "value", pp)
		})
		r.objs(d, "portMappings", dp, func(o map[string]any, pp string) { r.portMapping(o, pp) })
	}
	r.objs(c, "portMappings", p, func(o map[string]any, pp string) { r.portMapping(o, pp) })
	r.objs(c, "volumes", p, func(o map[string]any, vp string) {
		r.str(o, "containerPath", vp)
		r.str(o, "hostPath", vp)
		r.enum(o, "mode", vp, "RO", "RW")
		if ps, ok := r.obj(o, "persistent", vp); ok {
			r.enum(ps, "type", vp+"/persistent", "root", "path", "mount")
			r.num(ps, "size", vp+"/persistent", 1, math.Inf(1), true)
			r.num(ps, "maxSize", vp+"/persistent", 1, math.Inf(1), true)
		}
	})
}

func (r *reader) portMapping(o map[string]any, p string) {
	r.num(o, "containerPort", p, 0, 65535, true)
	r.num(o, "hostPort", p, 0, 65535, true)
	r.num(o, "servicePort", p, 0, 65535, true)
	r.str(o, "protocol", p)
	r.str(o, "name", p)
	r.strs(o, "networkNames", p)
}

func (r *reader) group(m map[string]any, p string, top bool) {
	r.id(m, p, !top)
	r.strs(m, "dependencies", p)
	r.boolean(m, "enforceRole", p)
	r.num(m, "scaleBy", p, 0, math.Inf(1), false)
	r.str(m, "version", p)
	r.objs(m, "apps", p, func(o map[string]any, ap string) { r.app(o, ap) })
	r.objs(m, "groups", p, func(o map[string]any, gp string) { r.group(o, gp, false) })
}

// ---- semantic rules ----

var segmentRe = regexp.MustCompile(`^(?:(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.))$`)

const segmentMsg = `must fully match regular expression '^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$'`

// ResolveID makes id absolute against base ("/" for /v2/apps, the
// enclosing group for /v2/groups), resolving "." and ".." segments.
func ResolveID(id, base string) string {
	var parts []string
	if !strings.HasPrefix(id, "/") {
		parts = splitID(base)
	}
	for _, s := range strings.Split(id, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(parts) > 0 {
				parts = parts[:len(parts)-1]
			}
		default:
			parts = append(parts, s)
		}
	}
	return "/" + strings.Join(parts, "/")
}

func splitID(id string) []string {
	var out []string
	for _, s := range strings.Split(id, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ParentID returns the id of the group holding id ("/" for top level).
func ParentID(id string) string {
	i := strings.LastIndex(id, "/")
	if i <= 0 {
		return "/"
	}
	return id[:i]
}

func (r *reader) idRules(raw string, p string) {
	segs := splitID(raw)
	if len(segs) == 0 {
		if strings.HasPrefix(raw, "/") {
			r.add("/", "must not be root")
		} else {
			r.add(p+"/id", "Path must contain at least one path element")
		}
		return
	}
	for _, s := range segs {
		if !segmentRe.MatchString(s) {
			r.add(p+"/id", segmentMsg)
			return
		}
	}
	switch segs[len(segs)-1] {
	case "restart", "tasks", "versions", ".", "..":
		r.add(p+"/id", "must not end with any of the following reserved keywords: restart, tasks, versions, ., ..")
	}
}

func (r *reader) appRules(m map[string]any, p, base string) {
	id, _ := m["id"].(string)
	r.idRules(id, p)
	root := p
	if root == "" {
		root = "/"
	}
	// As Marathon reads them: a null field is absent (Option None) and
	// args counts only when non-empty (args.nonEmpty).
	hasCmd := m["cmd"] != nil
	hasArgs := m["args"] != nil
	if a, ok := m["args"].([]any); ok && len(a) == 0 {
		hasArgs = false
	}
	container, hasContainer := m["container"].(map[string]any)
	if (hasCmd && hasArgs) || (!hasCmd && !hasArgs && !hasContainer) {
		r.add(root, "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")
	}
	if cmd, ok := m["cmd"].(string); ok && len(cmd) <= 1 && cmd != "" {
		r.add(root, "must not be an empty string")
	}
	if _, ok := m["uris"]; ok {
		if _, ok := m["fetch"]; ok {
			r.add(p+"/uris", "may not be set in conjunction with fetch")
		}
	}
	ctype, _ := container["type"].(string)
	docker, _ := container["docker"].(map[string]any)
	if hasContainer {
		if ctype == "" {
			ctype = "DOCKER"
		}
		if ctype == "DOCKER" {
			if docker == nil {
				r.add(p+"/container/docker", "not defined")
			} else {
				if img, _ := docker["image"].(string); img == "" {
					r.add(p+"/container/docker/image", "must not be empty")
				}
				if _, ok := docker["pullConfig"]; ok {
					r.add(p+"/container/docker/pullConfig", "pullConfig is not supported with Docker containerizer")
				}
			}
			if _, ok := m["check"]; ok {
				r.add(root, "AppDefinition must not use 'checks' if using docker")
			}
			if g, ok := number(m["gpus"]); ok && g > 0 {
				r.add(root, "GPU resources only work with the Mesos containerizer")
			}
		}
	}
	// Networks.
	networks, _ := m["networks"].([]any)
	_, hasDockerNet := docker["network"]
	if hasDockerNet && len(networks) > 0 {
		r.add(root, "must not specify both container.docker.network and networks")
	}
	_, hasIP := m["ipAddress"]
	if hasIP && len(networks) > 0 {
		r.add(root, "must not specify both networks and ipAddress")
	}
	portsRaw, hasPorts := m["ports"].([]any)
	pdRaw, hasPD := m["portDefinitions"].([]any)
	if hasIP && (len(portsRaw) > 0 || len(pdRaw) > 0) {
		r.add(root, "cannot specify both an IP address and port")
	}
	if hasPorts && hasPD && !samePorts(portsRaw, pdRaw) {
		r.add(root, "cannot specify both ports and port definitions")
	}
	mode := "host"
	var hosts, bridges, conts int
	seenNames := map[string]bool{}
	for i, n := range networks {
		o, _ := n.(map[string]any)
		nm, _ := o["mode"].(string)
		if nm == "" {
			nm = "container"
		}
		name, hasName := o["name"].(string)
		_, hasLabels := o["labels"]
		switch nm {
		case "host":
			hosts++
			if hasName || hasLabels {
				r.add(p+"/networks", "Host networks may not have names or labels")
			}
		case "container/bridge":
			bridges++
			if hasName {
				r.add(p+"/networks", "Bridge networks may not have names")
			}
		case "container":
			conts++
			if !hasName || name == "" {
				r.add(idx(p+"/networks", i), "Network name must be specified when container network is selected.")
			} else if seenNames[name] {
				r.add(p+"/networks", "Duplicate networks are not allowed")
			}
			seenNames[name] = true
		}
	}
	if hosts+bridges+conts > 0 {
		switch {
		case hosts == 1 && bridges+conts == 0:
		case bridges == 1 && hosts+conts == 0:
			mode = "container/bridge"
		case conts >= 1 && hosts+bridges == 0:
			mode = "container"
		default:
			r.add(p+"/networks", "May specify a single host network, single bridge network, or else 1-to-n container networks")
		}
	}
	if dn, ok := docker["network"].(string); ok && len(networks) == 0 {
		switch dn {
		case "BRIDGE":
			mode = "container/bridge"
		case "USER":
			mode = "container"
		}
	}
	if ctype == "DOCKER" && conts > 1 {
		r.add(root, "may only specify a single container network when using the Docker container engine")
	}
	portMappings, _ := container["portMappings"].([]any)
	if pm, ok := docker["portMappings"].([]any); ok && portMappings == nil {
		portMappings = pm
	}
	_, hasPM := container["portMappings"]
	if mode == "host" && hasPM && len(portMappings) > 0 && len(networks) > 0 {
		r.add(root, "portMappings are not allowed with host-networking")
	}
	if mode != "host" && len(pdRaw) > 0 {
		r.add(root, "portDefinitions are only allowed with host-networking")
	}
	// Port uniqueness.
	if dupPorts(portsRaw, func(v any) any { return v }) {
		r.add(root, "ports must be unique")
	}
	if dupPorts(pdRaw, func(v any) any { o, _ := v.(map[string]any); return o["port"] }) {
		r.add(p+"/portDefinitions", "Ports must be unique.")
	}
	if dupNames(pdRaw) {
		r.add(p+"/portDefinitions", "Port names must be unique.")
	}
	if dupNames(portMappings) {
		r.add(p+"/container/portMappings", "Port names must be unique.")
	}
	for i, pmv := range portMappings {
		o, _ := pmv.(map[string]any)
		nn, _ := o["networkNames"].([]any)
		if _, ok := o["hostPort"]; ok && conts > 1 && len(nn) != 1 {
			r.add(idx(p+"/container/portMappings", i), "networkNames must be a single item list when hostPort is specified and more than 1 container network is defined")
		}
	}
	// Ports visible to health and readiness checks.
	nports := len(pdRaw)
	portNames := map[string]bool{}
	for _, d := range pdRaw {
		o, _ := d.(map[string]any)
		if s, _ := o["name"].(string); s != "" {
			portNames[s] = true
		}
	}
	if mode != "host" {
		nports = len(portMappings)
		portNames = map[string]bool{}
		for _, d := range portMappings {
			o, _ := d.(map[string]any)
			if s, _ := o["name"].(string); s != "" {
				portNames[s] = true
			}
		}
	} else if !hasPD {
		if hasPorts {
			nports = len(portsRaw)
		} else {
			nports = 1 // the default port definition
		}
	}
	// Health checks.
	hcs, _ := m["healthChecks"].([]any)
	mesosHC := 0
	for i, h := range hcs {
		o, _ := h.(map[string]any)
		proto, _ := o["protocol"].(string)
		if proto == "" {
			proto = "HTTP"
		}
		if strings.HasPrefix(proto, "MESOS_") {
			mesosHC++
		}
		if proto != "COMMAND" {
			if _, hasPort := o["port"]; !hasPort {
				pi := 0.0
				if f, ok := number(o["portIndex"]); ok {
					pi = f
				}
				if int(pi) >= nports {
					r.add(idx(p+"/healthChecks", i), "Health check port indices must address an element of the ports array or container port mappings.")
				}
			}
		}
		if ip, _ := o["ipProtocol"].(string); ip == "IPv6" && !(ctype == "DOCKER" && hasContainer && strings.HasPrefix(proto, "MESOS_") && proto != "MESOS_TCP" || ctype == "DOCKER" && hasContainer && proto == "MESOS_TCP") {
			r.add(idx(p+"/healthChecks", i), "IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks")
		}
	}
	if mesosHC > 1 {
		r.add(root, "AppDefinition can contain at most one Mesos health check")
	}
	// Readiness checks.
	rcs, _ := m["readinessChecks"].([]any)
	if len(rcs) > 1 {
		r.add(p+"/readinessChecks", fmt.Sprintf("got %d, expected 1 or less", len(rcs)))
	}
	for i, rc := range rcs {
		o, _ := rc.(map[string]any)
		rp := idx(p+"/readinessChecks", i)
		pn, ok := o["portName"].(string)
		if !ok {
			pn = "http-api"
		}
		if !portNames[pn] {
			r.add(rp+"/portName", "No port definition reference for portName "+pn)
		}
		interval, timeout := 30.0, 10.0
		if f, ok := number(o["intervalSeconds"]); ok {
			interval = f
		}
		if f, ok := number(o["timeoutSeconds"]); ok {
			timeout = f
		}
		if timeout >= interval {
			r.add(rp+"/timeoutSeconds", fmt.Sprintf("got %s, expected less than %s", fmtNum(timeout), fmtNum(interval)))
		}
	}
	// Constraints.
	cs, _ := m["constraints"].([]any)
	for i, c := range cs {
		if msg := ConstraintError(c); msg != "" {
			r.add(idx(p+"/constraints", i), msg)
		}
	}
	// Env and secrets.
	env, _ := m["env"].(map[string]any)
	secrets, hasSecrets := m["secrets"].(map[string]any)
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if k == "" {
			r.add(idx(p+"/env/keys", i), "must not be empty")
		}
		if o, ok := env[k].(map[string]any); ok {
			s, _ := o["secret"].(string)
			if _, ok := secrets[s]; !ok {
				r.add(p+"/env/"+k+"/secret", "references an undefined secret")
			}
		}
	}
	_ = hasSecrets
	// Volumes.
	vols, _ := container["volumes"].([]any)
	resident := false
	volNames := map[string]bool{}
	for i, vv := range vols {
		o, _ := vv.(map[string]any)
		vp := idx(p+"/container/volumes", i)
		ps, ok := o["persistent"].(map[string]any)
		if !ok {
			continue
		}
		resident = true
		if cp, _ := o["containerPath"].(string); strings.Contains(cp, "/") {
			r.add(vp+"/containerPath", `value must not contain "/"`)
		}
		t, _ := ps["type"].(string)
		if t == "" {
			t = "root"
		}
		if _, ok := ps["maxSize"]; ok && t != "mount" {
			r.add(vp+"/persistent/maxSize", "Only mount volumes can have maxSize")
		}
		if mx, ok := number(ps["maxSize"]); ok {
			if sz, _ := number(ps["size"]); mx <= sz {
				r.add(vp+"/persistent/maxSize", "Max size must be larger than size")
			}
		}
		if c, _ := ps["constraints"].([]any); len(c) > 0 && t == "root" {
			r.add(vp+"/persistent/constraints", "Constraints on root volumes are not supported")
		}
		if n, _ := o["name"].(string); n != "" {
			if volNames[n] {
				r.add(vp+"/name", "Volume names must be unique")
			}
			volNames[n] = true
		}
	}
	us, _ := m["upgradeStrategy"].(map[string]any)
	if resident {
		if u, ok := m["unreachableStrategy"]; ok && u != "disabled" {
			r.add(root, "unreachableStrategy must be disabled for resident tasks")
		}
		if f, ok := number(us["maximumOverCapacity"]); ok && f != 0 {
			r.add(p+"/upgradeStrategy/maximumOverCapacity", "got "+fmtNum(f)+", expected 0.0")
		}
	}
	labels, _ := m["labels"].(map[string]any)
	if labels["MARATHON_SINGLE_INSTANCE_APP"] == "true" {
		if n, ok := number(m["instances"]); ok && n > 1 {
			r.add(root, "Single instance app may only have one instance")
		}
		for _, k := range []string{"minimumHealthCapacity", "maximumOverCapacity"} {
			f, ok := number(us[k])
			if !ok {
				f = 1
			}
			if f != 0 {
				r.add(p+"/upgradeStrategy/"+k, "got "+fmtNum(f)+", expected 0.0")
			}
		}
	}
	if role, ok := m["role"].(string); ok && role != "*" {
		allowed := []string{"*"}
		full := ResolveID(id, base)
		if segs := splitID(full); len(segs) > 1 {
			allowed = append(allowed, segs[0])
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == role
		}
		if !ok {
			r.add(p+"/role", fmt.Sprintf("got %s, expected one of: [%s]", role, strings.Join(allowed, ", ")))
		}
	}
}

func fmtNum(f float64) string {
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func samePorts(ports, pds []any) bool {
	if len(ports) != len(pds) {
		return false
	}
	for i := range ports {
		a, _ := number(ports[i])
		o, _ := pds[i].(map[string]any)
		b, _ := number(o["port"])
		if a != b {
			return false
		}
	}
	return true
}

func dupPorts(list []any, get func(any) any) bool {
	seen := map[float64]bool{}
	for _, v := range list {
		f, ok := number(get(v))
		if !ok || f == 0 {
			continue
		}
		if seen[f] {
			return true
		}
		seen[f] = true
	}
	return false
}

func dupNames(list []any) bool {
	seen := map[string]bool{}
	for _, v := range list {
		o, _ := v.(map[string]any)
		n, _ := o["name"].(string)
		if n == "" {
			continue
		}
		if seen[n] {
			return true
		}
		seen[n] = true
	}
	return false
}

var isValueRe = regexp.MustCompile(`^[a-zA-Z0-9_/.-]*$`)

// ConstraintError returns Marathon's message for an invalid constraint, or
// "" when c is a valid [field, OPERATOR(, value)] triple.
func ConstraintError(c any) string {
	a, _ := c.([]any)
	if len(a) < 2 || len(a) > 3 {
		return "Each constraint must have either 2 or 3 fields"
	}
	field, _ := a[0].(string)
	op, _ := a[1].(string)
	value, hasValue := "", len(a) == 3
	if hasValue {
		value, _ = a[2].(string)
	}
	if field == "" {
		return "missing field for constraint declaration"
	}
	switch strings.ToUpper(op) {
	case "UNIQUE":
		if hasValue {
			return "UNIQUE does not accept a value"
		}
	case "CLUSTER":
	case "GROUP_BY":
		if hasValue {
			if _, err := strconv.Atoi(value); err != nil {
				return "GROUP BY must define an integer value or else no value at all"
			}
		}
	case "MAX_PER":
		if _, err := strconv.Atoi(value); !hasValue || err != nil {
			return "MAX_PER requires an integer value"
		}
	case "LIKE", "UNLIKE":
		if !hasValue || value == "" {
			return "LIKE and UNLIKE require a non-empty, regular expression value"
		}
		if _, err := regexp.Compile(value); err != nil {
			return "is not a valid regular expression"
		}
	case "IS":
		if !isValueRe.MatchString(value) {
			return "IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)"
		}
	default:
		return "operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS"
	}
	return ""
}

func (r *reader) groupRules(m map[string]any, p, gid string) {
	if s, ok := m["id"].(string); ok && p != "" {
		r.idRules(s, p)
	}
	if _, ok := m["version"]; ok {
		for k := range m {
			if k != "version" && k != "id" {
				r.add("/", "The 'version' field may only be combined with the 'id' field.")
				break
			}
		}
	}
	appIDs := map[string]bool{}
	apps, _ := m["apps"].([]any)
	for i, a := range apps {
		o, _ := a.(map[string]any)
		ap := idx(p+"/apps", i)
		raw, _ := o["id"].(string)
		full := ResolveID(raw, gid)
		appIDs[full] = true
		r.appRules(o, ap, gid)
		if len(splitID(raw)) > 0 && ParentID(full) != gid {
			r.add(ap+"/id", "Identifier is not child of '"+gid+"'")
		}
	}
	groups, _ := m["groups"].([]any)
	for i, g := range groups {
		o, _ := g.(map[string]any)
		gp := idx(p+"/groups", i)
		raw, _ := o["id"].(string)
		full := ResolveID(raw, gid)
		if appIDs[full] {
			r.add(gp, "Groups and Applications may not have the same identifier.")
		}
		r.groupRules(o, gp, full)
	}
}

// collectGroup records, for each app of a group update, its absolute id
// and absolute dependencies, and for each group its dependencies.
func collectGroup(m map[string]any, gid, _ string, apps, groupDeps map[string][]string) {
	for _, d := range stringList(m["dependencies"]) {
		groupDeps[gid] = append(groupDeps[gid], ResolveID(d, gid))
	}
	for _, a := range anyList(m["apps"]) {
		o, _ := a.(map[string]any)
		raw, _ := o["id"].(string)
		full := ResolveID(raw, gid)
		deps := []string{}
		for _, d := range stringList(o["dependencies"]) {
			deps = append(deps, ResolveID(d, gid))
		}
		apps[full] = deps
	}
	for _, g := range anyList(m["groups"]) {
		o, _ := g.(map[string]any)
		raw, _ := o["id"].(string)
		collectGroup(o, ResolveID(raw, gid), "", apps, groupDeps)
	}
}

func anyList(v any) []any { a, _ := v.([]any); return a }

func stringList(v any) []string {
	var out []string
	for _, e := range anyList(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	if s, ok := v.([]string); ok {
		return s
	}
	return out
}

// ExpandDependencies turns app and group dependencies into app → apps it
// depends on: an entry naming a group stands for all apps under it, group
// dependencies are inherited by the group's apps, unknown ids are ignored.
func ExpandDependencies(apps map[string][]string, groupDeps map[string][]string) map[string][]string {
	ids := make([]string, 0, len(apps))
	for id := range apps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	under := func(g string) []string {
		var out []string
		if _, ok := apps[g]; ok {
			return []string{g}
		}
		prefix := strings.TrimSuffix(g, "/") + "/"
		for _, id := range ids {
			if strings.HasPrefix(id, prefix) {
				out = append(out, id)
			}
		}
		return out
	}
	out := make(map[string][]string, len(apps))
	for _, id := range ids {
		seen := map[string]bool{}
		var deps []string
		addAll := func(list []string) {
			for _, d := range list {
				for _, t := range under(d) {
					if t != id && !seen[t] {
						seen[t] = true
						deps = append(deps, t)
					}
				}
			}
		}
		addAll(apps[id])
		for g := ParentID(id); ; g = ParentID(g) {
			addAll(groupDeps[g])
			if g == "/" {
				break
			}
		}
		out[id] = deps
	}
	return out
}

// HasCycle reports whether the expanded dependency graph has a cycle.
func HasCycle(apps map[string][]string, groupDeps map[string][]string) bool {
	_, err := DependencyLayers(ExpandDependencies(apps, groupDeps))
	return err != nil
}

// DependencyLayers orders apps by the length of their longest dependency
// chain: layer 0 depends on nothing, layer n on something in layer n-1.
// It fails when the graph has a cycle.
func DependencyLayers(deps map[string][]string) ([][]string, error) {
	depth := make(map[string]int, len(deps))
	state := make(map[string]int, len(deps)) // 1 visiting, 2 done
	var visit func(string) error
	visit = func(id string) error {
		switch state[id] {
		case 1:
			return fmt.Errorf("cycle at %s", id)
		case 2:
			return nil
		}
		state[id] = 1
		d := 0
		for _, x := range deps[id] {
			if _, ok := deps[x]; !ok {
				continue
			}
			if err := visit(x); err != nil {
				return err
			}
			if depth[x]+1 > d {
				d = depth[x] + 1
			}
		}
		depth[id], state[id] = d, 2
		return nil
	}
	ids := make([]string, 0, len(deps))
	for id := range deps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var layers [][]string
	for _, id := range ids {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		for len(layers) <= depth[id] {
			layers = append(layers, nil)
		}
		layers[depth[id]] = append(layers[depth[id]], id)
	}
	return layers, nil
}
