package trust

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/universe-pm/universe/repo/index"
)

// Names of the files Sign writes into a built repository.
const (
	// SignatureFile is the signed envelope.
	SignatureFile = "index.sig.json"
	// KeyFile is the public key the envelope verifies with, served so
	// that clients can trust a repository by fingerprint.
	KeyFile = "key.pub"
)

// MetadataType is the "_type" of the signed document; FormatVersion its
// format version.
const (
	MetadataType  = "universe-repository"
	FormatVersion = 1
)

// Envelope is the content of SignatureFile. Signed holds the JSON text of
// the Metadata as a string, so that the signed bytes are exactly the bytes
// transmitted and no canonical JSON form is needed.
type Envelope struct {
	Signed     string      `json:"signed"`
	Signatures []Signature `json:"signatures"`
}

// Signature is one signature over the bytes of Envelope.Signed.
type Signature struct {
	// KeyID is the signing key's Fingerprint.
	KeyID string `json:"keyid"`
	// Sig is the ed25519 signature, standard base64.
	Sig string `json:"sig"`
}

// Metadata is the signed document: what a client needs to know that the
// files it fetched belong to one generation of the repository, and that
// the generation is current.
type Metadata struct {
	Type          string `json:"_type"`
	FormatVersion int    `json:"formatVersion"`
	// Version increases with every signing; clients refuse a lower one
	// than they have seen.
	Version  int64     `json:"version"`
	SignedAt time.Time `json:"signedAt"`
	Expires  time.Time `json:"expires"`
	// IndexDigest is the native index's top-level "digest" (over every
	// entry's name, release and sha256).
	IndexDigest string `json:"indexDigest"`
	// Files maps every file of the repository (slash-separated, relative
	// to its directory), but the envelope and the key, to its digest.
	Files map[string]FileMeta `json:"files"`
}

// FileMeta is a file's sha256 (hex) and size.
type FileMeta struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Errors of verification, wrapped with the details.
var (
	// ErrSignature: no signature by the trusted key, or one that does not
	// verify.
	ErrSignature = errors.New("signature does not verify")
	// ErrExpired: the envelope's expiry date has passed.
	ErrExpired = errors.New("signed index expired")
	// ErrRollback: a lower version than one seen before.
	ErrRollback = errors.New("rollback")
	// ErrConflict: the version seen before, with different content.
	ErrConflict = errors.New("same version, different content")
	// ErrFileDigest: a file does not match its signed digest, or is not
	// signed at all.
	ErrFileDigest = errors.New("file does not match the signed index")
	// ErrEnvelope: the envelope or its document does not decode.
	ErrEnvelope = errors.New("invalid signed envelope")
)

// Hash returns the hex sha256 of data.
func Hash(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// ParseEnvelope decodes an envelope without verifying it.
func ParseEnvelope(data []byte) (*Envelope, error) {
	var e Envelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEnvelope, err)
	}
	if e.Signed == "" {
		return nil, fmt.Errorf("%w: no \"signed\" document", ErrEnvelope)
	}
	return &e, nil
}

// Metadata decodes the signed document without verifying the signature
// (Verify does both).
func (e *Envelope) Metadata() (*Metadata, error) {
	var m Metadata
	if err := json.Unmarshal([]byte(e.Signed), &m); err != nil {
		return nil, fmt.Errorf("%w: the signed document: %w", ErrEnvelope, err)
	}
	if m.Type != MetadataType {
		return nil, fmt.Errorf("%w: \"_type\" is %q, want %q", ErrEnvelope, m.Type, MetadataType)
	}
	if m.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%w: format version %d, this client reads %d", ErrEnvelope, m.FormatVersion, FormatVersion)
	}
	if m.Version < 1 {
		return nil, fmt.Errorf("%w: version %d, want 1 or more", ErrEnvelope, m.Version)
	}
	return &m, nil
}

