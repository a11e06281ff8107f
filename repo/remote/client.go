package remote

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/trust"
)

// Options configure a Client. Zero values take the defaults.
type Options struct {
	// HTTPClient is wrapped with retries; a client with a 60 s timeout
	// when nil.
	HTTPClient *http.Client
	// CacheDir holds fetched repositories; required.
	CacheDir string
	// MaxSize bounds a repository's index, compressed or not; 64 MiB.
	MaxSize int64
	// TTL is how long a fetched index is used without asking the server
	// again; after it, the client revalidates with If-None-Match. 5 min.
	TTL time.Duration
	// Retries is the number of retries of a failed request (network
	// errors and 5xx); 3. Backoff runs from RetryWaitMin to RetryWaitMax.
	Retries                    int
	RetryWaitMin, RetryWaitMax time.Duration
	// UserAgent is sent as Cosmos sends it: "<product>/<ver> dcos/<release>".
	UserAgent string
	// Logger receives retry attempts; nil for none.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// StateFile keeps the highest signed version accepted per signed
	// repository (rollback protection); CacheDir/signed-versions.json
	// when empty.
	StateFile string
}

// Client fetches repositories, keeps them in an on-disk cache and
// verifies native indexes.
type Client struct {
	http  *retryablehttp.Client
	opts  Options
	state *trust.State
}

