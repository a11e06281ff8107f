package ui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/internal/listen"
	"github.com/universe-pm/universe/repo/catalog"
)

//go:embed assets
var assets embed.FS

// TokenHeader is the header state-changing API requests carry the
// server's per-process token in (the pages read it from a meta tag).
const TokenHeader = "X-Universe-Token"

// maxHeaderBytes bounds a request's headers (431 beyond it).
const maxHeaderBytes = 64 << 10

// Config is what the dashboard works with.
type Config struct {
	// Catalog lists and resolves packages across the configured
	// repositories; required.
	Catalog *catalog.Catalog
	// Installer configures the installer every action uses; its Marathon
	// client is required. OnEvent is set per install by the server.
	Installer installer.Config
	// AgentsURL is the base URL whose /_sandbox/agents (a universe
	// sandbox's) the cluster page reads for the agents' resources; when
	// it is empty or answers 404, as a real Marathon does, the cluster
	// page shows the tasks, deployments and queue only.
	AgentsURL string
	// HTTPClient reads AgentsURL; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
	// Token is the per-process token POST requests must carry; random
	// when empty.
	Token string
	// LoopbackOnly refuses requests whose Host is not a loopback address
	// or localhost: a dashboard listening on loopback is then out of reach
	// of DNS rebinding (a site whose name resolves to 127.0.0.1 is
	// same-origin to itself, but its Host header gives it away).
	LoopbackOnly bool
}

// Server is the dashboard's HTTP handler and its running installs.
type Server struct {
	cfg     Config
	pages   map[string]*template.Template
	handler http.Handler

	// ctx is the installs' context, cancelled by Close.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	installs map[string]*run
	closed   bool
	// catMu serialises the use of the catalog.
	catMu sync.Mutex
}

// New returns a Server. It fails when cfg has no catalog or Marathon
// client.
func New(cfg Config) (*Server, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("ui: no catalog")
	}
	if cfg.Installer.Marathon == nil {
		return nil, errors.New("ui: no Marathon client")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Token == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		cfg.Token = hex.EncodeToString(b)
	}
	s := &Server{cfg: cfg, installs: map[string]*run{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	s.handler = s.routes()
	return s, nil
}

// Token returns the token POST requests must carry in TokenHeader.
func (s *Server) Token() string { return s.cfg.Token }

// ServeHTTP serves the pages, the assets and the JSON API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Serve serves on ln until ctx is cancelled, then shuts down, giving
// open requests (event streams included) a moment to end. It does not
// Close the Server.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// No WriteTimeout: install progress streams for as long as an install
	// runs; request bodies are bounded by decodeBody.
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: maxHeaderBytes,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	<-errc
	return nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets/static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.page("catalog"))
	mux.HandleFunc("GET /packages/{name}", s.page("package"))
	mux.HandleFunc("GET /installs/{id}", s.page("install"))
	mux.HandleFunc("GET /installed", s.page("installed"))
	mux.HandleFunc("GET /cluster", s.page("cluster"))

	mux.HandleFunc("GET /api/packages", s.apiPackages)
	mux.HandleFunc("GET /api/packages/{name}", s.apiPackage)
	mux.HandleFunc("POST /api/render", s.apiRender)
	mux.HandleFunc("POST /api/installs", s.apiInstall)
	mux.HandleFunc("GET /api/installs/{id}", s.apiInstallStatus)
	mux.HandleFunc("GET /api/installs/{id}/events", s.apiInstallEvents)
	mux.HandleFunc("GET /api/installed", s.apiInstalled)
	mux.HandleFunc("POST /api/installed/{name}/uninstall", s.apiUninstall)
	mux.HandleFunc("POST /api/installed/{name}/upgrade", s.apiUpgrade)
	mux.HandleFunc("GET /api/cluster", s.apiCluster)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, errors.New("cross-origin request refused"))
	}))
	return s.checkHost(cop.Handler(s.requireToken(securityHeaders(mux))))
}

// checkHost refuses, with LoopbackOnly, requests for another host name.
func (s *Server) checkHost(next http.Handler) http.Handler {
	if !s.cfg.LoopbackOnly {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !listen.IsLoopback(host) {
			writeError(w, http.StatusMisdirectedRequest, fmt.Errorf("host %q refused: the dashboard answers to loopback addresses and localhost only", r.Host))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireToken refuses state-changing requests without the token.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			got := r.Header.Get(TokenHeader)
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) != 1 {
				writeError(w, http.StatusForbidden, fmt.Errorf("missing or wrong %s header", TokenHeader))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// apiError is the body of every failed API request.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, apiError{Error: err.Error()})
}
