// Package app is the example application: the routes and policies of the
// two blog posts gincache grew from, built on a Cache by New. It is a package
// of its own so that the example command and the observed one
// (example/observed, with Prometheus and OpenTelemetry) serve the same app.
package app

import (
	"embed"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/assets"
)

// Policies of the example, one per kind of page. They are values, so they
// can be read (and reviewed) apart from the routes.
var (
	// The first seed's app shell: the same for everyone, revalidated by
	// clients on every use (a 304 when unchanged), rendered by the server at
	// most every five minutes.
	shellPolicy = gincache.Policy{
		Public:    true,
		NoCache:   true,
		MaxAge:    120 * time.Second,
		ServerTTL: 5 * time.Minute,
	}
	// A list that is cached but never stale: a POST to its path drops it
	// (RFC 9111 §4.4), so a save shows at once without anyone remembering a
	// decorator — the second seed's dropdown, fixed the other way.
	notesPolicy = gincache.Policy{
		Public:    true,
		NoCache:   true,
		ServerTTL: 10 * time.Minute,
		Tags:      []string{"notes"},
	}
	// A page that rarely changes: browsers keep it for five minutes and do
	// not ask again while it is fresh (no 304 round trip either); the server
	// renders it at most once an hour.
	aboutPolicy = gincache.Policy{
		Public:    true,
		MaxAge:    5 * time.Minute,
		ServerTTL: time.Hour,
	}
	// A slow page, popular enough to stampede: concurrent misses share one
	// render; once stale it is served at once while one refresh runs; if
	// the backend fails, the stale copy stands in for five minutes.
	reportPolicy = gincache.Policy{
		Public:               true,
		MaxAge:               10 * time.Second,
		ServerTTL:            10 * time.Second,
		StaleWhileRevalidate: 30 * time.Second,
		StaleIfError:         5 * time.Minute,
	}
	// A page that differs per user: only the user's browser keeps it, and
	// the server keeps one copy per user, keyed by the user cookie.
	profilePolicy = gincache.Policy{
		NoCache:   true,
		ServerTTL: time.Minute,
		Key: func(c *gin.Context) string {
			user, _ := c.Cookie("user")
			return "user=" + user + "|" + gincache.Key(c.Request)
		},
	}
)

// Compression is the example's compression, for the Cache that New is
// given (gincache.New(store, app.Compression)): the defaults, br and gzip
// for text and JSON of 1 KiB and more, compressed once when a response is
// stored and never on a hit. The app shell is compressed; the smaller
// pages are sent as they are.
var Compression = gincache.WithCompression(gincache.Compression{})

// items is the second seed's list of saved things.
type items struct {
	mu   sync.Mutex
	list []string
}

func (s *items) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.list...)
}

func (s *items) add(item string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, item)
}

// version is a cheap version of the list, as a row's updated_at or a
// counter would be: it changes whenever the list does.
func (s *items) version() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "items-" + strconv.Itoa(len(s.list))
}

// The example's page templates and static files, built into the binary.
//
//go:embed templates static
var files embed.FS