// New returns a Client.
func New(opts Options) *Client {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if opts.MaxSize == 0 {
		opts.MaxSize = 64 << 20
	}
	if opts.TTL == 0 {
		opts.TTL = 5 * time.Minute
	}
	if opts.Retries == 0 {
		opts.Retries = 3
	}
	if opts.RetryWaitMin == 0 {
		opts.RetryWaitMin = 200 * time.Millisecond
	}
	if opts.RetryWaitMax == 0 {
		opts.RetryWaitMax = 2 * time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "universe/dev dcos/2.0"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StateFile == "" {
		opts.StateFile = filepath.Join(opts.CacheDir, "signed-versions.json")
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = opts.HTTPClient
	rc.RetryMax = opts.Retries
	rc.RetryWaitMin, rc.RetryWaitMax = opts.RetryWaitMin, opts.RetryWaitMax
	rc.Logger = nil
	if opts.Logger != nil {
		rc.Logger = opts.Logger
	}
	// Return the last response after the retries so its status is reported.
	rc.ErrorHandler = func(resp *http.Response, err error, tries int) (*http.Response, error) {
		if err != nil {
			return resp, fmt.Errorf("after %d attempts: %w", tries, err)
		}
		return resp, nil
	}
	return &Client{http: rc, opts: opts, state: trust.OpenState(opts.StateFile)}
}

// Accept is what the client sends: every index version it reads, the
// native one first.
var Accept = strings.Join([]string{index.MediaType(6), index.MediaType(5), index.MediaType(4), index.MediaType(3)}, ",")

// Errors of Open.
var (
	ErrUnsupportedType = errors.New("unsupported content type")
	ErrTooLarge        = errors.New("repository index too large")
)

// Repository is a fetched repository, read from the cache on demand.
type Repository struct {
	Source Source
	// Media is the index's media-type version (3 to 6).
	Media int
	// FetchedAt is when the index was last fetched or revalidated.
	FetchedAt time.Time
	// Stale is why a cached copy is used although it could not be
	// revalidated; nil when it is current.
	Stale error
	// Corrupted lists the packages left out because an entry's content
	// did not match its sha256.
	Corrupted []error

	// Signed is the verified signed document of a signed repository; nil
	// for an unsigned one.
	Signed *trust.Metadata
	// KeyFingerprint is the fingerprint of the key Signed verified with.
	KeyFingerprint string

	dir  string
	bad  []string
	mu   sync.Mutex
	memo map[string]*index.Index
	// sums are the signed sha256 of every revision, by name and release,
	// for a signed repository.
	sums map[string]map[int]string
}

type cacheMeta struct {
	URL         string    `json:"url"`
	ETag        string    `json:"etag,omitempty"`
	Media       int       `json:"media"`
	FetchedAt   time.Time `json:"fetchedAt"`
	Digest      string    `json:"digest,omitempty"`
	GeneratedAt string    `json:"generatedAt,omitempty"`
	Corrupted   []string  `json:"corrupted,omitempty"`
	BadPackages []string  `json:"badPackages,omitempty"`
	// Envelope is the sha256 of the signed document the cached files were
	// verified with (signed repositories).
	Envelope string `json:"envelope,omitempty"`
}

// Files a signed repository's cache keeps beside the summary: the
// envelope as fetched, and every entry's name, release and sha256 in index
// order, which must hash to the signed index digest.
const (
	cacheEnvelope = "index.sig.json"
	cacheDigests  = "digests.json"
)

// summary is what the cache keeps about one revision, for listing and
// searching without reading the packages.
type summary struct {
	Name             string   `json:"name"`
	Version          string   `json:"version"`
	Release          int      `json:"releaseVersion"`
	PackagingVersion string   `json:"packagingVersion,omitempty"`
	Description      string   `json:"description,omitempty"`
	Tags             []string `json:"tags,omitempty"`
	Selected         bool     `json:"selected,omitempty"`
	Framework        bool     `json:"framework,omitempty"`
	SHA256           string   `json:"sha256,omitempty"`
}

func (c *Client) cacheDir(src Source) string {
	h := sha256.Sum256([]byte(src.URL))
	return filepath.Join(c.opts.CacheDir, "repos", hex.EncodeToString(h[:8]))
}

// Open returns the repository src, from the cache while it is fresher than
// the TTL, else fetched (with If-None-Match when cached). When the server
// fails and a cached copy exists, that copy is returned with Stale set.
//
// A source with a PublicKey is signed: its envelope must verify with that
// key, be unexpired and not older than the version seen before, and every
// file must match its signed digest; otherwise Open returns a *TrustError
// and never falls back to the cache. A cached copy that no longer
// verifies (tampered with, expired) is fetched again.
func (c *Client) Open(ctx context.Context, src Source) (*Repository, error) {
	pub, err := src.Key()
	if err != nil {
		return nil, err
	}
	dir := c.cacheDir(src)
	meta, _ := readMeta(dir)
	var cached *Repository
	var cacheErr error
	if meta != nil && meta.URL == src.URL {
		cached = c.cached(src, dir, meta)
		if pub != nil {
			if cached, cacheErr = c.verifyCached(cached, pub); cacheErr != nil {
				cached, meta = nil, nil // not usable: fetch it all again
			}
		}
	} else {
		meta = nil
	}
	if cached != nil && c.opts.Now().Sub(meta.FetchedAt) < c.opts.TTL {
		return cached, nil
	}
	r, err := c.fetch(ctx, src, dir, meta, pub)
	if err != nil {
		var te *TrustError
		if errors.As(err, &te) {
			return nil, err
		}
		if cached != nil && ctx.Err() == nil {
			cached.Stale = err
			return cached, nil
		}
		if cacheErr != nil {
			return nil, fmt.Errorf("repository %s (%s): %w; and the cached copy is refused: %w", src.Name, src.URL, err, cacheErr)
		}
		return nil, fmt.Errorf("repository %s (%s): %w", src.Name, src.URL, err)
	}
	return r, nil
}

func (c *Client) cached(src Source, dir string, m *cacheMeta) *Repository {
	r := &Repository{Source: src, Media: m.Media, FetchedAt: m.FetchedAt, dir: dir, bad: m.BadPackages}
	for _, s := range m.Corrupted {
		r.Corrupted = append(r.Corrupted, errors.New(s))
	}
	return r
}

func readMeta(dir string) (*cacheMeta, error) {
	data, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, err
	}
	m := &cacheMeta{}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
		return nil, err
	}
	return m, nil
}

