package wire

// CPRequest returns an empty-valued attribute of type t, the form used in
// CFG_REQUEST to ask for a value ("give me an address").
func CPRequest(t CPAttrType) CPAttr { return CPAttr{Type: t} }
