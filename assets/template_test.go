package assets

import (
	"html/template"
	"net/http"
	"regexp"
	"testing"

	"github.com/gin-gonic/gin"
)

// A page rendered through gin's SetFuncMap names fingerprinted URLs, and
// those URLs get the immutable policy.
func TestTemplate(t *testing.T) {
	a := New(testFS(), WithLogger(nil))
	tests := []struct {
		name  string
		setup func(*gin.Engine)
	}{
		{"SetFuncMap and LoadHTMLGlob", func(r *gin.Engine) {
			r.SetFuncMap(a.FuncMap())
			r.LoadHTMLGlob("testdata/templates/*.tmpl")
		}},
		{"SetHTMLTemplate", func(r *gin.Engine) {
			r.SetHTMLTemplate(template.Must(template.New("page.tmpl").Funcs(a.FuncMap()).ParseFiles("testdata/templates/page.tmpl")))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gin.New()
			tt.setup(r)
			a.Register(r)
			r.GET("/", func(c *gin.Context) { c.HTML(http.StatusOK, "page.tmpl", nil) })

			page := do(t, r, "GET", "/").Body.String()
			got := regexp.MustCompile(`(?:href|src)="([^"]*)"`).FindAllStringSubmatch(page, -1)
			want := []string{
				"/static/css/app." + fp(appCSS) + ".css",
				"/static/js/app." + fp(appJS) + ".js",
				"/static/img/missing.png",
			}
			if len(got) != len(want) {
				t.Fatalf("page has URLs %q; want %q", got, want)
			}
			for i, m := range got {
				if m[1] != want[i] {
					t.Errorf("URL %d = %q; want %q", i, m[1], want[i])
				}
			}
			checkAll(t, do(t, r, "GET", got[0][1]), hasStatus(200), isImmutable, hasBody(appCSS))
			checkAll(t, do(t, r, "GET", got[1][1], "Accept-Encoding: br"), hasStatus(200), isImmutable, hasHeader("Content-Encoding", "br"))
			checkAll(t, do(t, r, "GET", got[2][1]), notFound...)
		})
	}
}
