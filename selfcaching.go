package gincache

import "github.com/gin-gonic/gin"

// SelfCaching marks a handler that sets its own caching headers (a file
// server with fingerprints, an operators' endpoint), described in a few
// words by what. Audit lists its routes as SourceHandler with that
// description instead of as having no policy, and a Default steps aside for
// them as it does for a route's own Handler.
//
//	r.GET("/static/*path", gincache.SelfCaching("fingerprinted assets: immutable or no-cache", serveAssets))
func SelfCaching(what string, h gin.HandlerFunc) gin.HandlerFunc {
	s := &selfCaching{what: what, h: h}
	return s.serve
}

// selfCaching wraps a handler; its method value gives it a name of its own
// for chainOf and Audit.
type selfCaching struct {
	what string
	h    gin.HandlerFunc
}

func (s *selfCaching) serve(gc *gin.Context) {
	if describing(gc, description{self: s.what}) {
		return
	}
	s.h(gc)
}
