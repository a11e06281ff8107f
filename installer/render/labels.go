package render

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/universe-pm/universe/repo"
)

// The labels Cosmos (≥ 0.4) sets on every app it installs
// (cosmos-rendering.md §8.2); DC/OS's list and uninstall read them back.
const (
	LabelName       = "DCOS_PACKAGE_NAME"
	LabelVersion    = "DCOS_PACKAGE_VERSION"
	LabelSource     = "DCOS_PACKAGE_SOURCE"
	LabelOptions    = "DCOS_PACKAGE_OPTIONS"
	LabelDefinition = "DCOS_PACKAGE_DEFINITION"
	// LabelGroup is ours: on each app of a package that renders a Marathon
	// group (6.0), the group's absolute id, so that the apps of one install
	// can be found together.
	LabelGroup = "UNIVERSE_PACKAGE_GROUP"
)

// cosmosLabels computes the five DCOS_PACKAGE_* labels.
func cosmosLabels(rev *repo.Revision, userOptions map[string]any, source string) (map[string]any, error) {
	opts, err := compactNoNulls(userOptions)
	if err != nil {
		return nil, fmt.Errorf("encoding the options label: %w", err)
	}
	def, err := Definition(rev)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		LabelName:       rev.Name,
		LabelVersion:    rev.Version.String(),
		LabelSource:     source,
		LabelOptions:    base64.StdEncoding.EncodeToString(opts),
		LabelDefinition: def,
	}, nil
}

// compactNoNulls is circe's noSpaces with dropNullValues: compact JSON,
// object members whose value is null left out at every depth. Keys are
// sorted (Cosmos kept the request's order: compare decoded values). A nil
// map is {}.
func compactNoNulls(m map[string]any) ([]byte, error) {
	if m == nil {
		m = map[string]any{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(dropNulls(m)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if e != nil {
				out[k] = dropNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = dropNulls(e)
		}
		return out
	}
	return v
}

// gzipWriters reuses compressors: a gzip.Writer allocates about 1 MB.
// BestSpeed: the label is decoded, never compared byte for byte, and
// Cosmos's own bytes came from Java's GZIPOutputStream anyway.
var gzipWriters sync.Pool

// Envelope is Cosmos's StorageEnvelope, the decoded form of the
// DCOS_PACKAGE_DEFINITION label.
type Envelope struct {
	Metadata map[string]string `json:"metadata"`
	// Data is base64 of the gzip of the package's compact JSON.
	Data string `json:"data"`
}

// Definition returns the DCOS_PACKAGE_DEFINITION label of a revision: base64
// of the compact JSON of a StorageEnvelope whose data is base64(gzip(the
// package as a repository index holds it: package.json plus releaseVersion,
// resource, marathon.v2AppMustacheTemplate, config and command)), with the
// content type of its packagingVersion. A 6.0 package is stored as 4.0
// without its dependencies, the newest version every DC/OS Cosmos decodes,
// so that `dcos package list` on a DC/OS cluster still lists it.
func Definition(rev *repo.Revision) (string, error) {
	pkg, version := packageDefinition(rev)
	js, err := compactNoNulls(pkg)
	if err != nil {
		return "", fmt.Errorf("encoding the package definition: %w", err)
	}
	var gz bytes.Buffer
	w, _ := gzipWriters.Get().(*gzip.Writer)
	if w == nil {
		w, _ = gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	} else {
		w.Reset(&gz)
	}
	_, _ = w.Write(js)
	err = w.Close()
	gzipWriters.Put(w)
	if err != nil {
		return "", fmt.Errorf("compressing the package definition: %w", err)
	}
	env := Envelope{
		Metadata: map[string]string{
			"Content-Type":     "application/vnd.dcos.universe.package+json;charset=utf-8;version=" + version,
			"Content-Encoding": "gzip",
		},
		Data: base64.StdEncoding.EncodeToString(gz.Bytes()),
	}
	out, err := json.Marshal(env)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(out), nil
}

// packageDefinition builds the package JSON of a revision and the media
// type version (v2–v5) it is stored as.
func packageDefinition(rev *repo.Revision) (map[string]any, string) {
	pkg := map[string]any{}
	for k, v := range rev.Meta() {
		pkg[k] = v
	}
	pkg["releaseVersion"] = json.Number(fmt.Sprint(rev.Release))
	if rev.Resource != nil && rev.Resource.Value != nil {
		pkg["resource"] = rev.Resource.Value
	}
	if rev.Template != nil && len(rev.Template.Data) > 0 {
		pkg["marathon"] = map[string]any{"v2AppMustacheTemplate": base64.StdEncoding.EncodeToString(rev.Template.Data)}
	}
	if rev.Config != nil && rev.Config.Value != nil {
		pkg["config"] = rev.Config.Value
	}
	if rev.Command != nil && rev.Command.Value != nil {
		pkg["command"] = rev.Command.Value
	}
	version := "v" + strings.TrimSuffix(rev.PackagingVersion, ".0")
	if rev.PackagingVersion == "6.0" {
		pkg["packagingVersion"] = "4.0"
		delete(pkg, "dependencies")
		version = "v4"
	}
	return pkg, version
}

// DecodeDefinition decodes a DCOS_PACKAGE_DEFINITION label into its
// envelope and the package JSON it carries.
func DecodeDefinition(label string) (*Envelope, map[string]any, error) {
	raw, err := base64.StdEncoding.DecodeString(label)
	if err != nil {
		return nil, nil, fmt.Errorf("package definition: %w", err)
	}
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, nil, fmt.Errorf("package definition envelope: %w", err)
	}
	data, err := base64.StdEncoding.DecodeString(env.Data)
	if err != nil {
		return nil, nil, fmt.Errorf("package definition data: %w", err)
	}
	switch enc := env.Metadata["Content-Encoding"]; enc {
	case "gzip":
		r, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, nil, fmt.Errorf("package definition data: %w", err)
		}
		var out bytes.Buffer
		if _, err := out.ReadFrom(r); err != nil {
			return nil, nil, fmt.Errorf("package definition data: %w", err)
		}
		data = out.Bytes()
	case "":
	default:
		return nil, nil, fmt.Errorf("package definition: unsupported Content-Encoding %q", enc)
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, nil, fmt.Errorf("package definition: %w", err)
	}
	pkg, ok := v.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("package definition: not a JSON object")
	}
	return &env, pkg, nil
}

// normalizeAppID makes an app id absolute, as Cosmos's AppId does.
func normalizeAppID(id string) string {
	if strings.HasPrefix(id, "/") {
		return id
	}
	return "/" + id
}
