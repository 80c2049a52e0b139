package gincache

import "net/http"

// retryUnconditional answers a request whose revalidation got a 304 that
// does not validate the stored response (its entity-tag is another one, RFC
// 9111 §4.3.4; settle304 has dropped the entry): the request goes to the
// handler again without a condition, and that response is settled, stored
// and sent as any full response (RFC 9111 §4.3.3: the cache may retry).
//
// Only the route's handler runs again (gin.Context.Handler), as in a
// background refresh: gin cannot rewind its chain, so middleware between
// the cache and the handler sees the request once. The first response's
// header is taken off the writer (restoreHeader) before the second starts.
// A second mismatch cannot follow: the retry is unconditional.
func (r *rendering) retryUnconditional() {
	rt, gc, p := r.rt, r.gc, r.p
	orig := r.w.ResponseWriter
	restoreHeader(orig.Header(), r.snap)
	p.shared.revalidate = nil
	p.detail = detailMismatched304
	r.w.reset(orig, rt.c.cfg.maxBody, r.onFlow)

	var client *http.Request
	defer func() { // a panic leaves through render's recovery, with the client's request and writer back
		gc.Writer = orig
		if client != nil {
			gc.Request = client
		}
	}()
	client, p.shared.sent = rt.mode.forward(gc, *p)
	gc.Writer = &r.w
	gc.Handler()(gc)
	gc.Writer = orig
	if client != nil {
		gc.Request, client = client, nil
	}
	if r.w.streaming {
		rt.c.observe(gc, EventUncacheable, "streamed", 0)
		return
	}
	r.finish()
}

// detailMismatched304 is the Cache-Status detail of a response fetched again
// after a 304 that did not validate the stored one.
const detailMismatched304 = "mismatched-304"
