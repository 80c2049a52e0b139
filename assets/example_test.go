package assets_test

import (
	"fmt"
	"net/http/httptest"
	"testing/fstest"

	"github.com/gin-gonic/gin"

	"github.com/gincache/gincache/assets"
)

func Example() {
	// In production: an embed.FS (fs.Sub'd to the directory); here a map.
	files := fstest.MapFS{"css/app.css": {Data: []byte("body { color: #333 }\n")}}
	a := assets.New(files)
	r := gin.New()
	r.SetFuncMap(a.FuncMap()) // {{asset "css/app.css"}} in templates
	a.Register(r)

	url := a.URL("css/app.css")
	fmt.Println(url)
	get := func(target, ifNoneMatch string) {
		req := httptest.NewRequest("GET", target, nil)
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(w.Code, w.Header().Get("Cache-Control"), w.Header().Get("ETag"))
	}
	get(url, "")                                                     // the current fingerprint
	get("/static/css/app.css", "")                                   // the plain name
	get("/static/css/app.css", `"ba61e6cb1564f91d3d7e4670fc649bf5"`) // its revalidation
	// Output:
	// /static/css/app.ba61e6cb1564.css
	// 200 public, max-age=31536000, immutable "ba61e6cb1564f91d3d7e4670fc649bf5"
	// 200 no-cache "ba61e6cb1564f91d3d7e4670fc649bf5"
	// 304 no-cache "ba61e6cb1564f91d3d7e4670fc649bf5"
}
