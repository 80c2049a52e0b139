package assets

import (
	"fmt"
	"log/slog"
	"path"
	"strings"
)

// DefaultPrefix is the URL path the files are served under when New is given
// no WithPrefix.
const DefaultPrefix = "/static"

// Option configures an Assets. The zero configuration serves under
// DefaultPrefix, hashes each file once at New, and reports template names
// that match no file to slog.Default.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	prefix string       // URL path without a trailing slash; "" is the root
	reload bool         // URL stats the file and re-hashes it when it changed
	logger *slog.Logger // nil: unknown names are not reported
}

func defaultConfig() config {
	return config{prefix: DefaultPrefix, logger: slog.Default()}
}

// WithPrefix sets the URL path the files are served under and that URL puts
// in front of every name, e.g. "/static" (the default) or "/assets/v1". It
// must be an absolute, clean path without Gin's wildcard characters (':' and
// '*'); a trailing slash is dropped, and "/" serves from the root. A bad prefix
// panics in New.
func WithPrefix(p string) Option {
	return optionFunc(func(c *config) { c.prefix = p })
}

// WithReload makes URL check the file's size and modification time on every
// call (one stat) and re-hash the file when they changed, so a development
// server on os.DirFS puts the new fingerprint into the next page it renders.
// Without it, URL is a map lookup and a change is noticed only when the file
// itself is requested. Leave it off for embed.FS, whose files cannot change.
// Files created after New are not served until a restart either way.
func WithReload() Option {
	return optionFunc(func(c *config) { c.reload = true })
}

// WithLogger sets where URL reports a name that matches no file (once per
// name, for the first 64 names). Nil turns the report off; the default is
// slog.Default.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// validPrefix normalises a WithPrefix value, or says what is wrong with it.
func validPrefix(p string) (string, error) {
	if p == "/" {
		return "", nil
	}
	p = strings.TrimSuffix(p, "/")
	switch {
	case !strings.HasPrefix(p, "/"):
		return "", fmt.Errorf("prefix %q must start with '/'", p)
	case path.Clean(p) != p:
		return "", fmt.Errorf("prefix %q is not a clean path", p)
	case strings.ContainsAny(p, ":*?#%\\\x00"):
		return "", fmt.Errorf("prefix %q holds a character not allowed in a route prefix (: * ? # %% \\ NUL)", p)
	}
	return p, nil
}
