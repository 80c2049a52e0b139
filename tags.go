package gincache

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// tagsKey is the gin.Context key under which Tag collects a response's tags.
type tagsKey struct{}

// Tag attaches tags (surrogate keys) to the response the handler is
// rendering, so that (*Cache).PurgeTags can drop it later, e.g. every page
// that shows user 42 with Tag(c, "user:42"). Tags are kept only by stores
// that implement Tagger (memstore and redisstore do).
func Tag(c *gin.Context, tags ...string) {
	var all []string
	if v, ok := c.Get(tagsKey{}); ok {
		all, _ = v.([]string)
	}
	c.Set(tagsKey{}, append(all, tags...))
}

// pathTagPrefix marks the tag every entry gets for its host and path, so an
// unsafe request to the path, or PurgeURL, drops all its queries and variants.
const pathTagPrefix = "path:"

// pathTag is the tag of every entry stored for r's host and path, in every
// scheme: a write over https invalidates what plain HTTP stored of the path
// too. The path is normalised as in Key.
func pathTag(prefix string, r *http.Request) string {
	return prefix + pathTagPrefix + keyHost(r.Host) + normalizeEscapes(r.URL.EscapedPath())
}

// entryTags are the tags an entry is stored with: its path tag, the policy's
// and the handler's, all under the Cache's key prefix.
func (rt *route) entryTags(gc *gin.Context, req *http.Request) []string {
	tags := append([]string{pathTag(rt.c.cfg.prefix, req)}, rt.tags...)
	if v, ok := gc.Get(tagsKey{}); ok {
		if own, ok := v.([]string); ok {
			for _, t := range own {
				tags = append(tags, rt.c.cfg.prefix+t)
			}
		}
	}
	return tags
}
