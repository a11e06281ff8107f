package remote

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/trust"
)

// TrustError is the error of a signed repository that is refused: a
// signature that does not verify, an expired or rolled-back index, a file
// that does not match its signed digest. Its message names the repository
// and the key; Err is the trust error it wraps (trust.ErrSignature,
// trust.ErrExpired, trust.ErrRollback, trust.ErrConflict,
// trust.ErrFileDigest, trust.ErrEnvelope or index.ErrDigest).
type TrustError struct {
	Repository string
	// Key is the trusted key's fingerprint.
	Key string
	Err error
	msg string
}

func (e *TrustError) Error() string { return e.msg }

func (e *TrustError) Unwrap() error { return e.Err }

// signedFetch is a verified envelope as fetched.
type signedFetch struct {
	src  Source
	fp   string
	data []byte
	env  *trust.Envelope
	meta *trust.Metadata
}

func (s *signedFetch) refuse(err error, format string, args ...any) *TrustError {
	return &TrustError{Repository: s.src.Name, Key: s.fp, Err: err, msg: fmt.Sprintf(format, args...)}
}

// signedEntry is one line of the signed index digest.
type signedEntry struct {
	Name    string `json:"n"`
	Release int    `json:"r"`
	SHA256  string `json:"s"`
}

// baseURL is the directory a repository's files are served from: the URL
// without its /repo (the consumption protocol) or its file name (a
// statically hosted index.json).
func baseURL(u string) string {
	u = strings.TrimSuffix(u, "/")
	if strings.HasSuffix(u, ".json") {
		return u[:strings.LastIndex(u, "/")]
	}
	return strings.TrimSuffix(u, "/repo")
}

// maxSmallFile bounds the files get fetches before anything is verified
// (the envelope and the public key): 16 MiB, far above an envelope of the
// whole Universe corpus (168 kB).
const maxSmallFile = 16 << 20

// get fetches a small file beside the repository's index.
func (c *Client) get(ctx context.Context, url, accept string) ([]byte, int, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, fmt.Errorf("GET %s: server answered %s", url, resp.Status)
	}
	body, err := c.readBody(resp, maxSmallFile)
	return body, resp.StatusCode, err
}

// fetchSignature fetches and verifies the envelope of a signed
// repository: signature, expiry and the versions seen before.
func (c *Client) fetchSignature(ctx context.Context, src Source, pub ed25519.PublicKey) (*signedFetch, error) {
	s := &signedFetch{src: src, fp: trust.Fingerprint(pub)}
	url := baseURL(src.URL) + "/" + trust.SignatureFile
	data, status, err := c.get(ctx, url, "application/json")
	if status == http.StatusNotFound {
		return nil, s.refuse(fmt.Errorf("%w: no %s", trust.ErrSignature, trust.SignatureFile),
			"repository '%s' serves no signature (%s answered 404) but is trusted with key %s: refusing it",
			src.Name, url, trust.Short(s.fp))
	}
	if err != nil {
		return nil, fmt.Errorf("fetching the signature: %w", err)
	}
	s.data = data
	if s.env, err = trust.ParseEnvelope(data); err != nil {
		return nil, s.refuse(err, "%s of repository '%s': %v: refusing it", trust.SignatureFile, src.Name, err)
	}
	if err := c.checkEnvelope(s, pub); err != nil {
		return nil, err
	}
	return s, nil
}

// checkEnvelope verifies s.env with pub and against expiry and state,
// filling s.meta.
func (c *Client) checkEnvelope(s *signedFetch, pub ed25519.PublicKey) error {
	m, err := s.env.Verify(pub)
	if err != nil {
		if errors.Is(err, trust.ErrSignature) {
			detail := ""
			if d := strings.TrimPrefix(err.Error(), trust.ErrSignature.Error()+": "); d != err.Error() {
				detail = " (" + d + ")"
			}
			return s.refuse(err, "index signature does not verify with key %s%s: refusing repository '%s'",
				trust.Short(s.fp), detail, s.src.Name)
		}
		return s.refuse(err, "%s of repository '%s': %v: refusing it", trust.SignatureFile, s.src.Name, err)
	}
	s.meta = m
	now := c.opts.Now()
	if m.Expired(now) {
		return s.refuse(trust.ErrExpired, "signed index of '%s' (version %d, key %s) expired on %s: refusing it; the repository must be signed again",
			s.src.Name, m.Version, trust.Short(s.fp), m.Expires.Format(time.RFC3339))
	}
	seen, err := c.state.Check(trust.StateKey(s.src.URL, s.fp), m, s.env.Hash())
	switch {
	case errors.Is(err, trust.ErrRollback):
		return s.refuse(err, "repository '%s' offers index version %d, older than version %d seen on %s: refusing a rollback",
			s.src.Name, m.Version, seen.Version, seen.SeenAt.Format(time.DateOnly))
	case errors.Is(err, trust.ErrConflict):
		return s.refuse(err, "repository '%s' offers index version %d with content different from the version %d seen on %s: refusing it (a version must never be signed twice)",
			s.src.Name, m.Version, seen.Version, seen.SeenAt.Format(time.DateOnly))
	case err != nil:
		return err
	}
	return nil
}

