package trust

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Fingerprint returns a public key's fingerprint: the hex sha256 of its
// raw 32 bytes. It is also the key id in signatures.
func Fingerprint(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:])
}

// Short returns the display form of a fingerprint: its first 16 hex
// digits and an ellipsis.
func Short(fingerprint string) string {
	if len(fingerprint) <= 16 {
		return fingerprint
	}
	return fingerprint[:16] + "…"
}

var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{16,64}$`)

// IsFingerprint reports whether s has the form of a fingerprint or of a
// prefix of one that is long enough to trust: 16 to 64 lower-case hex
// digits.
func IsFingerprint(s string) bool { return fingerprintPattern.MatchString(s) }

// MatchFingerprint reports whether the key's fingerprint is fp or starts
// with it; fp must be at least 16 hex digits (IsFingerprint).
func MatchFingerprint(pub ed25519.PublicKey, fp string) bool {
	return IsFingerprint(fp) && strings.HasPrefix(Fingerprint(pub), fp)
}

// ErrKeyExists is returned by GenerateKey when a key file is present and
// overwriting was not asked for.
var ErrKeyExists = errors.New("key file exists")

// KeyFiles are the files GenerateKey writes for a prefix.
func KeyFiles(prefix string) (private, public string) { return prefix + ".key", prefix + ".pub" }

// GenerateKey creates an ed25519 key pair and writes PREFIX.key (PKCS#8
// "PRIVATE KEY" PEM, mode 0600, created exclusively) and PREFIX.pub (PKIX
// "PUBLIC KEY" PEM). Existing files are refused with ErrKeyExists unless
// force. It returns the public key.
func GenerateKey(prefix string, force bool) (ed25519.PublicKey, error) {
	privPath, pubPath := KeyFiles(prefix)
	if !force {
		for _, p := range []string{privPath, pubPath} {
			if _, err := os.Lstat(p); err == nil {
				return nil, fmt.Errorf("%s: %w (use --force to replace it)", p, ErrKeyExists)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(privPath), 0o700); err != nil {
		return nil, fmt.Errorf("creating the key directory: %w", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating a key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encoding the private key: %w", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		// Remove rather than truncate, so that the new file is created
		// with mode 0600 whatever the old one had.
		if err := os.Remove(privPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("replacing %s: %w", privPath, err)
		}
	}
	f, err := os.OpenFile(privPath, flags, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%s: %w (use --force to replace it)", privPath, ErrKeyExists)
		}
		return nil, fmt.Errorf("writing the private key: %w", err)
	}
	_, err = f.Write(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(privPath)
		return nil, fmt.Errorf("writing the private key %s: %w", privPath, err)
	}
	pubPEM, err := MarshalPublicKey(pub)
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(pubPath, pubPEM, 0o644); err != nil {
		return nil, fmt.Errorf("writing the public key: %w", err)
	}
	return pub, nil
}

// MarshalPublicKey encodes a public key as a PKIX "PUBLIC KEY" PEM block.
func MarshalPublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding the public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKey decodes a PKIX "PUBLIC KEY" PEM block holding an ed25519
// key.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM \"PUBLIC KEY\" block")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("decoding the public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("a %T public key, want ed25519", k)
	}
	return pub, nil
}

// ReadPublicKey reads a public key file written by GenerateKey.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the public key: %w", err)
	}
	pub, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}

// ReadPrivateKey reads a private key file written by GenerateKey (PKCS#8
// "PRIVATE KEY" PEM holding an ed25519 key).
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: not a PEM \"PRIVATE KEY\" block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: a %T key, want ed25519", path, k)
	}
	return priv, nil
}

// writeAtomic writes data to path through a temporary file renamed into
// place.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
