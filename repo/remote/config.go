package remote

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/universe-pm/universe/repo/trust"
)

// BuiltinName and BuiltinURL name the built-in repository (the packages
// embedded in the binary) in the repository list.
const (
	BuiltinName = "builtin"
	BuiltinURL  = "builtin:"
)

// Source is one configured repository.
type Source struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// PublicKey is the PEM "PUBLIC KEY" the repository's signed index
	// must verify with; empty for an unsigned (unverified) repository.
	PublicKey string `json:"publicKey,omitempty"`
}

// Key decodes PublicKey; nil for an unsigned repository.
func (s Source) Key() (ed25519.PublicKey, error) {
	if s.PublicKey == "" {
		return nil, nil
	}
	pub, err := trust.ParsePublicKey([]byte(s.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("repository %s: the trusted key in the configuration: %w", s.Name, err)
	}
	return pub, nil
}

// Trust describes how the repository is verified: the trusted key's
// fingerprint, "unsigned", or "embedded index" for the built-in
// repository.
func (s Source) Trust() string {
	if s.Builtin() {
		return "embedded index"
	}
	pub, err := s.Key()
	if err != nil {
		return "invalid key"
	}
	if pub == nil {
		return "unsigned"
	}
	return trust.Fingerprint(pub)
}

// Builtin reports whether the source is the built-in repository.
func (s Source) Builtin() bool { return s.URL == BuiltinURL }

// Config is the user's configuration file: the ordered repository list,
// highest priority first.
type Config struct {
	Repositories []Source `json:"repositories"`
}

// DefaultConfig is the configuration without a file: the built-in
// repository alone.
func DefaultConfig() *Config {
	return &Config{Repositories: []Source{{Name: BuiltinName, URL: BuiltinURL}}}
}

// Errors of Add and Remove.
var (
	ErrDuplicate    = errors.New("already configured")
	ErrNoRepository = errors.New("no such repository")
)

// ConfigPath returns the configuration file's path: flag when non-empty,
// else $UNIVERSE_CONFIG, else $XDG_CONFIG_HOME/universe/config.json (with
// XDG's ~/.config default).
func ConfigPath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if p := os.Getenv("UNIVERSE_CONFIG"); p != "" {
		return p, nil
	}
	return configFile("config.json")
}

// configFile returns $XDG_CONFIG_HOME/universe/name, with XDG's ~/.config
// default.
func configFile(name string) (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("locating the configuration: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "universe", name), nil
}

// StateFile returns the file that keeps the highest signed version seen
// per signed repository: $XDG_CONFIG_HOME/universe/signed-versions.json
// (with XDG's ~/.config default). It lives with the configuration, not in
// the cache, so that clearing the cache does not reopen rollbacks.
func StateFile() (string, error) { return configFile("signed-versions.json") }

// CacheDir returns $XDG_CACHE_HOME/universe (with XDG's ~/.cache default).
func CacheDir() (string, error) {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("locating the cache: %w", err)
		}
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "universe"), nil
}

// LoadConfig reads the configuration at path; a missing file is the
// DefaultConfig.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultConfig(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	c := &Config{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("reading configuration %s: %w", path, err)
	}
	return c, nil
}

// Save writes the configuration to path atomically.
func (c *Config) Save(path string) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("saving configuration: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("saving configuration: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.json")
	if err != nil {
		return fmt.Errorf("saving configuration: %w", err)
	}
	_, err = tmp.Write(append(data, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("saving configuration: %w", err)
	}
	return nil
}

// Add inserts a repository at index (0 is the highest priority; -1 or the
// length of the list mean the end, but before the built-in repository,
// which stays last). The URL must be http or https, or BuiltinURL to restore the
// built-in repository. Names and URLs are unique (ErrDuplicate).
func (c *Config) Add(name, rawURL string, index int) error {
	return c.AddSource(Source{Name: name, URL: rawURL}, index)
}

// AddSource is Add for a source that may carry a trusted key.
func (c *Config) AddSource(src Source, index int) error {
	name, rawURL := src.Name, src.URL
	if name == "" {
		return errors.New("repository name is empty")
	}
	if _, err := src.Key(); err != nil {
		return err
	}
	if src.PublicKey != "" && rawURL == BuiltinURL {
		return errors.New("the built-in repository is verified against its embedded index, not a key")
	}
	if rawURL != BuiltinURL {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("repository URL %q: must be an http or https URL", rawURL)
		}
	}
	for _, s := range c.Repositories {
		if s.Name == name {
			return fmt.Errorf("repository name %q: %w", name, ErrDuplicate)
		}
		if s.URL == rawURL {
			return fmt.Errorf("repository URL %s (as %q): %w", rawURL, s.Name, ErrDuplicate)
		}
	}
	n := len(c.Repositories)
	if index < 0 {
		index = n
		if n > 0 && c.Repositories[n-1].Builtin() {
			index = n - 1
		}
	}
	if index > n {
		return fmt.Errorf("index %d is past the end of the list (%d repositories)", index, n)
	}
	if index == n && n > 0 && c.Repositories[n-1].Builtin() {
		index = n - 1 // the built-in repository stays last
	}
	c.Repositories = slices.Insert(c.Repositories, index, src)
	return nil
}

// Remove deletes the repository called name (ErrNoRepository when there
// is none).
func (c *Config) Remove(name string) error {
	for i, s := range c.Repositories {
		if s.Name == name {
			c.Repositories = slices.Delete(c.Repositories, i, i+1)
			return nil
		}
	}
	var names []string
	for _, s := range c.Repositories {
		names = append(names, s.Name)
	}
	return fmt.Errorf("repository %q: %w (configured: %s)", name, ErrNoRepository, strings.Join(names, ", "))
}
