package gincache

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"
	"unsafe"

	"github.com/gin-gonic/gin"
)

// Source says where a route's caching policy comes from.
type Source string

const (
	SourceExplicit Source = "explicit" // the route's own Handler or NoStore
	SourceDefault  Source = "default"  // a Default on the engine or a group
	SourceHandler  Source = "handler"  // a SelfCaching handler sets its own headers
	SourceNone     Source = "none"     // nothing: the handler decides alone
)

// RouteReport is one route of an engine and its effective caching policy.
type RouteReport struct {
	Method  string
	Path    string
	Source  Source
	Policy  Policy // the zero Policy unless Source is SourceExplicit or SourceDefault
	Handler string // the name of the route's final handler
	// Note is a SelfCaching handler's description of its caching.
	Note string
}

// Report lists an engine's routes, as Audit finds them.
type Report []RouteReport

// Missing returns the routes with no policy, for a test that fails CI when
// someone adds a route and forgets its caching:
//
//	report, err := gincache.Audit(r)
//	…
//	for _, rr := range report.Missing() {
//		t.Errorf("%s %s has no caching policy", rr.Method, rr.Path)
//	}
func (r Report) Missing() Report {
	var out Report
	for _, rr := range r {
		if rr.Source == SourceNone {
			out = append(out, rr)
		}
	}
	return out
}

// WriteTo prints the report as a table, for a start-up log.
func (r Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tPATH\tPOLICY\tCACHE-CONTROL\tSERVER TTL")
	for _, rr := range r {
		cc, ttl := "-", "-"
		switch rr.Source {
		case SourceHandler:
			cc = rr.Note
		case SourceExplicit, SourceDefault:
			cc = rr.Policy.CacheControl()
			switch {
			case rr.Policy.NoStore && rr.Policy.ServerTTL == 0:
				cc = noStoreCacheControl
			case rr.Policy.SharedCache:
				cc = "(the response's own: SharedCache)"
			}
			if name, v := rr.Policy.CDNCacheControl(); name != "" {
				cc += " (" + name + ": " + v + ")" // RFC 9213: the CDN's own
			}
			if rr.Policy.ServerTTL > 0 {
				ttl = rr.Policy.ServerTTL.String()
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", rr.Method, rr.Path, rr.Source, cc, ttl)
	}
	_ = tw.Flush()
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// ErrAuditUnsupported is returned by Audit when it cannot read the routes of
// the gin version in use.
var ErrAuditUnsupported = errors.New("gincache: Audit cannot read this gin version's routes")

// Audit lists every route of engine with its effective caching policy:
// the innermost Handler or NoStore in its chain (explicit) or SelfCaching
// handler (handler), else the innermost Default (default), else none. It
// runs no handler.
//
// gin exposes a route's final handler only (Engine.Routes), so Audit reads
// the handler chains from the engine's routing trees by reflection, without
// changing them; it returns ErrAuditUnsupported rather than guess if gin's
// layout is not the one it knows (tested against the gin version in go.mod).
func Audit(engine *gin.Engine) (Report, error) {
	chains, err := routeChains(engine)
	if err != nil {
		return nil, err
	}
	var out Report
	for _, rt := range engine.Routes() {
		rr := RouteReport{Method: rt.Method, Path: rt.Path, Source: SourceNone, Handler: rt.Handler}
		for _, h := range chains[rt.Method+" "+rt.Path] {
			if handlerKind(funcName(h)) == kindNone {
				continue
			}
			var d description
			h(&gin.Context{Keys: map[any]any{describeKey{}: &d}})
			switch {
			case d.self != "":
				rr.Source, rr.Note, rr.Policy = SourceHandler, d.self, Policy{}
			case !d.isDefault:
				rr.Source, rr.Policy = SourceExplicit, d.policy
			case rr.Source == SourceNone || rr.Source == SourceDefault:
				rr.Source, rr.Policy = SourceDefault, d.policy
			}
		}
		out = append(out, rr)
	}
	slices.SortStableFunc(out, func(a, b RouteReport) int {
		return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
	})
	return out, nil
}

// routeChains reads "METHOD /pattern" → handler chain from gin's trees
// (engine.trees []methodTree{method, root *node}; node{children, handlers,
// fullPath}). Only reads; every field is checked before use.
func routeChains(engine *gin.Engine) (map[string]gin.HandlersChain, error) {
	trees := reflect.ValueOf(engine).Elem().FieldByName("trees")
	if !trees.IsValid() || trees.Kind() != reflect.Slice {
		return nil, ErrAuditUnsupported
	}
	out := make(map[string]gin.HandlersChain)
	chainType := reflect.TypeFor[gin.HandlersChain]()
	var walk func(method string, n reflect.Value) error
	walk = func(method string, n reflect.Value) error {
		if n.Kind() != reflect.Pointer || n.IsNil() {
			return nil
		}
		n = n.Elem()
		handlers, full, children := n.FieldByName("handlers"), n.FieldByName("fullPath"), n.FieldByName("children")
		if !handlers.IsValid() || handlers.Type() != chainType || full.Kind() != reflect.String || children.Kind() != reflect.Slice {
			return ErrAuditUnsupported
		}
		if handlers.Len() > 0 {
			hs := *(*gin.HandlersChain)(unsafe.Pointer(handlers.UnsafeAddr()))
			out[method+" "+full.String()] = hs
		}
		for i := range children.Len() {
			if err := walk(method, children.Index(i)); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range trees.Len() {
		t := trees.Index(i)
		method, root := t.FieldByName("method"), t.FieldByName("root")
		if method.Kind() != reflect.String || !root.IsValid() {
			return nil, ErrAuditUnsupported
		}
		if err := walk(method.String(), root); err != nil {
			return nil, err
		}
	}
	return out, nil
}