func (c *Client) fetch(ctx context.Context, src Source, dir string, meta *cacheMeta, pub ed25519.PublicKey) (*Repository, error) {
	var sig *signedFetch
	if pub != nil {
		var err error
		if sig, err = c.fetchSignature(ctx, src, pub); err != nil {
			return nil, err
		}
		if meta != nil && meta.Envelope == sig.env.Hash() {
			// The same generation as the cache: nothing else to fetch.
			r, err := c.verifyCached(c.cached(src, dir, meta), pub)
			if err != nil {
				return nil, err
			}
			meta.FetchedAt = c.opts.Now()
			r.FetchedAt = meta.FetchedAt
			if err := writeJSONFile(filepath.Join(dir, "meta.json"), meta); err != nil {
				return nil, err
			}
			return r, c.record(src, sig)
		}
		meta = nil // another generation: no If-None-Match
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", Accept)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if meta != nil && meta.ETag != "" && meta.URL == src.URL {
		req.Header.Set("If-None-Match", meta.ETag)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && meta != nil {
		meta.FetchedAt = c.opts.Now()
		if err := writeJSONFile(filepath.Join(dir, "meta.json"), meta); err != nil {
			return nil, err
		}
		return c.cached(src, dir, meta), nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("server answered %s", resp.Status)
	}
	media, err := mediaVersion(resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	var signed *trust.Metadata
	if sig != nil {
		signed = sig.meta
	}
	body, mismatch, err := c.readSigned(resp, signed, index.NativeFile)
	if err != nil {
		return nil, err
	}
	if sig != nil {
		if media != 6 {
			return nil, sig.refuse(fmt.Errorf("%w: a v%d index", trust.ErrFileDigest, media),
				"repository '%s' is signed but answered a v%d index, not its signed native index: refusing it", src.Name, media)
		}
		if mismatch != nil {
			return nil, sig.refuse(mismatch, "%s of repository '%s' does not match its signed index version %d (%v): files from different generations or tampered; refusing the repository",
				index.NativeFile, src.Name, sig.meta.Version, mismatch)
		}
	}
	ix, err := index.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("decoding the index: %w", err)
	}
	if sig != nil {
		if err := index.VerifyAll(ix); err != nil {
			return nil, sig.refuse(err, "signed index of repository '%s' is inconsistent: %v", src.Name, err)
		}
		if ix.Digest != sig.meta.IndexDigest {
			return nil, sig.refuse(trust.ErrFileDigest, "index digest of repository '%s' is %s, the signature says %s: refusing it",
				src.Name, ix.Digest, sig.meta.IndexDigest)
		}
	}
	m := &cacheMeta{URL: src.URL, ETag: resp.Header.Get("ETag"), Media: media, FetchedAt: c.opts.Now(),
		Digest: ix.Digest, GeneratedAt: ix.GeneratedAt}
	bad := map[string]bool{}
	if media == 6 {
		if ix.Version != "v6" {
			return nil, fmt.Errorf("%w: a v6 index without \"version\": \"v6\"", ErrUnsupportedType)
		}
		if got := digestOf(ix.Entries); got != ix.Digest {
			return nil, fmt.Errorf("index digest is %s, the index says %s", got, ix.Digest)
		}
		for i := range ix.Entries {
			if err := ix.Entries[i].Verify(); err != nil {
				if !bad[ix.Entries[i].Name] {
					m.BadPackages = append(m.BadPackages, ix.Entries[i].Name)
				}
				bad[ix.Entries[i].Name] = true
				m.Corrupted = append(m.Corrupted, err.Error())
			}
		}
	}
	var extra map[string][]byte
	if sig != nil {
		m.Envelope = sig.env.Hash()
		digests := make([]signedEntry, len(ix.Entries))
		for i, e := range ix.Entries {
			digests[i] = signedEntry{e.Name, e.Release, e.SHA256}
		}
		dj, err := json.Marshal(digests)
		if err != nil {
			return nil, fmt.Errorf("caching: %w", err)
		}
		extra = map[string][]byte{cacheEnvelope: sig.data, cacheDigests: dj}
	}
	if err := writeCache(dir, ix, bad, m, extra); err != nil {
		return nil, err
	}
	r := c.cached(src, dir, m)
	if sig != nil {
		r, err = c.verifyCached(r, pub)
		if err != nil {
			return nil, err
		}
		if err := c.record(src, sig); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// digestOf is the native index's top-level digest over its entries.
func digestOf(entries []index.Entry) string { return index.ComputeDigest(entries) }

func mediaVersion(ct string) (int, error) {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/vnd.dcos.universe.repo+json" {
		switch params["version"] {
		case "v3":
			return 3, nil
		case "v4":
			return 4, nil
		case "v5":
			return 5, nil
		case "v6":
			return 6, nil
		}
	}
	return 0, fmt.Errorf("%w %q: want %s (v3 to v6)", ErrUnsupportedType, ct, index.MediaTypePrefix)
}

// readSigned reads the answer for the repository file name. When signed
// (which may be nil) signs the repository, the file is read no further than
// its signed size — TUF's endless-data attack — and mismatch is set, wrapping
// trust.ErrFileDigest, when the file is longer, or when it does not match
// its signed size and sha256.
func (c *Client) readSigned(resp *http.Response, signed *trust.Metadata, name string) (body []byte, mismatch, err error) {
	if signed == nil {
		body, err = c.readBody(resp, 0)
		return body, nil, err
	}
	f := signed.Files[name] // unsigned: Check says so below
	body, err = c.readBody(resp, f.Size)
	if errors.Is(err, ErrTooLarge) && f.Size > 0 {
		return nil, fmt.Errorf("%s: %w: more than the signed %d bytes", name, trust.ErrFileDigest, f.Size), nil
	}
	if err != nil {
		return nil, nil, err
	}
	return body, signed.Check(name, body), nil
}

// readBody reads an answer of at most limit bytes once decompressed (a
// file's signed size), or Options.MaxSize when limit is 0. What comes over
// the wire is bounded by Options.MaxSize, compressed or not: a gzipped
// small file can be larger than the file.
func (c *Client) readBody(resp *http.Response, limit int64) ([]byte, error) {
	max := c.opts.MaxSize
	if limit <= 0 || limit > max {
		limit = max
	}
	enc := strings.ToLower(resp.Header.Get("Content-Encoding"))
	wire := max
	if enc == "" || enc == "identity" {
		wire = limit
	}
	if resp.ContentLength > wire {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, resp.ContentLength, wire)
	}
	var r io.Reader = io.LimitReader(resp.Body, wire+1)
	switch enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("reading the index: %w", err)
		}
		r = io.LimitReader(zr, limit+1)
	default:
		return nil, fmt.Errorf("unsupported content encoding %q", enc)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading the index: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
	}
	return body, nil
}

