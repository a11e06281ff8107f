package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/repo/remote"
	"github.com/universe-pm/universe/repo/trust"
)

type repoKeygenOptions struct {
	out   string
	force bool
}

func newRepoKeygenCmd(app *App) *cobra.Command {
	o := &repoKeygenOptions{}
	cmd := &cobra.Command{
		Use:   "keygen --out PREFIX [--force]",
		Short: "Create an ed25519 key pair for signing a repository",
		Long: `Keygen writes PREFIX.key, the private signing key (PKCS#8 PEM, mode 0600,
never overwritten without --force), and PREFIX.pub, the public key clients
trust (PKIX PEM), and prints the key's fingerprint: the sha256 of the raw
public key, which 'universe repo add --trust' also accepts. Keep PREFIX.key
off the repository server (sign where you build) and back it up offline.`,
		Example: `  universe repo keygen --out ~/keys/corp
  universe repo sign --key ~/keys/corp.key --dir build/repo`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.out == "" {
				return usagef("--out is required")
			}
			pub, err := trust.GenerateKey(o.out, o.force)
			if err != nil {
				return err
			}
			priv, pubPath := trust.KeyFiles(o.out)
			fp := trust.Fingerprint(pub)
			fmt.Fprintf(app.Stderr, "universe: wrote %s (private, keep it secret) and %s\n", priv, pubPath)
			fmt.Fprintf(app.Stdout, "%s\n", fp)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.out, "out", "", "path prefix of the key files (PREFIX.key, PREFIX.pub)")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace existing key files")
	return cmd
}

type repoSignOptions struct {
	key     string
	dir     string
	version int64
	expires string
}

func newRepoSignCmd(app *App) *cobra.Command {
	o := &repoSignOptions{}
	cmd := &cobra.Command{
		Use:   "sign --key PREFIX.key --dir DIR [--version N] [--expires 2160h|DATE]",
		Short: "Sign a built repository",
		Long: `Sign writes DIR/index.sig.json, a signed document holding the repository's
version, expiry, the native index's digest and the sha256 and size of every
file in DIR, and DIR/key.pub, the public key. Clients that trust the key
(universe repo add --trust) refuse the repository when the signature does
not verify, when it has expired, when its version is lower than one they
have seen, and when any file they fetch does not match its signed digest.
The version is one more than the one signed in DIR before, unless
--version says otherwise; it must grow with every signing.`,
		Example: `  universe repo sign --key corp.key --dir build/repo
  universe repo sign --key corp.key --dir build/repo --expires 720h
  universe repo sign --key corp.key --dir build/repo --expires 2027-06-30`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), app) },
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "private key written by 'universe repo keygen' (PREFIX.key)")
	f.StringVar(&o.dir, "dir", "", "directory written by 'universe repo build'")
	f.Int64Var(&o.version, "version", 0, "version to sign, above the one signed in DIR before (default: that version + 1, else 1)")
	f.StringVar(&o.expires, "expires", "2160h", "validity: a duration (2160h = 90 days) or a date (2027-06-30 or RFC 3339)")
	return cmd
}

func (o *repoSignOptions) run(ctx context.Context, app *App) error {
	if o.key == "" || o.dir == "" {
		return usagef("--key and --dir are required")
	}
	if o.version < 0 {
		return usagef("--version %d: want 1 or more", o.version)
	}
	opts, err := signOptions(o.expires)
	if err != nil {
		return err
	}
	opts.Version = o.version
	key, err := trust.ReadPrivateKey(o.key)
	if err != nil {
		return err
	}
	m, err := trust.Sign(ctx, o.dir, key, opts)
	if err != nil {
		return err
	}
	printSigned(app, o.dir, key, m)
	return nil
}

// signOptions parses --expires: a duration or a date.
func signOptions(expires string) (trust.SignOptions, error) {
	var opts trust.SignOptions
	if d, err := time.ParseDuration(expires); err == nil {
		if d <= 0 {
			return opts, usagef("--expires %s: want a positive duration", expires)
		}
		opts.ExpiresIn = d
		return opts, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, expires); err == nil {
			opts.Expires = t
			return opts, nil
		}
	}
	return opts, usagef("--expires %q: want a duration such as 2160h or a date such as 2027-06-30", expires)
}

func printSigned(app *App, dir string, key ed25519.PrivateKey, m *trust.Metadata) {
	fmt.Fprintf(app.Stdout, "signed %s: version %d, %d files, expires %s, key %s\n", dir, m.Version, len(m.Files),
		m.Expires.Format(time.RFC3339), trust.Short(trust.Fingerprint(key.Public().(ed25519.PublicKey))))
}

// trustedKey resolves --trust: a public key file, or a fingerprint (or a
// prefix of at least 16 hex digits) of the key the repository serves.
func trustedKey(ctx context.Context, client *remote.Client, url, value string) (string, error) {
	var pub ed25519.PublicKey
	_, statErr := os.Stat(value)
	switch {
	case statErr == nil:
		var err error
		if pub, err = trust.ReadPublicKey(value); err != nil {
			return "", err
		}
	case trust.IsFingerprint(strings.ToLower(value)):
		var err error
		if pub, err = client.FetchKey(ctx, url, strings.ToLower(value)); err != nil {
			return "", err
		}
	case errors.Is(statErr, fs.ErrNotExist):
		return "", usagef("--trust %q: neither a public key file nor a key fingerprint (16 to 64 hex digits)", value)
	default:
		return "", statErr
	}
	pem, err := trust.MarshalPublicKey(pub)
	if err != nil {
		return "", err
	}
	return string(pem), nil
}
