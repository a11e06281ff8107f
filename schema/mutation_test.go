package schema

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xeipuuv/gojsonschema"
)

// Base documents for the mutations: real corpus revisions.
const (
	rev20 = "C/cassandra/0"        // 2.0, with licenses and command.json
	rev30 = "B/beta-cassandra/0"   // 3.0, with minDcosReleaseVersion and a CLI
	rev40 = "B/beta-cassandra/100" // 4.0, with upgradesFrom and a CLI
	rev50 = "B/beta-kubernetes/0"  // 5.0, with manager
	revV3 = "B/beta-cassandra/100" // resource v3 with cli.binaries
	revCf = "B/beta-cassandra/100" // a config.json with nested properties
	revCm = "C/cassandra/0"        // a command.json
)

// mutation is a change to a real document, and the violations our schema
// must report for it; no violations means both validators must accept it.
type mutation struct {
	name  string
	rev   string
	file  string
	pv    string // selects the package and resource schemas
	edits []edit
	want  []Violation
}

func v(ptr, kw, msg string) Violation { return Violation{Pointer: ptr, Keyword: kw, Message: msg} }

func mutations() []mutation {
	var ms []mutation
	revs := map[string]string{"2.0": rev20, "3.0": rev30, "4.0": rev40, "5.0": rev50}

	// Every required package field, for every Universe packaging version.
	for _, pv := range []string{"2.0", "3.0", "4.0", "5.0"} {
		for _, f := range []string{"packagingVersion", "name", "version", "maintainer", "description", "tags"} {
			ms = append(ms, mutation{
				name: fmt.Sprintf("%s without %s", pv, f), rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{del("/" + f)},
				want:  []Violation{v("", "required", fmt.Sprintf("missing required property %q", f))},
			})
		}
		ms = append(ms,
			mutation{
				name: pv + " extra property", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/homepage", `"https://example.com"`)},
				want:  []Violation{v("/homepage", "additionalProperties", `property "homepage" is not allowed`)},
			},
			mutation{
				name: pv + " framework is a string", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/framework", `"yes"`)},
				want:  []Violation{v("/framework", "type", "expected boolean, found string")},
			},
			mutation{
				name: pv + " tags is a string", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/tags", `"database"`)},
				want:  []Violation{v("/tags", "type", "expected array, found string")},
			},
			mutation{
				name: pv + " tag with a space", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/tags", `["data", "no sql"]`)},
				want:  []Violation{v("/tags/1", "pattern", `"no sql" does not match pattern ^[^\s\v\x1c-\x1f\x85\p{Z}]+$`)},
			},
			mutation{
				name: pv + " tag with a tab and a newline", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/tags", `["a\tb", "c\n"]`)},
				want: []Violation{
					v("/tags/0", "pattern", `"a\tb" does not match pattern ^[^\s\v\x1c-\x1f\x85\p{Z}]+$`),
					v("/tags/1", "pattern", `"c\n" does not match pattern ^[^\s\v\x1c-\x1f\x85\p{Z}]+$`),
				},
			},
			mutation{
				name: pv + " empty tag", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/tags", `[""]`)},
				want:  []Violation{v("/tags/0", "pattern", `"" does not match pattern ^[^\s\v\x1c-\x1f\x85\p{Z}]+$`)},
			},
			mutation{
				name: pv + " no tags", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/tags", `[]`)},
			},
			mutation{
				name: pv + " maintainer is a number", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/maintainer", `5`)},
				want:  []Violation{v("/maintainer", "type", "expected string, found integer")},
			},
			mutation{
				name: pv + " selected is null", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/selected", `null`)},
				want:  []Violation{v("/selected", "type", "expected boolean, found null")},
			},
			mutation{
				name: pv + " upper-case name", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/name", `"Cassandra"`)},
				want:  []Violation{v("/name", "pattern", `"Cassandra" does not match pattern ^[a-z][a-z0-9-]*[a-z0-9]$`)},
			},
			mutation{
				name: pv + " name ends with a hyphen", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/name", `"cassandra-"`)},
				want:  []Violation{v("/name", "pattern", `"cassandra-" does not match pattern ^[a-z][a-z0-9-]*[a-z0-9]$`)},
			},
			mutation{
				name: pv + " licenses is an object", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/licenses", `{"name": "MIT"}`)},
				want:  []Violation{v("/licenses", "type", "expected array, found object")},
			},
			mutation{
				name: pv + " license without url", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/licenses", `[{"name": "MIT"}]`)},
				want:  []Violation{v("/licenses/0", "required", `missing required property "url"`)},
			},
			mutation{
				name: pv + " license with an ftp url", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/licenses", `[{"name": "MIT", "url": "ftp://example.com/LICENSE"}]`)},
				want:  []Violation{v("/licenses/0/url", "pattern", `"ftp://example.com/LICENSE" does not match pattern ^https?://`)},
			},
			mutation{
				name: pv + " license url that is no URI", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/licenses", `[{"name": "MIT", "url": "http://exa mple.com/<LICENSE>"}]`)},
			},
			mutation{
				name: pv + " license with an extra property", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/licenses", `[{"name": "MIT", "url": "https://example.com", "spdx": "MIT"}]`)},
				want:  []Violation{v("/licenses/0/spdx", "additionalProperties", `property "spdx" is not allowed`)},
			},
			mutation{
				name: pv + " wrong packagingVersion", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/packagingVersion", `"1.0"`)},
				want:  []Violation{v("/packagingVersion", "enum", fmt.Sprintf(`"1.0" is not one of %q`, pv))},
			},
			mutation{
				name: pv + " packagingVersion is a number", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/packagingVersion", `3`)},
				want:  []Violation{v("/packagingVersion", "type", "expected string, found integer")},
			},
			mutation{
				name: pv + " document is an array", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("", `[]`)},
				want:  []Violation{v("", "type", "expected object, found array")},
			},
			mutation{
				name: pv + " several errors, sorted", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{del("/maintainer"), del("/description"), set("/zzz", `1`), set("/framework", `1`)},
				want: []Violation{
					v("", "required", `missing required property "description"`),
					v("", "required", `missing required property "maintainer"`),
					v("/framework", "type", "expected boolean, found integer"),
					v("/zzz", "additionalProperties", `property "zzz" is not allowed`),
				},
			},
		)
	}

	// Fields by packaging version.
	ms = append(ms,
		mutation{
			name: "2.0 version with a space", rev: rev20, file: "package.json", pv: "2.0",
			edits: []edit{set("/version", `"1.0 beta"`)},
		},
		mutation{
			name: "2.0 minDcosReleaseVersion", rev: rev20, file: "package.json", pv: "2.0",
			edits: []edit{set("/minDcosReleaseVersion", `"1.8"`)},
			want:  []Violation{v("/minDcosReleaseVersion", "additionalProperties", `property "minDcosReleaseVersion" is not allowed`)},
		},
		mutation{
			name: "2.0 hasKnownIssues", rev: rev20, file: "package.json", pv: "2.0",
			edits: []edit{set("/hasKnownIssues", `false`)},
			want:  []Violation{v("/hasKnownIssues", "additionalProperties", `property "hasKnownIssues" is not allowed`)},
		},
		mutation{
			name: "3.0 upgradesFrom", rev: rev30, file: "package.json", pv: "3.0",
			edits: []edit{set("/upgradesFrom", `["*"]`)},
			want:  []Violation{v("/upgradesFrom", "additionalProperties", `property "upgradesFrom" is not allowed`)},
		},
		mutation{
			name: "4.0 manager", rev: rev40, file: "package.json", pv: "4.0",
			edits: []edit{set("/manager", `{"packageName": "cassandra"}`)},
			want:  []Violation{v("/manager", "additionalProperties", `property "manager" is not allowed`)},
		},
		mutation{
			name: "4.0 upgradesFrom with a number", rev: rev40, file: "package.json", pv: "4.0",
			edits: []edit{set("/upgradesFrom", `["1.0", 2]`)},
			want:  []Violation{v("/upgradesFrom/1", "type", "expected string, found integer")},
		},
		mutation{
			name: "4.0 downgradesTo is a string", rev: rev40, file: "package.json", pv: "4.0",
			edits: []edit{set("/downgradesTo", `"*"`)},
			want:  []Violation{v("/downgradesTo", "type", "expected array, found string")},
		},
		mutation{
			name: "4.0 hasKnownIssues is a string", rev: rev40, file: "package.json", pv: "4.0",
			edits: []edit{set("/hasKnownIssues", `"no"`)},
			want:  []Violation{v("/hasKnownIssues", "type", "expected boolean, found string")},
		},
		mutation{
			name: "3.0 lastUpdated is a string", rev: rev30, file: "package.json", pv: "3.0",
			edits: []edit{set("/lastUpdated", `"yesterday"`)},
			want:  []Violation{v("/lastUpdated", "type", "expected number, found string")},
		},
		mutation{
			name: "3.0 lastUpdated is a fraction", rev: rev30, file: "package.json", pv: "3.0",
			edits: []edit{set("/lastUpdated", `1.5e9`)},
		},
		mutation{
			name: "5.0 manager without packageName", rev: rev50, file: "package.json", pv: "5.0",
			edits: []edit{set("/manager", `{"minPackageVersion": "1.0"}`)},
			want:  []Violation{v("/manager", "required", `missing required property "packageName"`)},
		},
		mutation{
			name: "5.0 manager with a bad packageName", rev: rev50, file: "package.json", pv: "5.0",
			edits: []edit{set("/manager/packageName", `"Beta_MKE"`)},
			want:  []Violation{v("/manager/packageName", "pattern", `"Beta_MKE" does not match pattern ^[a-z][a-z0-9-]*[a-z0-9]$`)},
		},
		mutation{
			name: "5.0 manager with a bad minPackageVersion", rev: rev50, file: "package.json", pv: "5.0",
			edits: []edit{set("/manager/minPackageVersion", `"1.0 beta"`)},
			want:  []Violation{v("/manager/minPackageVersion", "pattern", `"1.0 beta" does not match pattern ^[-a-zA-Z0-9.]+$`)},
		},
		mutation{
			name: "5.0 manager with an extra property", rev: rev50, file: "package.json", pv: "5.0",
			edits: []edit{set("/manager/channel", `"stable"`)},
		},
		mutation{
			name: "5.0 manager is a string", rev: rev50, file: "package.json", pv: "5.0",
			edits: []edit{set("/manager", `"beta-mke"`)},
			want:  []Violation{v("/manager", "type", "expected object, found string")},
		},
	)
	for _, pv := range []string{"3.0", "4.0", "5.0"} {
		ms = append(ms,
			mutation{
				name: pv + " version with a space", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/version", `"1.0 beta"`)},
				want:  []Violation{v("/version", "pattern", `"1.0 beta" does not match pattern ^[-a-zA-Z0-9.]+$`)},
			},
			mutation{
				name: pv + " version with build metadata", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/version", `"1.0.0+42"`)},
				want:  []Violation{v("/version", "pattern", `"1.0.0+42" does not match pattern ^[-a-zA-Z0-9.]+$`)},
			},
			mutation{
				name: pv + " non-semver version", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/version", `"2.8.0-3.11.5-fix"`)},
			},
			mutation{
				name: pv + " minDcosReleaseVersion with a trailing dot", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/minDcosReleaseVersion", `"1.10."`)},
				want:  []Violation{v("/minDcosReleaseVersion", "pattern", `"1.10." does not match pattern ^(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*$`)},
			},
			mutation{
				name: pv + " minDcosReleaseVersion with a leading zero", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/minDcosReleaseVersion", `"1.09"`)},
				want:  []Violation{v("/minDcosReleaseVersion", "pattern", `"1.09" does not match pattern ^(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*$`)},
			},
			mutation{
				name: pv + " minDcosReleaseVersion is a number", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/minDcosReleaseVersion", `1.10`)},
				want:  []Violation{v("/minDcosReleaseVersion", "type", "expected string, found number")},
			},
			mutation{
				name: pv + " minDcosReleaseVersion 0", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/minDcosReleaseVersion", `"0"`)},
			},
			mutation{
				name: pv + " minDcosReleaseVersion 1.10.0.1", rev: revs[pv], file: "package.json", pv: pv,
				edits: []edit{set("/minDcosReleaseVersion", `"1.10.0.1"`)},
			},
		)
	}

	// resource.json, v2.
	ms = append(ms,
		mutation{
			name: "resource v2 with cli", rev: rev20, file: "resource.json", pv: "2.0",
			edits: []edit{set("/cli", `{"binaries": {}}`)},
			want:  []Violation{v("/cli", "additionalProperties", `property "cli" is not allowed`)},
		},
		mutation{
			name: "resource v2 unknown image", rev: rev20, file: "resource.json", pv: "2.0",
			edits: []edit{set("/images/icon-huge", `"https://example.com/i.png"`)},
			want:  []Violation{v("/images/icon-huge", "additionalProperties", `property "icon-huge" is not allowed`)},
		},
		mutation{
			name: "resource v2 screenshots is a string", rev: rev20, file: "resource.json", pv: "2.0",
			edits: []edit{set("/images/screenshots", `"https://example.com/s.png"`)},
			want:  []Violation{v("/images/screenshots", "type", "expected array, found string")},
		},
		mutation{
			name: "resource v2 uri that is a number", rev: rev20, file: "resource.json", pv: "2.0",
			edits: []edit{set("/assets/uris/my.jar-1.0", `5`)},
			want:  []Violation{v("/assets/uris/my.jar-1.0", "type", "expected string, found integer")},
		},
		mutation{
			name: "resource v2 docker image that is an object", rev: rev20, file: "resource.json", pv: "2.0",
			edits: []edit{set("/assets/container", `{"docker": {"5_etcd_nodes": {"image": "x"}}}`)},
			want:  []Violation{v("/assets/container/docker/5_etcd_nodes", "type", "expected string, found object")},
		},
		mutation{
			name: "resource v2 unknown container kind", rev: rev20, file: "resource.json", pv: "2.0",
			edits: []edit{set("/assets/container", `{"rkt": {}}`)},
			want:  []Violation{v("/assets/container/rkt", "additionalProperties", `property "rkt" is not allowed`)},
		},
		mutation{
			name: "resource v2 unknown asset kind", rev: rev20, file: "resource.json", pv: "2.0",
			edits: []edit{set("/assets/files", `{}`)},
			want:  []Violation{v("/assets/files", "additionalProperties", `property "files" is not allowed`)},
		},
		mutation{
			name: "resource v2 empty", rev: rev20, file: "resource.json", pv: "2.0",
			edits: []edit{set("", `{}`)},
		},
	)

	// resource.json, v3.
	bin := "/cli/binaries/linux/x86-64"
	ms = append(ms,
		mutation{
			name: "resource v3 cli binary of a bad kind", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set(bin+"/kind", `"tar"`)},
			want:  []Violation{v(bin+"/kind", "enum", `"tar" is not one of "executable", "zip"`)},
		},
		mutation{
			name: "resource v3 cli binary with empty contentHash", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set(bin+"/contentHash", `[]`)},
			want:  []Violation{v(bin+"/contentHash", "minItems", "expected at least 1 item, found 0")},
		},
		mutation{
			name: "resource v3 cli binary without contentHash", rev: revV3, file: "resource.json", pv: "3.0",
			edits: []edit{del(bin + "/contentHash")},
			want:  []Violation{v(bin, "required", `missing required property "contentHash"`)},
		},
		mutation{
			name: "resource v3 cli binary hashed with md5", rev: revV3, file: "resource.json", pv: "5.0",
			edits: []edit{set(bin+"/contentHash/0/algo", `"md5"`)},
			want:  []Violation{v(bin+"/contentHash/0/algo", "enum", `"md5" is not one of "sha256"`)},
		},
		mutation{
			name: "resource v3 hash without value", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set(bin+"/contentHash/0", `{"algo": "sha256"}`)},
			want:  []Violation{v(bin+"/contentHash/0", "required", `missing required property "value"`)},
		},
		mutation{
			name: "resource v3 hash with an empty value", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set(bin+"/contentHash/0/value", `""`)},
		},
		mutation{
			name: "resource v3 cli binary with an extra property", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set(bin+"/size", `1024`)},
			want:  []Violation{v(bin+"/size", "additionalProperties", `property "size" is not allowed`)},
		},
		mutation{
			name: "resource v3 no binaries", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set("/cli/binaries", `{}`)},
			want:  []Violation{v("/cli/binaries", "minProperties", "expected at least 1 property, found 0")},
		},
		mutation{
			name: "resource v3 cli without binaries", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set("/cli", `{}`)},
			want:  []Violation{v("/cli", "required", `missing required property "binaries"`)},
		},
		mutation{
			name: "resource v3 unknown platform", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set("/cli/binaries/freebsd", `{}`)},
			want:  []Violation{v("/cli/binaries/freebsd", "additionalProperties", `property "freebsd" is not allowed`)},
		},
		mutation{
			name: "resource v3 arm64 binary", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set("/cli/binaries/linux", `{"arm64": {}}`)},
			want: []Violation{
				v("/cli/binaries/linux", "required", `missing required property "x86-64"`),
				v("/cli/binaries/linux/arm64", "additionalProperties", `property "arm64" is not allowed`),
			},
		},
		mutation{
			name: "resource v3 binary url is a number", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set(bin+"/url", `1`)},
			want:  []Violation{v(bin+"/url", "type", "expected string, found integer")},
		},
	)

	// config.json.
	svc := "/properties/service"
	name := svc + "/properties/name"
	ms = append(ms,
		mutation{
			name: "config required is false", rev: revCf, file: "config.json",
			edits: []edit{set("/required", `false`)},
			want:  []Violation{v("/required", "type", "expected array, found boolean")},
		},
		mutation{
			name: "nested config required is false", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/required", `false`)},
			want:  []Violation{v(name+"/required", "type", "expected array, found boolean")},
		},
		mutation{
			name: "config required is empty", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/required", `[]`)},
			want:  []Violation{v(svc+"/required", "minItems", "expected at least 1 item, found 0")},
		},
		mutation{
			name: "config required with duplicates", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/required", `["name", "user", "name"]`)},
			want:  []Violation{v(svc+"/required", "uniqueItems", "items 0 and 2 are equal")},
		},
		mutation{
			name: "config required with a number", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/required", `["name", 1]`)},
			want:  []Violation{v(svc+"/required/1", "type", "expected string, found integer")},
		},
		mutation{
			name: "config type 7", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/type", `7`)},
			want:  []Violation{v(name+"/type", "type", "expected string or array, found integer")},
		},
		mutation{
			name: "config unknown type", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/type", `"text"`)},
			want:  []Violation{v(name+"/type", "pattern", `"text" does not match pattern ^(?:array|boolean|integer|null|number|object|string)$`)},
		},
		mutation{
			name: "config type list", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/type", `["string", "null"]`)},
		},
		mutation{
			name: "config type list with an unknown type", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/type", `["string", "text"]`)},
			want:  []Violation{v(name+"/type/1", "enum", `"text" is not one of "array", "boolean", "integer", "null", "number", "object", "string"`)},
		},
		mutation{
			name: "config empty type list", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/type", `[]`)},
			want:  []Violation{v(name+"/type", "minItems", "expected at least 1 item, found 0")},
		},
		mutation{
			name: "config type list with duplicates", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/type", `["string", "string"]`)},
			want:  []Violation{v(name+"/type", "uniqueItems", "items 0 and 1 are equal")},
		},
		mutation{
			name: "config property that is not a schema", rev: revCf, file: "config.json",
			edits: []edit{set(name, `"string"`)},
			want:  []Violation{v(name, "type", "expected object, found string")},
		},
		mutation{
			name: "config properties is an array", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/properties", `[]`)},
			want:  []Violation{v(svc+"/properties", "type", "expected object, found array")},
		},
		mutation{
			name: "config description is a number", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/description", `1`)},
			want:  []Violation{v(name+"/description", "type", "expected string, found integer")},
		},
		mutation{
			name: "config title is null", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/title", `null`)},
			want:  []Violation{v(name+"/title", "type", "expected string, found null")},
		},
		mutation{
			name: "config minimum is a string", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/minimum", `"0"`)},
			want:  []Violation{v(name+"/minimum", "type", "expected number, found string")},
		},
		mutation{
			name: "config exclusiveMinimum without minimum", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/exclusiveMinimum", `true`)},
			want:  []Violation{v(name, "dependencies", `missing property "minimum", which another property depends on`)},
		},
		mutation{
			name: "config exclusiveMaximum without maximum", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/exclusiveMaximum", `false`)},
			want:  []Violation{v(name, "dependencies", `missing property "maximum", which another property depends on`)},
		},
		mutation{
			name: "config exclusiveMinimum is a number", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/minimum", `1`), set(name+"/exclusiveMinimum", `0`)},
			want:  []Violation{v(name+"/exclusiveMinimum", "type", "expected boolean, found integer")},
		},
		mutation{
			name: "config negative maxLength", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/maxLength", `-1`)},
			want:  []Violation{v(name+"/maxLength", "minimum", "-1 is less than the minimum 0")},
		},
		mutation{
			name: "config fractional minItems", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/minItems", `1.5`)},
			want:  []Violation{v(name+"/minItems", "type", "expected integer, found number")},
		},
		mutation{
			name: "config multipleOf 0", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/multipleOf", `0`)},
			want:  []Violation{v(name+"/multipleOf", "minimum", "0 is not greater than the exclusive minimum 0")},
		},
		mutation{
			name: "config uniqueItems is a string", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/uniqueItems", `"true"`)},
			want:  []Violation{v(name+"/uniqueItems", "type", "expected boolean, found string")},
		},
		mutation{
			name: "config additionalProperties is a string", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/additionalProperties", `"no"`)},
			want:  []Violation{v(svc+"/additionalProperties", "type", "expected object or boolean, found string")},
		},
		mutation{
			name: "config additionalProperties schema with a bad type", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/additionalProperties", `{"type": 5}`)},
			want:  []Violation{v(svc+"/additionalProperties/type", "type", "expected string or array, found integer")},
		},
		mutation{
			name: "config additionalItems false", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/additionalItems", `false`)},
		},
		mutation{
			name: "config items is empty", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/items", `[]`)},
			want:  []Violation{v(name+"/items", "minItems", "expected at least 1 item, found 0")},
		},
		mutation{
			name: "config items is a boolean", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/items", `true`)},
			want:  []Violation{v(name+"/items", "type", "expected object or array, found boolean")},
		},
		mutation{
			name: "config tuple item with a bad type", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/items", `[{"type": "string"}, {"type": "nope"}]`)},
			want:  []Violation{v(name+"/items/1/type", "pattern", `"nope" does not match pattern ^(?:array|boolean|integer|null|number|object|string)$`)},
		},
		mutation{
			name: "config tuple item that is not a schema", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/items", `[{"type": "string"}, 1]`)},
			want:  []Violation{v(name+"/items/1", "type", "expected object, found integer")},
		},
		mutation{
			name: "config empty enum", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/enum", `[]`)},
			want:  []Violation{v(name+"/enum", "minItems", "expected at least 1 item, found 0")},
		},
		mutation{
			name: "config enum with duplicates", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/enum", `["a", {"b": 1}, "c", {"b": 1}]`)},
			want:  []Violation{v(name+"/enum", "uniqueItems", "items 1 and 3 are equal")},
		},
		mutation{
			name: "config enum 1 and 1.0", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/enum", `[1, 1.0]`)},
			want:  []Violation{v(name+"/enum", "uniqueItems", "items 0 and 1 are equal")},
		},
		mutation{
			name: "config enum is a string", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/enum", `"a"`)},
			want:  []Violation{v(name+"/enum", "type", "expected array, found string")},
		},
		mutation{
			name: "config dependencies with duplicate names", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/dependencies", `{"name": ["user", "user"]}`)},
			want:  []Violation{v(svc+"/dependencies/name", "uniqueItems", "items 0 and 1 are equal")},
		},
		mutation{
			name: "config dependencies with an empty list", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/dependencies", `{"name": []}`)},
			want:  []Violation{v(svc+"/dependencies/name", "minItems", "expected at least 1 item, found 0")},
		},
		mutation{
			name: "config dependencies with a number", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/dependencies", `{"name": 5}`)},
			want:  []Violation{v(svc+"/dependencies/name", "type", "expected object or array, found integer")},
		},
		mutation{
			name: "config dependencies with a schema", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/dependencies", `{"name": {"required": ["user"]}, "user": ["name"]}`)},
		},
		mutation{
			name: "config dependencies with a bad schema", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/dependencies", `{"name": {"required": "user"}}`)},
			want:  []Violation{v(svc+"/dependencies/name/required", "type", "expected array, found string")},
		},
		mutation{
			name: "config allOf is an object", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/allOf", `{"type": "string"}`)},
			want:  []Violation{v(name+"/allOf", "type", "expected array, found object")},
		},
		mutation{
			name: "config empty oneOf", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/oneOf", `[]`)},
			want:  []Violation{v(name+"/oneOf", "minItems", "expected at least 1 item, found 0")},
		},
		mutation{
			name: "config anyOf with a bad schema", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/anyOf", `[{"minLength": -2}]`)},
			want:  []Violation{v(name+"/anyOf/0/minLength", "minimum", "-2 is less than the minimum 0")},
		},
		mutation{
			name: "config not is a boolean", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/not", `true`)},
			want:  []Violation{v(name+"/not", "type", "expected object, found boolean")},
		},
		mutation{
			name: "config patternProperties with a bad schema", rev: revCf, file: "config.json",
			edits: []edit{set(svc+"/patternProperties", `{"^x-": {"type": "nope"}}`)},
			want:  []Violation{v(svc+"/patternProperties/^x-/type", "pattern", `"nope" does not match pattern ^(?:array|boolean|integer|null|number|object|string)$`)},
		},
		mutation{
			name: "config definitions with a non-schema", rev: revCf, file: "config.json",
			edits: []edit{set("/definitions", `{"port": 8080}`)},
			want:  []Violation{v("/definitions/port", "type", "expected object, found integer")},
		},
		mutation{
			name: "config pattern that is not a regular expression", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/pattern", `"([a-z"`)},
		},
		mutation{
			name: "config pattern with a lookahead", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/pattern", `"^(?!-)[a-z-]+$"`)},
		},
		mutation{
			name: "config pattern is a number", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/pattern", `1`)},
			want:  []Violation{v(name+"/pattern", "type", "expected string, found integer")},
		},
		mutation{
			name: "config $schema that is no URI", rev: revCf, file: "config.json",
			edits: []edit{set("/$schema", `"not a uri"`)},
		},
		mutation{
			name: "config id is a number", rev: revCf, file: "config.json",
			edits: []edit{set("/id", `1`)},
			want:  []Violation{v("/id", "type", "expected string, found integer")},
		},
		mutation{
			name: "config default of the wrong type", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/default", `{"not": "a string"}`)},
		},
		mutation{
			name: "config unknown keywords", rev: revCf, file: "config.json",
			edits: []edit{set(name+"/media", `{"type": "application/x-yaml"}`), set(name+"/type:", `"string"`)},
		},
		mutation{
			name: "config is an array", rev: revCf, file: "config.json",
			edits: []edit{set("", `[{"type": "object"}]`)},
			want:  []Violation{v("", "type", "expected object, found array")},
		},
		mutation{
			name: "config is empty", rev: revCf, file: "config.json",
			edits: []edit{set("", `{}`)},
		},
	)

	// command.json.
	ms = append(ms,
		mutation{
			name: "command without pip", rev: revCm, file: "command.json",
			edits: []edit{del("/pip")},
			want:  []Violation{v("", "required", `missing required property "pip"`)},
		},
		mutation{
			name: "command pip is a string", rev: revCm, file: "command.json",
			edits: []edit{set("/pip", `"dcos==0.1.13"`)},
			want:  []Violation{v("/pip", "type", "expected array, found string")},
		},
		mutation{
			name: "command pip with a number", rev: revCm, file: "command.json",
			edits: []edit{set("/pip/0", `1`)},
			want:  []Violation{v("/pip/0", "type", "expected string, found integer")},
		},
		mutation{
			name: "command extra property", rev: revCm, file: "command.json",
			edits: []edit{set("/npm", `[]`)},
			want:  []Violation{v("/npm", "additionalProperties", `property "npm" is not allowed`)},
		},
		mutation{
			name: "command empty pip", rev: revCm, file: "command.json",
			edits: []edit{set("/pip", `[]`)},
		},
	)
	return ms
}

// schemasFor returns our schema and Universe's for a mutation's file.
func schemasFor(t *testing.T, u *universe, file, pv string) (*Schema, *gojsonschema.Schema) {
	t.Helper()
	switch file {
	case "package.json":
		s, err := Package(pv)
		if err != nil {
			t.Fatal(err)
		}
		return s, u.pkg
	case "resource.json":
		s, err := Resource(pv)
		if err != nil {
			t.Fatal(err)
		}
		return s, u.resource(pv)
	case "config.json":
		return Config(), u.config
	case "command.json":
		return Command(), u.command
	}
	t.Fatalf("no schema for %s", file)
	return nil, nil
}

// TestMutationEquivalence applies each mutation to a real document and
// checks that our schema and Universe's agree on the verdict, and that ours
// reports exactly the expected violations.
func TestMutationEquivalence(t *testing.T) {
	u := loadUniverse(t)
	for _, m := range mutations() {
		t.Run(m.name, func(t *testing.T) {
			base := readJSON(t, filepath.Join(corpusDir, m.rev, m.file))
			if vs := mustValidate(t, mustSchema(t, m.file, m.pv), base); len(vs) > 0 {
				t.Fatalf("the unmutated %s/%s is invalid: %s", m.rev, m.file, join(vs))
			}
			doc := apply(t, base, m.edits...)
			ours, theirs := schemasFor(t, u, m.file, m.pv)

			got := mustValidate(t, ours, doc)
			checkPointers(t, m.name, doc, got)
			if diff := cmp.Diff(m.want, got); diff != "" {
				t.Errorf("Validate(%s) mismatch (-want +got):\n%s", ours.Name(), diff)
			}
			wantValid := len(m.want) == 0
			universeOK, msgs := universeValid(t, theirs, doc)
			if universeOK != wantValid {
				t.Errorf("Universe's schema: valid = %v, want %v (ours: %v) %v", universeOK, wantValid, got, msgs)
			}
		})
	}
}

func mustSchema(t *testing.T, file, pv string) *Schema {
	t.Helper()
	var s *Schema
	var err error
	switch file {
	case "package.json":
		s, err = Package(pv)
	case "resource.json":
		s, err = Resource(pv)
	case "config.json":
		s = Config()
	case "command.json":
		s = Command()
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDeliberateDifferences documents where our schemas give another verdict
// than Universe's schemas under gojsonschema, and why.
func TestDeliberateDifferences(t *testing.T) {
	u := loadUniverse(t)
	tests := []struct {
		name  string
		rev   string
		file  string
		pv    string
		edits []edit
		want  []Violation // ours; Universe's schema under gojsonschema accepts
		why   string
	}{
		{
			name: "resource v2 that is not an object", rev: rev20, file: "resource.json", pv: "2.0",
			edits: []edit{set("", `["icon.png"]`)},
			want:  []Violation{v("", "type", "expected object, found array")},
			why:   "Universe's resource schemas have no root type, but its repository schema requires an object",
		},
		{
			name: "resource v3 that is not an object", rev: revV3, file: "resource.json", pv: "4.0",
			edits: []edit{set("", `"icon.png"`)},
			want:  []Violation{v("", "type", "expected object, found string")},
			why:   "Universe's resource schemas have no root type, but its repository schema requires an object",
		},
		{
			name: "tag with a no-break space", rev: rev40, file: "package.json", pv: "4.0",
			edits: []edit{set("/tags", `["no\u00a0sql"]`)},
			want:  []Violation{v("/tags/0", "pattern", "\"no\u00a0sql\" does not match pattern ^[^\\s\\v\\x1c-\\x1f\\x85\\p{Z}]+$")},
			why:   `Universe's validator is Python, whose \s matches Unicode spaces; Go's \s is ASCII only`,
		},
		{
			name: "tag with a vertical tab", rev: rev20, file: "package.json", pv: "2.0",
			edits: []edit{set("/tags", `["a\u000bb"]`)},
			want:  []Violation{v("/tags/0", "pattern", "\"a\\u000bb\" does not match pattern ^[^\\s\\v\\x1c-\\x1f\\x85\\p{Z}]+$")},
			why:   `Python's \s includes \v; Go's does not`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := apply(t, readJSON(t, filepath.Join(corpusDir, tt.rev, tt.file)), tt.edits...)
			ours, theirs := schemasFor(t, u, tt.file, tt.pv)
			got := mustValidate(t, ours, doc)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate(%s) mismatch (-want +got):\n%s", ours.Name(), diff)
			}
			if ok, msgs := universeValid(t, theirs, doc); !ok {
				t.Errorf("Universe's schema rejects it (%v); the difference (%s) is gone: move the case to the mutation table", msgs, tt.why)
			}
		})
	}
}
