package ui

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"

	"github.com/universe-pm/universe/repo/catalog"
)

// pageNames are the dashboard's pages, each a template in
// assets/templates over layout.html.
var pageNames = []string{"catalog", "package", "install", "installed", "cluster"}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").ParseFS(assets, "assets/templates/layout.html", "assets/templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// pageData is what every page template gets.
type pageData struct {
	Page  string
	Title string
	Token string
	// Name is the package of the package page; ID the install of the
	// progress page.
	Name, ID string
	// Packages are the catalog's cards, rendered on the server so the
	// page works before its script runs; Warnings say which repositories
	// failed.
	Packages []catalog.Result
	Warnings []string
}

// page serves one of the pages.
func (s *Server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d := pageData{Page: name, Token: s.cfg.Token}
		status := http.StatusOK
		switch name {
		case "catalog":
			d.Title = "Catalog"
			d.Warnings = s.withCatalog(func(c *catalog.Catalog) { d.Packages = c.Search(r.Context(), r.URL.Query().Get("q")) })
		case "package":
			d.Name = r.PathValue("name")
			d.Title = d.Name
			var err error
			s.withCatalog(func(c *catalog.Catalog) { _, err = c.Versions(r.Context(), d.Name) })
			if err != nil {
				if errors.Is(err, catalog.ErrPackageNotFound) {
					status = http.StatusNotFound
				} else {
					status = http.StatusInternalServerError
				}
			}
		case "install":
			d.ID = r.PathValue("id")
			d.Title = "Install " + d.ID
			if ru := s.lookup(d.ID); ru == nil {
				status = http.StatusNotFound
			} else {
				d.Name = ru.Package
				d.Title = "Install " + ru.Package
			}
		case "installed":
			d.Title = "Installed services"
		case "cluster":
			d.Title = "Cluster"
		}
		var buf bytes.Buffer
		if err := s.pages[name].Execute(&buf, d); err != nil {
			s.cfg.Logger.Error("rendering page", "page", name, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(buf.Bytes())
	}
}
