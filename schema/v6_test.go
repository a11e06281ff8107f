package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// v6Package is a valid 6.0 package.json.
const v6Package = `{
  "packagingVersion": "6.0",
  "name": "cassandra-stack",
  "version": "2.5.0-beta.1+build.7",
  "maintainer": "support@example.com",
  "description": "Cassandra with its tooling",
  "tags": ["database", "nosql"],
  "framework": true,
  "selected": false,
  "licenses": [{"name": "Apache License Version 2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"}],
  "minDcosReleaseVersion": "1.10",
  "upgradesFrom": ["2.4.0"],
  "downgradesTo": ["*"],
  "hasKnownIssues": false,
  "lastUpdated": 1546300800,
  "dependencies": [
    {"name": "cassandra", "version": ">=3.0.0, <4.0.0"},
    {"name": "kafka", "optional": true},
    {"name": "zookeeper", "version": "~3.4", "optional": false}
  ]
}`

func TestPackageV6(t *testing.T) {
	s, err := Package("6.0")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edits []edit
		want  []Violation
	}{
		{name: "valid with dependencies"},
		{name: "valid without dependencies", edits: []edit{del("/dependencies")}},
		{name: "valid with no dependencies", edits: []edit{set("/dependencies", `[]`)}},
		{name: "valid with a duplicate dependency", edits: []edit{set("/dependencies", `[{"name": "kafka"}, {"name": "kafka"}]`)}},
		{name: "valid plain semver", edits: []edit{set("/version", `"1.0.0"`)}},
		{name: "valid semver with a numeric pre-release", edits: []edit{set("/version", `"2.8.0-3.11.5"`)}},
		{
			name:  "two-part version",
			edits: []edit{set("/version", `"1.0"`)},
			want:  []Violation{v("/version", "pattern", `"1.0" does not match pattern `+semverPattern)},
		},
		{
			name:  "version with a leading v",
			edits: []edit{set("/version", `"v1.0.0"`)},
			want:  []Violation{v("/version", "pattern", `"v1.0.0" does not match pattern `+semverPattern)},
		},
		{
			name:  "version with a leading zero",
			edits: []edit{set("/version", `"01.0.0"`)},
			want:  []Violation{v("/version", "pattern", `"01.0.0" does not match pattern `+semverPattern)},
		},
		{
			name:  "pre-release with a leading zero",
			edits: []edit{set("/version", `"1.0.0-01"`)},
			want:  []Violation{v("/version", "pattern", `"1.0.0-01" does not match pattern `+semverPattern)},
		},
		{
			name:  "version with four parts",
			edits: []edit{set("/version", `"1.0.0.1"`)},
			want:  []Violation{v("/version", "pattern", `"1.0.0.1" does not match pattern `+semverPattern)},
		},
		{
			name:  "version that Universe allows",
			edits: []edit{set("/version", `"2.1-patch.0"`)},
			want:  []Violation{v("/version", "pattern", `"2.1-patch.0" does not match pattern `+semverPattern)},
		},
		{
			name:  "version with a trailing newline",
			edits: []edit{set("/version", `"1.0.0\n"`)},
			want:  []Violation{v("/version", "pattern", `"1.0.0\n" does not match pattern `+semverPattern)},
		},
		{
			name:  "dependency without name",
			edits: []edit{set("/dependencies/1", `{"version": "1.x"}`)},
			want:  []Violation{v("/dependencies/1", "required", `missing required property "name"`)},
		},
		{
			name:  "dependency with an unknown field",
			edits: []edit{set("/dependencies/0", `{"name": "cassandra", "versions": ">=3"}`)},
			want:  []Violation{v("/dependencies/0/versions", "additionalProperties", `property "versions" is not allowed`)},
		},
		{
			name:  "dependency with a bad name",
			edits: []edit{set("/dependencies/0/name", `"Cassandra"`)},
			want:  []Violation{v("/dependencies/0/name", "pattern", `"Cassandra" does not match pattern ^[a-z][a-z0-9-]*[a-z0-9]$`)},
		},
		{
			name:  "dependency with an empty version",
			edits: []edit{set("/dependencies/0/version", `""`)},
			want:  []Violation{v("/dependencies/0/version", "minLength", "expected at least 1 character, found 0")},
		},
		{
			name:  "dependency with a numeric version",
			edits: []edit{set("/dependencies/0/version", `3`)},
			want:  []Violation{v("/dependencies/0/version", "type", "expected string, found integer")},
		},
		{
			name:  "dependency optional as a string",
			edits: []edit{set("/dependencies/1/optional", `"yes"`)},
			want:  []Violation{v("/dependencies/1/optional", "type", "expected boolean, found string")},
		},
		{
			name:  "dependency that is a string",
			edits: []edit{set("/dependencies/0", `"cassandra"`)},
			want:  []Violation{v("/dependencies/0", "type", "expected object, found string")},
		},
		{
			name:  "dependencies as an object",
			edits: []edit{set("/dependencies", `{"cassandra": ">=3"}`)},
			want:  []Violation{v("/dependencies", "type", "expected array, found object")},
		},
		{
			name:  "manager not allowed",
			edits: []edit{set("/manager", `{"packageName": "cassandra"}`)},
			want:  []Violation{v("/manager", "additionalProperties", `property "manager" is not allowed`)},
		},
		{
			name:  "4.0 packagingVersion",
			edits: []edit{set("/packagingVersion", `"4.0"`)},
			want:  []Violation{v("/packagingVersion", "enum", `"4.0" is not one of "6.0"`)},
		},
		{
			name:  "missing maintainer and a bad tag",
			edits: []edit{del("/maintainer"), set("/tags/1", `"no sql"`)},
			want: []Violation{
				v("", "required", `missing required property "maintainer"`),
				v("/tags/1", "pattern", `"no sql" does not match pattern ^[^\s\v\x1c-\x1f\x85\p{Z}]+$`),
			},
		},
	}
	base := jsonValue(v6Package)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Validate(apply(t, base, tt.edits...))
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate(%s) mismatch (-want +got):\n%s", s.Name(), diff)
			}
		})
	}
}

// semverPattern is the pattern of package-v6.0.json's version, the regular
// expression published on semver.org.
const semverPattern = `^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`

// TestPackageV6AcceptsV4 checks that every 4.0 document of the corpus, with
// a semver version and packagingVersion 6.0, is a valid 6.0 document:
// 6.0 allows everything 4.0 allows.
func TestPackageV6AcceptsV4(t *testing.T) {
	revs := loadCorpus(t)
	s, err := Package("6.0")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rev := range revs {
		if rev.packagingVersion() != "4.0" {
			continue
		}
		doc := apply(t, rev.files["package.json"], set("/packagingVersion", `"6.0"`), set("/version", `"1.2.3"`))
		if vs := mustValidate(t, s, doc); len(vs) > 0 {
			t.Errorf("%s as 6.0: %s", rev.dir, join(vs))
		}
		n++
	}
	if n == 0 {
		t.Error("no 4.0 revision in the corpus")
	}
}
