package lint

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/repo"
)

// universeRules are the checks Universe's own validator makes
// (scripts/validate_packages.py). It passes every revision of the corpus,
// so none of them may fire.
var universeRules = []string{
	repo.RuleLetterDir, repo.RulePackageDir, repo.RuleRevisionDir, repo.RuleMissingPackage,
	repo.RuleRead, repo.RuleJSONSyntax, repo.RuleBOM,
	RuleNameMismatch, RulePackagingVersion, RulePackageSchema, RuleCommandNotAllow, RuleCommandSchema,
	RuleConfigSchema, RuleResourceSchema, RuleResourceCLI, RuleTemplateMissing, RuleTemplateSyntax,
}

// TestCorpusConformance validates the real Universe repository: every
// revision loads, the checks Universe makes pass as they do there, and our
// extra checks find exactly the known problems.
func TestCorpusConformance(t *testing.T) {
	corpus := sharedtest.Corpus(t)
	tree, err := repo.Load(context.Background(), os.DirFS(corpus))
	if err != nil {
		t.Fatal(err)
	}
	byPV := map[string]int{}
	for _, r := range tree.Revisions() {
		byPV[r.PackagingVersion]++
	}
	if got, want := len(tree.Packages), 185; got != want {
		t.Errorf("packages = %d, want %d", got, want)
	}
	if diff := cmp.Diff(map[string]int{"2.0": 137, "3.0": 573, "4.0": 495, "5.0": 30}, byPV); diff != "" {
		t.Errorf("revisions by packagingVersion (-want +got):\n%s", diff)
	}
	rep, err := Run(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Revisions != 1235 {
		t.Errorf("revisions = %d, want 1235", rep.Revisions)
	}
	for _, f := range rep.Findings {
		for _, r := range universeRules {
			if f.Rule == r {
				t.Errorf("a check Universe's validator passes fails here: %s", f)
			}
		}
	}

	// Errors: the 13 files with duplicate keys (json_dup_key_check.py
	// reports the first duplicate of each; the two arangodb3 configs have
	// two), and the defaults that are invalid for their own property.
	var dups []string
	defaults := map[string][]string{}
	byRule := map[string]int{}
	for _, f := range rep.Findings {
		byRule[f.Rule]++
		switch f.Rule {
		case repo.RuleDuplicateKey:
			key := f.Pointer[strings.LastIndex(f.Pointer, "/")+1:]
			dups = append(dups, fmt.Sprintf("%s %s", f.File, key))
		case RuleConfigDefault:
			dir := strings.TrimSuffix(f.File, "/config.json")
			defaults[dir] = append(defaults[dir], f.Pointer)
		}
	}
	wantDups := []string{
		"A/arangodb3/8/config.json arangodb-encryption-keyfile",
		"A/arangodb3/8/config.json arangodb-storage-engine",
		"A/arangodb3/9/config.json arangodb-encryption-keyfile",
		"A/arangodb3/9/config.json arangodb-storage-engine",
		"H/hdfs/2/package.json licenses",
		"H/hdfs/3/package.json licenses",
		"H/hdfs/4/package.json licenses",
		"H/hdfs/5/package.json licenses",
		"H/hdfs/6/package.json licenses",
		"H/hdfs/7/package.json licenses",
		"M/mysql-admin/1/package.json postInstallNotes",
		"P/postgresql-admin/1/package.json postInstallNotes",
		"R/redis/0/package.json website",
		"R/redis/1/package.json website",
		"R/redis/2/package.json website",
	}
	sort.Strings(dups)
	if diff := cmp.Diff(wantDups, dups); diff != "" {
		t.Errorf("duplicate keys (-want +got):\n%s", diff)
	}
	const betaOptin = "/properties/service/properties/beta-optin/default"
	wantDefaults := map[string][]string{
		// An integer port with the default "3306" (universe-format.md §3.3).
		"A/artifactory/2": {"/properties/service/properties/database/properties/port/default"},
		// A boolean opt-in with the default "", deliberately invalid so that
		// the user must set it.
		"B/beta-cassandra/0": {betaOptin}, "B/beta-cassandra/1": {betaOptin},
		"B/beta-confluent-kafka/0": {betaOptin}, "B/beta-confluent-kafka/1": {betaOptin},
		"B/beta-dse/0": {betaOptin}, "B/beta-elastic/0": {betaOptin}, "B/beta-elastic/1": {betaOptin},
		"B/beta-elastic/2": {betaOptin}, "B/beta-elastic/3": {betaOptin},
		"B/beta-hdfs/0": {betaOptin}, "B/beta-hdfs/1": {betaOptin},
		"B/beta-kafka/0": {betaOptin}, "B/beta-kafka/1": {betaOptin}, "B/beta-kibana/0": {betaOptin},
		// Numbers quoted as strings ("3" for a "number"), the problem of
		// Universe issue #638.
		"C/confluent-control-center/0": {
			"/properties/control-center/properties/confluent-controlcenter-internal-topics-partitions/default",
			"/properties/control-center/properties/confluent-controlcenter-internal-topics-replication/default",
			"/properties/control-center/properties/confluent-monitoring-interceptor-topic-partitions/default",
			"/properties/control-center/properties/confluent-monitoring-interceptor-topic-replication/default",
		},
		// An EULA acceptance whose default deliberately fails its pattern
		// ("yes" / "^yes$"), like beta-optin.
		"G/gestalt-framework/2": {"/properties/service/properties/accept-eula/default"},
		"G/gestalt-framework/3": {"/properties/service/properties/accept-eula/default"},
		"G/gestalt-framework/4": {"/properties/service/properties/accept-eula/default"},
		"G/gestalt-framework/6": {"/properties/service/properties/accept-eula/default"},
		// A memory default of 128 under its own minimum of 512.
		"M/marathon-slack/0": {"/properties/marathon-slack/properties/mem/default"},
	}
	if diff := cmp.Diff(wantDefaults, defaults); diff != "" {
		t.Errorf("invalid defaults (-want +got):\n%s", diff)
	}

	// Warnings: the known blemishes of the corpus, counted by rule.
	wantByRule := map[string]int{
		repo.RuleDuplicateKey: 15,
		RuleConfigDefault:     24,
		// 45 C/confluent-* files with CRLF line endings (§9.1).
		repo.RuleCRLF: 45,
		// upgradesFrom/downgradesTo naming versions that no longer exist: 30
		// entries, among them P/portworx-miniod/0 and 100 with "" (§9.1).
		RuleUpgradeRef: 30,
		// "type:" in K/kubernetes-cluster/1700 and 1800, 18 "extraProperties"
		// (for additionalProperties) and K/kafka/6's schemas nested one level
		// too deep ("nodes", "kafka" as keywords of a property "properties").
		RuleConfigKeyword: 22,
		// C/ceph/2/marathon-lb-secret-options.json.
		repo.RuleUnexpectedEntry: 1,
		// The 11 templates that do not render with their defaults under
		// Cosmos's rules, and 54 that render to apps Marathon's rules
		// reject: see wantRender.
		RuleTemplateRender: 65,
	}
	if diff := cmp.Diff(wantByRule, byRule); diff != "" {
		t.Errorf("findings by rule (-want +got):\n%s", diff)
	}
}

// Why each corpus template fails template/render (rendered with its
// defaults, as Cosmos 0.6 would, then checked with the marathon package's
// rules).
const (
	// The 11 failures of the reference emulation (cosmos-rendering.md
	// §15.2), for the same reasons.
	preEscaping = "[{{{x.resource-roles}}}] with a quoted default only works without Cosmos ≥ 0.4's escaping (pre-DC/OS 1.10)"
	noDefault   = "a number option without a default renders empty (\"instances\": ,): the user must supply it"
	// Marathon's rules on apps that render as valid JSON.
	portDefs       = "portDefinitions with BRIDGE (docker.network) or container networking: \"portDefinitions are only allowed with host-networking\""
	groupAsApp     = "a Marathon group in a 2.0 package: Cosmos posts it to /v2/apps, where it is an app without cmd (hidden upstream with minDcosReleaseVersion 999)"
	role           = "\"role\": \"slave_public\": Marathon 1.9+ accepts only the default role (\"*\") or the group's"
	emptyID        = "the app id comes from an option without a usable default (\"\" or \"-autoscaler\"): the user must supply it"
	persistentType = "persistent volume type \"ROOT\": Marathon's enum is lower-case (root, path, mount)"
	quotedPorts    = "{{.}} over [\"10514\"] prints \"10514\" (array elements keep their quotes, §7.2): ports must be numbers"
	quotedNumbers  = "\"cpus\": \"{{...}}\": numbers rendered inside quotes"
	singleInstance = "label MARATHON_SINGLE_INSTANCE_APP requires upgradeStrategy 0/0, the default is 1/1"
)

var wantRender = map[string]string{
	"E/edgelb-pool/0":                emptyID,
	"E/edgelb-pool/100":              emptyID,
	"E/edgelb-pool/110":              emptyID,
	"E/edgelb-pool/200":              emptyID,
	"E/edgelb-pool/300":              emptyID,
	"M/marathon-autoscaler/0":        emptyID,
	"M/minio/5":                      noDefault,
	"W/weavescope-probe/0":           noDefault,
	"W/weavescope-probe/1":           noDefault,
	"N/nexcloud/0":                   groupAsApp,
	"C/cadvisor/0":                   portDefs,
	"C/cadvisor/1":                   portDefs,
	"E/ethereum/0":                   persistentType,
	"E/ethereum/1":                   persistentType,
	"A/artifactory/3":                portDefs,
	"A/artifactory/4":                portDefs,
	"C/ceph-dash/0":                  portDefs,
	"C/confluent-connect/2":          portDefs,
	"C/confluent-connect/3":          portDefs,
	"C/confluent-connect/4":          portDefs,
	"C/confluent-connect/5":          portDefs,
	"C/confluent-connect/6":          portDefs,
	"C/confluent-connect/7":          portDefs,
	"C/confluent-connect/8":          portDefs,
	"C/confluent-connect/9":          portDefs,
	"C/confluent-replicator/0":       portDefs,
	"C/confluent-replicator/1":       portDefs,
	"C/confluent-replicator/2":       portDefs,
	"C/confluent-replicator/3":       portDefs,
	"C/confluent-replicator/4":       portDefs,
	"C/confluent-replicator/5":       portDefs,
	"C/confluent-replicator/6":       portDefs,
	"C/confluent-rest-proxy/2":       portDefs,
	"C/confluent-rest-proxy/3":       portDefs,
	"C/confluent-rest-proxy/4":       portDefs,
	"C/confluent-rest-proxy/5":       portDefs,
	"C/confluent-rest-proxy/6":       portDefs,
	"C/confluent-rest-proxy/7":       portDefs,
	"C/confluent-rest-proxy/8":       portDefs,
	"C/confluent-rest-proxy/9":       portDefs,
	"C/confluent-schema-registry/10": portDefs,
	"C/confluent-schema-registry/2":  portDefs,
	"C/confluent-schema-registry/3":  portDefs,
	"C/confluent-schema-registry/4":  portDefs,
	"C/confluent-schema-registry/5":  portDefs,
	"C/confluent-schema-registry/6":  portDefs,
	"C/confluent-schema-registry/7":  portDefs,
	"C/confluent-schema-registry/8":  portDefs,
	"C/confluent-schema-registry/9":  portDefs,
	"L/linkerd/10":                   preEscaping,
	"L/linkerd/4":                    preEscaping,
	"L/linkerd/5":                    preEscaping,
	"L/linkerd/6":                    preEscaping,
	"L/linkerd/7":                    preEscaping,
	"L/linkerd/8":                    preEscaping,
	"L/linkerd/9":                    preEscaping,
	"N/namerd/4":                     preEscaping,
	"N/nexclipper-agent/0":           quotedNumbers,
	"L/logstash/0":                   quotedPorts,
	"B/beta-jenkins/0":               role,
	"J/jenkins/100":                  role,
	"J/jenkins/200":                  role,
	"J/jenkins/40":                   role,
	"P/portworx-jenkins/0":           role,
	"M/marathon-slack/0":             singleInstance,
}

// TestCorpusRenderFindings checks that template/render fires on exactly
// the revisions of wantRender.
func TestCorpusRenderFindings(t *testing.T) {
	corpus := sharedtest.Corpus(t)
	tree, err := repo.Load(context.Background(), os.DirFS(corpus))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		if f.Rule == RuleTemplateRender {
			rev := strings.TrimSuffix(f.File, "/marathon.json.mustache")
			got[rev] = wantRender[rev]
			if f.Line == 0 && strings.Contains(f.Message, "(json)") {
				t.Errorf("%s: a JSON failure without a template position", f)
			}
		}
	}
	if diff := cmp.Diff(wantRender, got); diff != "" {
		t.Errorf("template/render findings (-want +got):\n%s", diff)
	}
}

// BenchmarkValidateCorpus loads and validates the whole Universe corpus, as
// `universe validate` does.
func BenchmarkValidateCorpus(b *testing.B) {
	corpus := sharedtest.Corpus(b)
	fsys := repo.DirFS(corpus)
	for b.Loop() {
		tree, err := repo.Load(context.Background(), fsys)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Run(context.Background(), tree); err != nil {
			b.Fatal(err)
		}
	}
}
