package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// staticFiles serves the embedded CSS and JavaScript. Each file's URL
// carries a checksum of its content, so browsers may cache it for a year and
// still never see a stale file after an upgrade.
type staticFiles struct {
	files map[string][]byte // name -> content
	sums  map[string]string // name -> short checksum
}

// static is loaded once, when the program starts: the files are in the
// binary, so reading them fails only in a broken build.
var static = mustLoadStatic()

// StaticURL returns the versioned URL of a static file, for the pages.
func StaticURL(name string) string { return static.URL(name) }

func mustLoadStatic() *staticFiles {
	sf := &staticFiles{files: map[string][]byte{}, sums: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		sf.files[name] = b
		sf.sums[name] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("read the embedded static files: %v", err))
	}
	return sf
}

// URL returns the versioned URL of a static file.
func (sf *staticFiles) URL(name string) string {
	return "/static/" + name + "?v=" + sf.sums[name]
}

func (sf *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	b, ok := sf.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if r.URL.Query().Get("v") == sf.sums[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+sf.sums[name]+`"`)
	if r.Header.Get("If-None-Match") == `"`+sf.sums[name]+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(b)
}
