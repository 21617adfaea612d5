package wire

import (
	"errors"
	"fmt"
)

// Error rule: every failure of DecodeHeader, Decode and DecodePayloads is a
// *NotifyError, so the engine can always answer with (or log) the matching
// notification: INVALID_MAJOR_VERSION for a bad version,
// UNSUPPORTED_CRITICAL_PAYLOAD for an unknown critical payload and
// INVALID_SYNTAX for everything else. The NotifyError wraps one of the
// sentinels below, so errors.Is(err, ErrTruncated) also works. Encoders and
// the typed Notify/CP helpers return plain errors wrapping these sentinels.
var (
	// ErrTruncated: a length points past the end of the input.
	ErrTruncated = errors.New("truncated")
	// ErrBadLength: a length field is impossible for its structure.
	ErrBadLength = errors.New("bad length")
	// ErrBadValue: a field holds a value the structure does not allow.
	ErrBadValue = errors.New("invalid value")
	// ErrTrailingData: bytes are left over after a structure that must
	// fill its container exactly.
	ErrTrailingData = errors.New("trailing data")
	// ErrVersion: the header carries a major version other than 2.
	ErrVersion = errors.New("unsupported IKE version")
	// ErrCritical: an unknown payload has the critical bit set.
	ErrCritical = errors.New("unsupported critical payload")
	// ErrTooLong: a value does not fit its length field when encoding.
	ErrTooLong = errors.New("too long to encode")
	// ErrUnsupportedPayload: Encode was given a Payload implementation
	// this package does not know, or SK/SKF where they are not allowed.
	ErrUnsupportedPayload = errors.New("unsupported payload")
	// ErrWrongNotify: a typed Notify parser got another notify type.
	ErrWrongNotify = errors.New("wrong notify type")
	// ErrWrongAttr: a typed CP parser got an attribute of another type.
	ErrWrongAttr = errors.New("wrong attribute type")
	// ErrRules: the payloads break the per-exchange rules (rules.go).
	ErrRules = errors.New("payloads not allowed in this exchange")
)

// syntaxErr builds the INVALID_SYNTAX error that decoders return.
func syntaxErr(sentinel error, format string, args ...any) error {
	return &NotifyError{Type: INVALID_SYNTAX, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// prefixErr adds context to a decoder's *NotifyError without hiding its
// type, so errors from nested structures stay *NotifyError at top level.
func prefixErr(err error, prefix string) error {
	if ne, ok := err.(*NotifyError); ok {
		ne.Msg = prefix + ne.Msg
		return ne
	}
	return err
}
