// Package serve serves a built repository over HTTP with the Universe
// consumption protocol: /repo negotiated by User-Agent (dcos/X.Y) and
// Accept (media type v3 … v6), /package/<name> split files, gzip, ETags.
package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/trust"
)

// Options adjust a Server.
type Options struct {
	// Logger receives one access log line per request; nil for none.
	Logger *slog.Logger
	// MaxGzipCache bounds the memory kept for compressed responses;
	// 256 MiB when zero.
	MaxGzipCache int64
	// ShutdownTimeout bounds the graceful shutdown; 10 s when zero.
	ShutdownTimeout time.Duration
}

// Server serves the repository built in one directory. It only reads, and
// only files inside that directory (through os.Root). The directory is
// opened again for each request, so a rebuild (which replaces it by a
// rename) is served from the next request on.
type Server struct {
	dir  string
	opts Options

	mu      sync.Mutex
	etags   map[string]fileTag
	gz      map[string][]byte
	gzBytes int64
}

type fileTag struct {
	size    int64
	modTime time.Time
	etag    string
}

// ErrNotRepository is returned by New for a directory without a built
// index.
var ErrNotRepository = errors.New("not a built repository (no universe.json or index.json)")

// New returns a Server for the repository in dir.
func New(dir string, opts Options) (*Server, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening repository: %w", err)
	}
	defer root.Close()
	_, err1 := root.Stat(index.UniverseFile)
	_, err2 := root.Stat(index.NativeFile)
	if err1 != nil && err2 != nil {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotRepository)
	}
	if opts.MaxGzipCache == 0 {
		opts.MaxGzipCache = 256 << 20
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 10 * time.Second
	}
	return &Server{dir: dir, opts: opts, etags: map[string]fileTag{}, gz: map[string][]byte{}}, nil
}

// Close releases the memory kept for compressed responses.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gz, s.gzBytes = map[string][]byte{}, 0
	return nil
}

// Limits of the server against clients that send too much or too slowly;
// it only answers GET and HEAD, so a request is its headers.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	// WriteTimeout bounds sending one answer: a 30 MB index to a slow
	// client.
	WriteTimeout   = 2 * time.Minute
	IdleTimeout    = time.Minute
	MaxHeaderBytes = 16 << 10
)

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting, lets requests in flight finish (within
// ShutdownTimeout) and returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	<-done
	return nil
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

var dcosUA = regexp.MustCompile(`\bdcos/(\d+\.\d+)`)

// DCOSRelease returns the DC/OS release a User-Agent names (dcos/X.Y), or
// "2.0" when it names none of the releases there are files for, as the
// reference server does.
func DCOSRelease(userAgent string) string {
	if m := dcosUA.FindStringSubmatch(userAgent); m != nil && slices.Contains(index.DCOSVersions, m[1]) {
		return m[1]
	}
	return "2.0"
}

// Accepted returns the repository media-type versions (3 to 6) an Accept
// header allows. A missing header, */* and application/* allow all.
func Accepted(accept string) []int {
	if strings.TrimSpace(accept) == "" {
		return []int{3, 4, 5, 6}
	}
	var vs []int
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
				continue
			}
		}
		switch mt {
		case "*/*", "application/*":
			return []int{3, 4, 5, 6}
		case "application/vnd.dcos.universe.repo+json":
			if v, ok := strings.CutPrefix(params["version"], "v"); ok {
				if n, err := strconv.Atoi(v); err == nil && n >= 3 && n <= 6 && !slices.Contains(vs, n) {
					vs = append(vs, n)
				}
			}
		}
	}
	slices.Sort(vs)
	return vs
}

// Choice is the file negotiation picked for a request.
type Choice struct {
	// DCOS is the release whose file is served; "" for the native index.
	DCOS string
	// Media is the media-type version of the response (3 to 6).
	Media int
}