// writeCache writes the repository's summary and one file per package
// into a fresh directory, then swaps it in.
func writeCache(dir string, ix *index.Index, bad map[string]bool, m *cacheMeta, extra map[string][]byte) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("caching: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("caching: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(filepath.Join(tmp, "packages"), 0o755); err != nil {
		return fmt.Errorf("caching: %w", err)
	}
	var sums []summary
	groups := map[string][][]byte{}
	var order []string
	for _, e := range ix.Entries {
		if bad[e.Name] || !namePattern.MatchString(e.Name) {
			continue
		}
		sums = append(sums, summary{Name: e.Name, Version: e.Version, Release: e.Release, PackagingVersion: e.PackagingVersion,
			Description: e.Description, Tags: e.Tags, Selected: e.Selected, Framework: e.Framework, SHA256: e.SHA256})
		if _, ok := groups[e.Name]; !ok {
			order = append(order, e.Name)
		}
		groups[e.Name] = append(groups[e.Name], e.Raw)
	}
	for _, name := range order {
		var b bytes.Buffer
		b.WriteString(`{"packages": [`)
		for i, raw := range groups[name] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.Write(raw)
		}
		b.WriteString("]}")
		if err := os.WriteFile(filepath.Join(tmp, "packages", name+".json"), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("caching: %w", err)
		}
	}
	if err := writeJSONFile(filepath.Join(tmp, "summary.json"), sums); err != nil {
		return err
	}
	for name, data := range extra {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return fmt.Errorf("caching: %w", err)
		}
	}
	if err := writeJSONFile(filepath.Join(tmp, "meta.json"), m); err != nil {
		return err
	}
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("caching: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("caching: %w", err)
	}
	os.RemoveAll(old)
	return nil
}

