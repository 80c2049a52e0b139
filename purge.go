package gincache

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// ErrTagsUnsupported is returned by PurgeTags when the store does not
// implement Tagger.
var ErrTagsUnsupported = errors.New("gincache: the store does not support tags")

// purgeTimeout bounds a purge whose context has no deadline (every store call has a deadline).
const purgeTimeout = 5 * time.Second

func withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, purgeTimeout)
}

// Purge deletes the entries stored under keys, as Key or a Policy's Key
// computes them (the Cache's prefix is added here), in both schemes. A policy with Vary stores
// one entry per variant under longer keys; PurgeURL drops them all.
func (c *Cache) Purge(ctx context.Context, keys ...string) error {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	full := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		full = append(full, c.cfg.prefix+k, c.cfg.prefix+httpsMark+k)
	}
	return c.softDelete(ctx, full...) // softpurge.go: deletes unless WithSoftPurge
}

// PurgeTags deletes every entry stored with any of tags (see Tag and
// Policy.Tags). It returns ErrTagsUnsupported when the store keeps no tags.
// With WithCDNPurge the tags then go to the CDN purgers, in the
// background; with WithSoftPurge the entries are marked stale instead.
func (c *Cache) PurgeTags(ctx context.Context, tags ...string) error {
	tg, ok := c.store.(Tagger)
	if !ok {
		c.fanOutTags(tags) // nothing here is tagged: the CDN's copies are
		return ErrTagsUnsupported
	}
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	full := make([]string, len(tags))
	for i, t := range tags {
		full[i] = c.cfg.prefix + t
	}
	err := c.softPurgeTags(ctx, tg, full...)
	if err == nil {
		c.fanOutTags(tags) // cdnpurge.go: after the store, or the CDN would fetch the old page again
	}
	return err
}

// PurgeURL deletes every stored response for rawURL's host and path,
// whatever their query or variant, e.g. "https://example.com/items". With a
// store that keeps no tags it can only delete the entry under the URL's own
// default key.
func (c *Cache) PurgeURL(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	req := &http.Request{Host: u.Host, URL: u}
	if err := c.purgePath(ctx, req, true); err != nil {
		return err
	}
	c.fanOutURL(rawURL) // cdnpurge.go
	return nil
}

// purgePath drops what is stored for req's host and path; soft: as
// WithSoftPurge says (an operator's purge), else always deleted (the
// invalidation after a write).
func (c *Cache) purgePath(ctx context.Context, req *http.Request, soft bool) error {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	k := Key(req)
	switch tg, ok := c.store.(Tagger); {
	case ok && soft:
		return c.softPurgeTags(ctx, tg, pathTag(c.cfg.prefix, req))
	case ok:
		return c.purgeTags(ctx, tg, pathTag(c.cfg.prefix, req))
	case soft:
		return c.softDelete(ctx, c.cfg.prefix+k, c.cfg.prefix+httpsMark+k)
	}
	return c.delete(ctx, c.cfg.prefix+k, c.cfg.prefix+httpsMark+k)
}

// safeMethods do not change state on the origin (RFC 9110 §9.2.1); every
// other method, known or not, is unsafe, and a success invalidates what is
// stored for its target (RFC 9111 §4.4).
var safeMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodOptions: true, http.MethodTrace: true,
}

// invalidateAfter drops the stored responses of the request's path after a
// successful unsafe request (RFC 9111 §4.4), and those of the URLs its
// Location and Content-Location name when they are on the same host (RFC
// 9111 §4.4: another host's could be a way to purge someone else's pages).
// It runs before the handler chain returns, so the client's next GET is
// already a miss.
func (c *Cache) invalidateAfter(gc *gin.Context) {
	req := gc.Request
	if safeMethods[req.Method] || gc.Writer.Status() >= 400 {
		return
	}
	c.invalidate(req.Context(), req)
	h := gc.Writer.Header()
	for _, name := range [...]string{"Location", "Content-Location"} {
		v := h.Get(name)
		if v == "" {
			continue
		}
		u, err := req.URL.Parse(v)
		if err != nil || u.Host != "" && !strings.EqualFold(u.Host, req.Host) {
			continue
		}
		if u.Path == req.URL.Path {
			continue
		}
		c.invalidate(req.Context(), &http.Request{Host: req.Host, URL: &url.URL{Path: u.Path, RawPath: u.RawPath}})
	}
}

func (c *Cache) invalidate(ctx context.Context, target *http.Request) {
	if err := c.purgePath(ctx, target, false); err != nil {
		c.fault("invalidate", pathTag(c.cfg.prefix, target), err)
	}
}

// InvalidateOnWrite returns middleware for a whole engine or group: after a
// successful POST, PUT, PATCH or DELETE to a path, the responses stored for
// that path (every query and variant) are dropped (RFC 9111 §4.4). Routes with
// a Handler of their own for the unsafe method invalidate already.
//
//	r.Use(cache.InvalidateOnWrite())
func (c *Cache) InvalidateOnWrite() gin.HandlerFunc {
	return func(gc *gin.Context) {
		gc.Next()
		c.invalidateAfter(gc)
	}
}

// PurgeHandler returns an endpoint for operators to purge the cache, guarded
// by authorize, which the application supplies (a token, a network check).
// Without authorize every request is refused with 403.
//
// It takes repeated "tag" and "url" parameters (query or form), e.g.
// POST /admin/purge?tag=user:42&url=https://example.com/items. Registered for
// the PURGE method on a wildcard route, a request with no parameters purges its
// own URL's path:
//
//	r.Handle("PURGE", "/*path", cache.PurgeHandler(isOperator))
func (c *Cache) PurgeHandler(authorize func(*gin.Context) bool) gin.HandlerFunc {
	return SelfCaching("no-store (purge endpoint)", func(gc *gin.Context) {
		gc.Header("Cache-Control", noStoreCacheControl)
		if authorize == nil || !authorize(gc) {
			gc.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "purge not authorized"})
			return
		}
		tags, urls := gc.QueryArray("tag"), gc.QueryArray("url")
		if gc.Request.Method != http.MethodGet {
			tags = append(tags, gc.PostFormArray("tag")...)
			urls = append(urls, gc.PostFormArray("url")...)
		}
		ctx := gc.Request.Context()
		var err error
		switch {
		case len(tags) == 0 && len(urls) == 0 && gc.Request.Method == "PURGE":
			urls = []string{gc.Request.URL.Path}
			err = c.purgePath(ctx, gc.Request, true)
		case len(tags) == 0 && len(urls) == 0:
			gc.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "give tag or url parameters"})
			return
		default:
			if len(tags) > 0 {
				err = c.PurgeTags(ctx, tags...)
			}
			for _, u := range urls {
				if err == nil {
					err = c.PurgeURL(ctx, u)
				}
			}
		}
		if err != nil {
			c.fault("purge", "", err)
			gc.AbortWithStatusJSON(http.StatusBadGateway, gin.H{"error": err.Error()})
			return
		}
		gc.JSON(http.StatusOK, gin.H{"purged": gin.H{"tags": tags, "urls": urls}})
	})
}