// Negotiate picks what /repo and /package/<name> answer: the native v6
// index when Accept allows v6; otherwise the file for the User-Agent's
// DC/OS release if Accept allows its media type, else the newest older
// release's file whose media type it allows. ok is false when nothing is
// acceptable (406).
func Negotiate(userAgent, accept string) (c Choice, ok bool) {
	acc := Accepted(accept)
	if slices.Contains(acc, 6) {
		return Choice{Media: 6}, true
	}
	dcos := DCOSRelease(userAgent)
	best := 0
	for _, v := range acc {
		best = max(best, v)
	}
	i := slices.Index(index.DCOSVersions, dcos)
	for ; i >= 0; i-- {
		mv := index.MediaVersionFor(index.DCOSVersions[i])
		if mv <= best && slices.Contains(acc, mv) {
			return Choice{DCOS: index.DCOSVersions[i], Media: mv}, true
		}
	}
	return Choice{}, false
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.serve(rec, r)
	if s.opts.Logger != nil {
		s.opts.Logger.Info("request", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.RequestURI(),
			"status", rec.status, "bytes", rec.bytes, "duration", time.Since(start).Round(time.Microsecond),
			"user_agent", r.UserAgent())
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "read-only repository", http.StatusMethodNotAllowed)
		return
	}
	path := r.URL.Path
	switch {
	case path == "/health":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, `{"status":"ok"}`+"\n")
	case path == "/repo":
		c, ok := Negotiate(r.UserAgent(), r.Header.Get("Accept"))
		if !ok {
			notAcceptable(w)
			return
		}
		name := index.NativeFile
		if c.Media != 6 {
			name = index.RepoFile(c.DCOS)
		}
		s.file(w, r, name, index.MediaType(c.Media), true)
	case strings.HasPrefix(path, "/package/"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/package/"), ".json")
		if !namePattern.MatchString(name) {
			http.NotFound(w, r)
			return
		}
		c, ok := Negotiate(r.UserAgent(), r.Header.Get("Accept"))
		if !ok {
			notAcceptable(w)
			return
		}
		dir := index.NativeDir
		if c.Media != 6 {
			dir = c.DCOS
		}
		s.file(w, r, index.SplitFile(dir, name), index.MediaType(c.Media), true)
	default:
		name := strings.TrimPrefix(path, "/")
		if mv, ok := topFiles()[name]; ok {
			s.file(w, r, name, index.MediaType(mv), false)
			return
		}
		switch name {
		case trust.SignatureFile:
			s.file(w, r, name, "application/json", false)
			return
		case trust.KeyFile:
			s.file(w, r, name, "application/x-pem-file", false)
			return
		}
		http.NotFound(w, r)
	}
}

// topFiles are the index files served under their own names.
func topFiles() map[string]int {
	m := map[string]int{index.UniverseFile: 5, index.EmptyFile: 3, index.NativeFile: 6}
	for _, d := range index.DCOSVersions {
		m[index.RepoFile(d)] = index.MediaVersionFor(d)
	}
	return m
}

func notAcceptable(w http.ResponseWriter) {
	http.Error(w, "no acceptable repository media type: send Accept: "+index.MediaType(5)+" (or v3, v4, v6)", http.StatusNotAcceptable)
}

// file serves one file of the repository with its ETag, compressed when
// the client accepts gzip.
func (s *Server) file(w http.ResponseWriter, r *http.Request, name, contentType string, negotiated bool) {
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		http.Error(w, "cannot read the repository", http.StatusInternalServerError)
		return
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "cannot read the repository", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		http.NotFound(w, r)
		return
	}
	etag, err := s.etag(name, f, fi)
	if err != nil {
		http.Error(w, "cannot read the repository", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "public, max-age=60")
	if name == trust.SignatureFile {
		// Revalidated every time, so that a cache between server and
		// client does not pair an old signature with a new index.
		h.Set("Cache-Control", "no-cache")
	}
	if negotiated {
		h.Set("Vary", "Accept, User-Agent, Accept-Encoding")
	} else {
		h.Set("Vary", "Accept-Encoding")
	}
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		gz, err := s.gzipped(name, etag, f)
		if err != nil {
			http.Error(w, "cannot read the repository", http.StatusInternalServerError)
			return
		}
		h.Set("Content-Encoding", "gzip")
		h.Set("ETag", `"`+etag+`-gzip"`)
		http.ServeContent(w, r, "", fi.ModTime(), bytes.NewReader(gz))
		return
	}
	h.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func (s *Server) etag(name string, f *os.File, fi fs.FileInfo) (string, error) {
	s.mu.Lock()
	t, ok := s.etags[name]
	s.mu.Unlock()
	if ok && t.size == fi.Size() && t.modTime.Equal(fi.ModTime()) {
		return t.etag, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	tag := hex.EncodeToString(h.Sum(nil))[:32]
	s.mu.Lock()
	s.etags[name] = fileTag{size: fi.Size(), modTime: fi.ModTime(), etag: tag}
	s.mu.Unlock()
	return tag, nil
}

// gzipped returns the compressed content, kept in memory up to
// MaxGzipCache bytes in all.
func (s *Server) gzipped(name, etag string, f *os.File) ([]byte, error) {
	key := name + "@" + etag
	s.mu.Lock()
	b, ok := s.gz[key]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := io.Copy(zw, f); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	b = buf.Bytes()
	s.mu.Lock()
	if s.gzBytes+int64(len(b)) <= s.opts.MaxGzipCache {
		s.gz[key] = b
		s.gzBytes += int64(len(b))
	}
	s.mu.Unlock()
	return b, nil
}

func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			return !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") ||
				strings.Contains(params, "q=0.")
		}
	}
	return false
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}