func writeJSONFile(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("caching: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("caching: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("caching: %w", err)
	}
	return nil
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

// Name returns the repository's configured name.
func (r *Repository) Name() string { return r.Source.Name }

// Summaries returns every revision the repository offers.
func (r *Repository) Summaries(ctx context.Context) ([]catalog.Summary, error) {
	s, err := r.summaries()
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Summary, 0, len(s))
	for _, e := range s {
		if r.sums != nil && r.sums[e.Name][e.Release] != e.SHA256 {
			continue // not a signed revision
		}
		out = append(out, catalog.Summary{Name: e.Name, Version: e.Version, Release: e.Release, Description: e.Description,
			Tags: e.Tags, Selected: e.Selected, Framework: e.Framework})
	}
	return out, nil
}

// Package returns the package called name, reading only that package's
// cached file; for a native index each revision is verified against its
// sha256 again. It returns (nil, nil) when the repository has no such
// package, and an error wrapping index.ErrDigest for corrupted content.
func (r *Repository) Package(ctx context.Context, name string) (*repo.Package, error) {
	ix, err := r.packageIndex(name)
	if err != nil || ix == nil {
		return nil, err
	}
	if r.Media == 6 {
		for i := range ix.Entries {
			if err := r.verifyEntry(&ix.Entries[i]); err != nil {
				return nil, err
			}
		}
	}
	p, err := index.Package(ctx, name, ix.Entries)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", r.Source.Name, err)
	}
	return p, nil
}

var _ catalog.Source = (*Repository)(nil)

// Releases lists the revisions of the package called name from its cached
// file alone.
func (r *Repository) Releases(ctx context.Context, name string) ([]catalog.Release, error) {
	ix, err := r.packageIndex(name)
	if err != nil || ix == nil {
		return nil, err
	}
	rs := make([]catalog.Release, 0, len(ix.Entries))
	for _, e := range ix.Entries {
		if r.sums != nil && r.sums[name][e.Release] != e.SHA256 {
			continue // not signed: Revision would refuse it
		}
		rs = append(rs, catalog.Release{Release: e.Release, Version: e.Version, Yanked: e.Yanked})
	}
	slices.SortFunc(rs, func(a, b catalog.Release) int { return a.Release - b.Release })
	return rs, nil
}

// Revision returns one revision in full, verified against its sha256 for a
// native index; only that entry is decoded.
func (r *Repository) Revision(ctx context.Context, name string, release int) (*repo.Revision, error) {
	ix, err := r.packageIndex(name)
	if err != nil {
		return nil, err
	}
	if ix != nil {
		for i := range ix.Entries {
			e := &ix.Entries[i]
			if e.Release != release {
				continue
			}
			if r.Media == 6 {
				if err := r.verifyEntry(e); err != nil {
					return nil, err
				}
			}
			p, err := index.Package(ctx, name, []index.Entry{*e})
			if err != nil {
				return nil, fmt.Errorf("repository %s: %w", r.Source.Name, err)
			}
			return p.Revisions[0], nil
		}
	}
	return nil, fmt.Errorf("repository %s: package %s release %d: %w", r.Source.Name, name, release, catalog.ErrPackageNotFound)
}

