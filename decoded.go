package gincache

// A decoded entry's Header values, its prepared form and that form's
// fields come from one allocation with the Entry when the header is
// small, which a page's almost always is (a handful of fields of one value
// each: Content-Type, Content-Length, Etag, Vary, …). A Redis hit pays
// for every allocation of its decode, and these three arrays and two
// structs would be five.
//
// decodedFields and decodedValues are that room: 12 fields (the prepared
// form's, one a field of Header) and 12 values. With them decoded is 872
// bytes, in the 896-byte size class; a header that does not fit gets arrays
// of its own (newDecoded).
const (
	decodedFields = 12
	decodedValues = 12
)

// decoded is an Entry with its prepared form and the arrays behind them,
// allocated as one. The Entry is what DecodeEntry returns: a pointer into
// the middle of nothing else, so the whole block lives as long as the
// entry does, and no longer.
type decoded struct {
	entry  Entry
	hit    prepared
	fields [decodedFields]field
	values [decodedValues]string
}

// newDecoded returns a zero Entry, a zero prepared form for it, nfields
// fields for that form and nvals values for its Header: in one allocation
// when they fit in decoded, in one each otherwise.
func newDecoded(nfields, nvals int) (*Entry, *prepared, []field, []string) {
	if nfields <= decodedFields && nvals <= decodedValues {
		d := new(decoded)
		return &d.entry, &d.hit, d.fields[:nfields], d.values[:nvals]
	}
	return new(Entry), new(prepared), make([]field, nfields), make([]string, nvals)
}