// record remembers the accepted version.
func (c *Client) record(src Source, s *signedFetch) error {
	return c.state.Record(trust.StateKey(src.URL, s.fp), s.meta, s.env.Hash(), c.opts.Now())
}

// verifyCached checks a signed repository's cached copy: the envelope it
// was verified with (signature, expiry, versions seen), and the digests of
// its entries against the signed index digest. It fills r.Signed and the
// signed sums the packages are checked against.
func (c *Client) verifyCached(r *Repository, pub ed25519.PublicKey) (*Repository, error) {
	s := &signedFetch{src: r.Source, fp: trust.Fingerprint(pub)}
	bad := func(err error) error {
		return s.refuse(err, "the cached copy of repository '%s' does not verify with key %s: %v", r.Source.Name, trust.Short(s.fp), err)
	}
	data, err := os.ReadFile(filepath.Join(r.dir, cacheEnvelope))
	if err != nil {
		return nil, bad(fmt.Errorf("%w: %w", trust.ErrEnvelope, err))
	}
	s.data = data
	if s.env, err = trust.ParseEnvelope(data); err != nil {
		return nil, bad(err)
	}
	if err := c.checkEnvelope(s, pub); err != nil {
		return nil, err
	}
	dj, err := os.ReadFile(filepath.Join(r.dir, cacheDigests))
	if err != nil {
		return nil, bad(fmt.Errorf("%w: %w", trust.ErrFileDigest, err))
	}
	var digests []signedEntry
	if err := json.Unmarshal(dj, &digests); err != nil {
		return nil, bad(fmt.Errorf("%w: %w", trust.ErrFileDigest, err))
	}
	entries := make([]index.Entry, len(digests))
	sums := map[string]map[int]string{}
	for i, d := range digests {
		entries[i] = index.Entry{Name: d.Name, Release: d.Release, SHA256: d.SHA256}
		if sums[d.Name] == nil {
			sums[d.Name] = map[int]string{}
		}
		sums[d.Name][d.Release] = d.SHA256
	}
	if got := index.ComputeDigest(entries); got != s.meta.IndexDigest {
		return nil, bad(fmt.Errorf("%w: entry digests hash to %s, signed %s", trust.ErrFileDigest, got, s.meta.IndexDigest))
	}
	r.Signed, r.KeyFingerprint, r.sums = s.meta, s.fp, sums
	return r, nil
}

// verifyEntry checks one cached or fetched entry: against its own sha256
// and, for a signed repository, against the signed sha256 of its name and
// release.
func (r *Repository) verifyEntry(e *index.Entry) error {
	if err := e.Verify(); err != nil {
		if r.sums != nil {
			return &TrustError{Repository: r.Source.Name, Key: r.KeyFingerprint, Err: err,
				msg: fmt.Sprintf("package %s release %d of repository '%s' does not match the signed index (%v): refusing it", e.Name, e.Release, r.Source.Name, err)}
		}
		return fmt.Errorf("repository %s: %w", r.Source.Name, err)
	}
	if r.sums == nil {
		return nil
	}
	if want, ok := r.sums[e.Name][e.Release]; !ok || want != e.SHA256 {
		return &TrustError{Repository: r.Source.Name, Key: r.KeyFingerprint, Err: index.ErrDigest,
			msg: fmt.Sprintf("package %s release %d of repository '%s' has sha256 %s, the signed index (version %d, key %s) says %q: refusing it",
				e.Name, e.Release, r.Source.Name, trust.Short(e.SHA256), r.Signed.Version, trust.Short(r.KeyFingerprint), want)}
	}
	return nil
}

// FetchKey fetches the public key a repository serves (key.pub beside its
// index) and returns it when its fingerprint is, or starts with,
// fingerprint (at least 16 hex digits).
func (c *Client) FetchKey(ctx context.Context, rawURL, fingerprint string) (ed25519.PublicKey, error) {
	if !trust.IsFingerprint(fingerprint) {
		return nil, fmt.Errorf("fingerprint %q: want 16 to 64 lower-case hex digits", fingerprint)
	}
	url := baseURL(rawURL) + "/" + trust.KeyFile
	data, _, err := c.get(ctx, url, "application/x-pem-file, */*")
	if err != nil {
		return nil, fmt.Errorf("fetching the repository's key: %w", err)
	}
	pub, err := trust.ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	if !trust.MatchFingerprint(pub, fingerprint) {
		return nil, fmt.Errorf("%s is the key %s, not the trusted fingerprint %s: refusing it",
			url, trust.Short(trust.Fingerprint(pub)), fingerprint)
	}
	return pub, nil
}