// Verify checks that the envelope carries a valid signature by pub and
// returns the signed document. It returns an error wrapping ErrSignature
// when it does not, ErrEnvelope when the document does not decode.
func (e *Envelope) Verify(pub ed25519.PublicKey) (*Metadata, error) {
	fp := Fingerprint(pub)
	var others []string
	for _, s := range e.Signatures {
		if s.KeyID != fp {
			others = append(others, Short(s.KeyID))
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil || !ed25519.Verify(pub, []byte(e.Signed), sig) {
			return nil, ErrSignature
		}
		return e.Metadata()
	}
	if len(others) > 0 {
		return nil, fmt.Errorf("%w: the index is signed by key %s", ErrSignature, strings.Join(others, ", "))
	}
	return nil, fmt.Errorf("%w: no signature", ErrSignature)
}

// Hash is the sha256 of the signed document: two envelopes with the same
// version and different hashes sign different content.
func (e *Envelope) Hash() string { return Hash([]byte(e.Signed)) }

// Check verifies data, fetched as the repository file name, against its
// signed digest and size; it returns an error wrapping ErrFileDigest.
func (m *Metadata) Check(name string, data []byte) error {
	f, ok := m.Files[name]
	if !ok {
		return fmt.Errorf("%s: %w: not signed", name, ErrFileDigest)
	}
	if int64(len(data)) != f.Size {
		return fmt.Errorf("%s: %w: %d bytes, signed %d", name, ErrFileDigest, len(data), f.Size)
	}
	if got := Hash(data); got != f.SHA256 {
		return fmt.Errorf("%s: %w: sha256 %s, signed %s", name, ErrFileDigest, Short(got), Short(f.SHA256))
	}
	return nil
}

// Expired reports whether the document's expiry is before now.
func (m *Metadata) Expired(now time.Time) bool { return now.After(m.Expires) }

// SignOptions adjust Sign.
type SignOptions struct {
	// Version is the version to sign; 0 for one more than Previous (or
	// than the envelope in the directory), else 1. It must be above the
	// version of the envelope in the directory.
	Version int64
	// Previous is the version signed before, when the envelope in the
	// directory is gone (a rebuild replaced it); 0 when unknown.
	Previous int64
	// Expires is the expiry date; ExpiresIn from now when zero
	// (DefaultExpiry when that is zero too).
	Expires   time.Time
	ExpiresIn time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultExpiry is how long a signature is valid by default: 90 days.
const DefaultExpiry = 90 * 24 * time.Hour

// PreviousVersion returns the version of the envelope in the built
// repository dir without verifying it; 0 when there is none.
func PreviousVersion(dir string) (int64, error) {
	data, err := os.ReadFile(filepath.Join(dir, SignatureFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the previous signature: %w", err)
	}
	e, err := ParseEnvelope(data)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", filepath.Join(dir, SignatureFile), err)
	}
	m, err := e.Metadata()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", filepath.Join(dir, SignatureFile), err)
	}
	return m.Version, nil
}

// Sign signs the repository built in dir with key: it checks the native
// index (every entry against its sha256, the top-level digest), hashes
// every file, and writes SignatureFile and KeyFile into dir atomically.
// Hidden files are neither signed nor served.
func Sign(ctx context.Context, dir string, key ed25519.PrivateKey, opts SignOptions) (*Metadata, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now().UTC().Truncate(time.Second)
	m := &Metadata{Type: MetadataType, FormatVersion: FormatVersion, Version: opts.Version, SignedAt: t,
		Expires: opts.Expires.UTC(), Files: map[string]FileMeta{}}
	prev, err := PreviousVersion(dir)
	if err != nil {
		return nil, err
	}
	if m.Version == 0 {
		m.Version = max(prev, opts.Previous) + 1
	} else if m.Version <= prev {
		return nil, fmt.Errorf("version %d is not above version %d signed in %s: clients that have seen version %d would refuse it", m.Version, prev, dir, prev)
	}
	if m.Version < 1 {
		return nil, fmt.Errorf("version %d: want 1 or more", m.Version)
	}
	if m.Expires.IsZero() {
		d := opts.ExpiresIn
		if d == 0 {
			d = DefaultExpiry
		}
		m.Expires = t.Add(d)
	}
	if !m.Expires.After(t) {
		return nil, fmt.Errorf("expiry %s is not in the future", m.Expires.Format(time.RFC3339))
	}
	native, err := os.ReadFile(filepath.Join(dir, index.NativeFile))
	if err != nil {
		return nil, fmt.Errorf("signing %s: no native index (build it with universe repo build): %w", dir, err)
	}
	ix, err := index.Decode(native)
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", filepath.Join(dir, index.NativeFile), err)
	}
	if err := index.VerifyAll(ix); err != nil {
		return nil, fmt.Errorf("signing %s: %w", filepath.Join(dir, index.NativeFile), err)
	}
	m.IndexDigest = ix.Digest
	type seenFile struct {
		fi   fs.FileInfo
		meta FileMeta
	}
	linked := map[int64][]seenFile{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == SignatureFile || rel == KeyFile {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		// Build hard-links split files that repeat across DC/OS releases:
		// hash each file once.
		for _, l := range linked[fi.Size()] {
			if os.SameFile(l.fi, fi) {
				m.Files[rel] = l.meta
				return nil
			}
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fm := FileMeta{SHA256: Hash(data), Size: int64(len(data))}
		m.Files[rel] = fm
		linked[fi.Size()] = append(linked[fi.Size()], seenFile{fi, fm})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", dir, err)
	}
	env, err := Seal(m, key)
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	pubPEM, err := MarshalPublicKey(key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(dir, KeyFile), pubPEM, 0o644); err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, SignatureFile), append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return m, nil
}

// Seal serialises m and signs it with key.
func Seal(m *Metadata, key ed25519.PrivateKey) (*Envelope, error) {
	signed, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	pub := key.Public().(ed25519.PublicKey)
	return &Envelope{Signed: string(signed), Signatures: []Signature{{
		KeyID: Fingerprint(pub),
		Sig:   base64.StdEncoding.EncodeToString(ed25519.Sign(key, signed)),
	}}}, nil
}

// SortedFiles returns the names of the signed files in order.
func (m *Metadata) SortedFiles() []string {
	names := make([]string, 0, len(m.Files))
	for n := range m.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