// New builds the example application on cache, for the example command
// and for the observed one (example/observed), which adds Prometheus and
// OpenTelemetry without the example's module depending on either. purgeToken
// guards the operators' purge endpoint; empty, the endpoint refuses
// everyone. use are middleware run on every route after recovery and before
// the request log (a tracer's, so a route's span covers its caching); they
// must come here, since gin applies middleware only to routes registered
// after it.
func New(cache *gincache.Cache, logf func(format string, args ...any), purgeToken string, use ...gin.HandlerFunc) *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery())
	r.Use(use...)
	r.Use(requestLog(logf))

	// CSS and JS at fingerprinted URLs: immutable for a year, and a new URL
	// the moment the content changes.
	static, err := fs.Sub(files, "static")
	if err != nil {
		panic(err)
	}
	a := assets.New(static)
	a.Register(r)
	r.SetFuncMap(a.FuncMap()) // {{asset "css/app.css"}} in templates
	r.LoadHTMLFS(http.FS(files), "templates/*.html")
	saved := &items{list: []string{"first item"}}

	r.GET("/", cache.Handler(shellPolicy), func(c *gin.Context) {
		c.HTML(http.StatusOK, "shell.html", gin.H{"Rendered": time.Now().UTC().Format(time.RFC3339)})
	})

	r.GET("/about", cache.Handler(aboutPolicy), func(c *gin.Context) {
		c.HTML(http.StatusOK, "about.html", gin.H{"Rendered": time.Now().UTC().Format(time.RFC3339)})
	})

	// The second seed's dropdown: a JSON list that must show a saved item at
	// once, so it is never cached anywhere.
	// Every API route is no-store unless it says otherwise: nobody has to
	// remember the decorator (the second seed's lesson). /api/notes below
	// has a policy of its own, which wins.
	api := r.Group("/api", cache.Default(gincache.Policy{NoStore: true}))
	api.GET("/items", func(c *gin.Context) { c.JSON(http.StatusOK, saved.all()) })
	api.POST("/items", func(c *gin.Context) {
		item := c.PostForm("item")
		if item == "" {
			c.JSON(http.StatusBadRequest, gin.H{"error": "item is empty"})
			return
		}
		saved.add(item)
		c.JSON(http.StatusCreated, saved.all())
	})

	// Rails' fresh_when: the version of the list answers a client's
	// If-None-Match with a 304 before the handler runs; nothing is stored.
	r.GET("/catalog", cache.Handler(gincache.Policy{
		Public:  true,
		NoCache: true,
		Version: func(*gin.Context) (string, time.Time, error) { return saved.version(), time.Time{}, nil },
	}), func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"items": saved.all(), "rendered": time.Now().UTC().Format(time.RFC3339Nano)})
	})

	// Behind a CDN (RFC 9213): browsers revalidate every time, the CDN keeps
	// the page ten minutes, and may serve it an hour longer if this
	// application fails.
	r.GET("/edge", cache.Handler(gincache.Policy{
		Public:    true,
		NoCache:   true,
		ServerTTL: time.Minute,
		CDN:       gincache.CDNControl{MaxAge: 10 * time.Minute, StaleIfError: time.Hour},
		Tags:      []string{"edge"},
	}), func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"rendered": time.Now().UTC().Format(time.RFC3339Nano)})
	})

	// A search page keyed by q alone: utm_source, a cache buster or any other
	// parameter neither splits the cache nor reaches the handler.
	r.GET("/search", cache.Handler(gincache.Policy{
		Public:    true,
		MaxAge:    time.Minute,
		ServerTTL: 5 * time.Minute,
		KeyQuery:  []string{"q"},
	}), func(c *gin.Context) {
		c.String(http.StatusOK, "results for %q (query the handler saw: %q)\n", c.Query("q"), c.Request.URL.RawQuery)
	})

	notes := &items{}
	api.GET("/notes", cache.Handler(notesPolicy), func(c *gin.Context) {
		c.JSON(http.StatusOK, notes.all())
	})
	api.POST("/notes", cache.Handler(notesPolicy), func(c *gin.Context) {
		notes.add(c.PostForm("note"))
		c.JSON(http.StatusCreated, notes.all()) // the stored GET /api/notes is dropped now
	})

	var backendDown atomic.Bool // POST /report/backend state=down|up, to try stale-if-error
	r.POST("/report/backend", gincache.NoStore(), func(c *gin.Context) {
		backendDown.Store(c.PostForm("state") == "down")
		c.String(http.StatusOK, "backend %s\n", c.PostForm("state"))
	})
	r.GET("/report", cache.Handler(reportPolicy), func(c *gin.Context) {
		if backendDown.Load() {
			c.String(http.StatusServiceUnavailable, "backend down\n")
			return
		}
		time.Sleep(300 * time.Millisecond) // an expensive query
		c.String(http.StatusOK, "Report rendered at %s\n", time.Now().UTC().Format(time.RFC3339Nano))
	})

	// Pages tagged by what they show, and an endpoint to purge by tag or URL.
	r.GET("/users/:id", cache.Handler(gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Hour}), func(c *gin.Context) {
		gincache.Tag(c, "user:"+c.Param("id"))
		c.String(http.StatusOK, "Profile of user %s, rendered at %s\n", c.Param("id"), time.Now().UTC().Format(time.RFC3339Nano))
	})
	operator := func(c *gin.Context) bool {
		return purgeToken != "" && c.GetHeader("Authorization") == "Bearer "+purgeToken
	}
	r.POST("/admin/purge", cache.PurgeHandler(operator))
	// What the cache holds for a URL (key, age, lifetime, validators), behind
	// the same token: GET /admin/inspect?url=/users/42
	r.GET("/admin/inspect", cache.InspectHandler(r, operator))

	// What the cache did since start, as counters (gincache.Stats): the
	// dependency-free view of the Prometheus series example/observed serves.
	r.GET("/debug/cache", gincache.NoStore(), func(c *gin.Context) { c.JSON(http.StatusOK, cache.Stats()) })

	// A private page. /login?name=alice sets the user cookie (never cached).
	r.GET("/login", gincache.NoStore(), func(c *gin.Context) {
		c.SetCookie("user", c.Query("name"), 3600, "/", "", false, true)
		c.Redirect(http.StatusSeeOther, "/me")
	})
	r.GET("/me", cache.Handler(profilePolicy), func(c *gin.Context) {
		user, err := c.Cookie("user")
		if err != nil || user == "" {
			c.String(http.StatusUnauthorized, "log in first: /login?name=alice\n")
			return
		}
		c.String(http.StatusOK, "Hello, %s. Rendered at %s.\n", user, time.Now().UTC().Format(time.RFC3339Nano))
	})
	return r
}

// requestLog writes one line per request: what the browser asked (its
// validators and its Cache-Control and Pragma) and what the cache did
// (status, X-Cache, Cache-Status). The browser test in e2e/ reads it; this is
// Chrome reloading the app shell:
//
//	GET / 304 "HIT from Client" inm="\"ff3f26106770fee1\"" ims="Mon, 23 Nov 2026 12:00:00 GMT" cc="max-age=0" pragma="" cache-status="gincache; hit; ttl=297"
func requestLog(logf func(format string, args ...any)) gin.HandlerFunc {
	return func(c *gin.Context) {
		// Read before the handlers run: NoStore strips the conditional
		// headers, and the log must show what the browser sent.
		method, uri := c.Request.Method, c.Request.URL.RequestURI()
		inm, ims := c.GetHeader("If-None-Match"), c.GetHeader("If-Modified-Since")
		cc, pragma := c.GetHeader("Cache-Control"), c.GetHeader("Pragma")
		c.Next()
		logf("%s %s %d %q inm=%q ims=%q cc=%q pragma=%q cache-status=%q", method, uri, c.Writer.Status(),
			c.Writer.Header().Get("X-Cache"), inm, ims, cc, pragma, c.Writer.Header().Get("Cache-Status"))
	}
}
