package gincache

import "github.com/gin-gonic/gin"

// describeKey marks a synthetic gin.Context with which Audit asks a
// gincache middleware what it does, without running anything else.
type describeKey struct{}

// description is what a gincache middleware says of itself to Audit.
type description struct {
	policy    Policy
	isDefault bool
	self      string // SelfCaching's description
}

// describing reports whether gc is Audit's question, answering it with d.
func describing(gc *gin.Context, d description) bool {
	if gc.Keys == nil {
		return false
	}
	out, ok := gc.Keys[describeKey{}].(*description)
	if ok {
		*out = d
	}
	return ok
}
