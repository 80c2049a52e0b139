package assets

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	a := New(testFS(), WithLogger(nil))
	tests := []struct {
		name, in, want string
	}{
		{"current", "css/app.css", "/static/css/app." + fp(appCSS) + ".css"},
		{"leading slash", "/css/app.css", "/static/css/app." + fp(appCSS) + ".css"},
		{"file with siblings", "js/app.js", "/static/js/app." + fp(appJS) + ".js"},
		{"no extension", "LICENSE", "/static/LICENSE." + fp(license)},
		{"two extensions", "archive.tar.gz", "/static/archive.tar." + fp("not really gzip") + ".gz"},
		{"missing", "css/typo.css", "/static/css/typo.css"},
		{"missing, escaped", "a b#c?.css", "/static/a%20b%23c%3F.css"},
		{"dotfile is not served", ".env", "/static/.env"},
		{"sibling is not a file of its own", "js/app.js.br", "/static/js/app.js.br"},
		{"directory", "css", "/static/css"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.URL(tt.in); got != tt.want {
				t.Errorf("URL(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestURLPrefix(t *testing.T) {
	tests := []struct {
		prefix, want string
	}{
		{"/static", "/static/LICENSE." + fp(license)},
		{"/static/", "/static/LICENSE." + fp(license)},
		{"/assets/v1", "/assets/v1/LICENSE." + fp(license)},
		{"/", "/LICENSE." + fp(license)},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			a := New(testFS(), WithPrefix(tt.prefix))
			if got := a.URL("LICENSE"); got != tt.want {
				t.Errorf("URL = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	got := New(testFS()).Names()
	want := []string{"LICENSE", "archive.tar.gz", "css/app.css", "img/logo.v2", "js/app.js"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %q; want %q (no dotfiles, no siblings)", got, want)
	}
}

func TestUnknownNameLoggedOnce(t *testing.T) {
	var buf bytes.Buffer
	a := New(testFS(), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	for range 3 {
		a.URL("css/typo.css")
	}
	a.URL("css/app.css")
	if n := strings.Count(buf.String(), "css/typo.css"); n != 2 { // name= and url=
		t.Errorf("log = %q; want one line naming css/typo.css", buf.String())
	}
	if strings.Count(buf.String(), "\n") != 1 {
		t.Errorf("log = %q; want exactly one line", buf.String())
	}
}

func TestUnknownNamesBounded(t *testing.T) {
	var buf bytes.Buffer
	a := New(testFS(), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	for i := range 2 * maxUnknownNames {
		a.URL(strings.Repeat("x", i+1))
	}
	if n := strings.Count(buf.String(), "\n"); n != maxUnknownNames {
		t.Errorf("logged %d lines; want %d", n, maxUnknownNames)
	}
}

func TestFuncMap(t *testing.T) {
	a := New(testFS())
	f, ok := a.FuncMap()["asset"].(func(string) string)
	if !ok {
		t.Fatalf("FuncMap()[\"asset\"] is %T; want func(string) string", a.FuncMap()["asset"])
	}
	if got, want := f("css/app.css"), a.URL("css/app.css"); got != want {
		t.Errorf("asset = %q; want %q", got, want)
	}
}

func TestNewPanics(t *testing.T) {
	tests := []struct {
		name string
		new  func()
		want string
	}{
		{"nil fs", func() { New(nil) }, "assets: New needs an fs.FS"},
		{"relative prefix", func() { New(testFS(), WithPrefix("static")) }, "must start with '/'"},
		{"unclean prefix", func() { New(testFS(), WithPrefix("/a/../b")) }, "not a clean path"},
		{"wildcard in prefix", func() { New(testFS(), WithPrefix("/s/:id")) }, "not allowed"},
		{"missing directory", func() { New(os.DirFS(filepath.Join(t.TempDir(), "nope"))) }, "assets: reading"},
		{"unreadable file", func() {
			New(failFS{testFS(), "css/app.css"})
		}, "css/app.css: permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "assets: ") || !strings.Contains(msg, tt.want) {
					t.Errorf("panic = %v; want an \"assets: \" message containing %q", r, tt.want)
				}
			}()
			tt.new()
		})
	}
}
