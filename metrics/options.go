package metrics

// Option configures Metrics built by New.
type Option interface {
	apply(*config)
}

type config struct {
	namespace string
	buckets   []float64
	maxRoutes int
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// DefaultBuckets are the store latency histogram's upper bounds, in seconds:
// from 0.1 ms (a memory store) to 1 s (a networked store that is in
// trouble, well past any sane store deadline).
var DefaultBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// DefaultMaxRoutes is how many distinct route labels a Metrics keeps before
// it folds new routes into "other".
const DefaultMaxRoutes = 1000

// WithNamespace prefixes every series name with ns and an underscore; the
// default is "gincache". An empty namespace leaves the names bare
// ("requests_total"), which is rarely what you want.
func WithNamespace(ns string) Option {
	return optionFunc(func(c *config) { c.namespace = ns })
}

// WithBuckets sets the upper bounds, in seconds, of the store latency
// histogram. They must be strictly increasing; New panics otherwise. None,
// the default, means DefaultBuckets.
func WithBuckets(b ...float64) Option {
	return optionFunc(func(c *config) { c.buckets = b })
}

// WithMaxRoutes caps the distinct route labels at n (DefaultMaxRoutes when
// not given); the routes seen after the cap is reached are counted under
// route="other". n must be positive; New panics otherwise.
//
// Labels are route patterns, so an ordinary application stays far below any
// cap. The cap is there for the application that is not ordinary — routes
// generated at start-up per tenant or per page, say — because each label
// value costs memory here and in Prometheus for every series it appears
// in, and an unbounded label can take a monitoring system down.
func WithMaxRoutes(n int) Option {
	return optionFunc(func(c *config) { c.maxRoutes = n })
}