// packageIndex decodes the package's cached file once; nil when the
// repository does not have the package.
func (r *Repository) packageIndex(name string) (*index.Index, error) {
	if !namePattern.MatchString(name) {
		return nil, nil
	}
	if slices.Contains(r.bad, name) {
		return nil, fmt.Errorf("repository %s: package %s: %w: left out as corrupted", r.Source.Name, name, index.ErrDigest)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ix, ok := r.memo[name]; ok {
		return ix, nil
	}
	data, err := os.ReadFile(filepath.Join(r.dir, "packages", name+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", r.Source.Name, err)
	}
	ix, err := index.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("repository %s: package %s: %w", r.Source.Name, name, err)
	}
	if r.memo == nil {
		r.memo = map[string]*index.Index{}
	}
	r.memo[name] = ix
	return ix, nil
}

// FetchPackage fetches one package's native split file from the server
// (<base>/package/<name> beside the repository's /repo URL) instead of the
// whole index, and verifies every revision in it against the sha256 the
// repository's native index recorded for it, not only against the
// entry's own sha256 member. It needs a v6 repository opened before.
func (c *Client) FetchPackage(ctx context.Context, r *Repository, name string) (*repo.Package, error) {
	if r.Media != 6 {
		return nil, fmt.Errorf("repository %s: package files are verified only for native (v6) repositories", r.Source.Name)
	}
	if !namePattern.MatchString(name) {
		return nil, fmt.Errorf("repository %s: invalid package name %q", r.Source.Name, name)
	}
	want := map[int]string{}
	sums, err := r.summaries()
	if err != nil {
		return nil, err
	}
	for _, s := range sums {
		if s.Name == name {
			want[s.Release] = s.SHA256
		}
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("repository %s: package [%s]: %w", r.Source.Name, name, catalog.ErrPackageNotFound)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, baseURL(r.Source.URL)+"/package/"+name, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", index.MediaType(6))
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("repository %s: package %s: %w", r.Source.Name, name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("repository %s: package %s: server answered %s", r.Source.Name, name, resp.Status)
	}
	if mv, err := mediaVersion(resp.Header.Get("Content-Type")); err != nil || mv != 6 {
		return nil, fmt.Errorf("repository %s: package %s: %w %q", r.Source.Name, name, ErrUnsupportedType, resp.Header.Get("Content-Type"))
	}
	file := index.SplitFile(index.NativeDir, name)
	body, mismatch, err := c.readSigned(resp, r.Signed, file)
	if err != nil {
		return nil, fmt.Errorf("repository %s: package %s: %w", r.Source.Name, name, err)
	}
	if mismatch != nil {
		return nil, &TrustError{Repository: r.Source.Name, Key: r.KeyFingerprint, Err: mismatch,
			msg: fmt.Sprintf("package file %s of repository '%s' does not match the signed index version %d (%v): files from different generations or tampered; refusing it",
				file, r.Source.Name, r.Signed.Version, mismatch)}
	}
	ix, err := index.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("repository %s: package %s: %w", r.Source.Name, name, err)
	}
	for i := range ix.Entries {
		e := &ix.Entries[i]
		if e.Name != name {
			return nil, fmt.Errorf("repository %s: package %s: the file holds %s", r.Source.Name, name, e.Name)
		}
		if err := r.verifyEntry(e); err != nil {
			return nil, err
		}
		if sum, ok := want[e.Release]; !ok || sum != e.SHA256 {
			return nil, fmt.Errorf("repository %s: %s release %d: %w: the index says %q", r.Source.Name, name, e.Release, index.ErrDigest, sum)
		}
	}
	return index.Package(ctx, name, ix.Entries)
}

func (r *Repository) summaries() ([]summary, error) {
	data, err := os.ReadFile(filepath.Join(r.dir, "summary.json"))
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", r.Source.Name, err)
	}
	var s []summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("repository %s: cache: %w", r.Source.Name, err)
	}
	return s, nil
}
