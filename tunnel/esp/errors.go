package esp

import "errors"

// Sentinel errors. Seal and Open return these unwrapped (wrapping would
// allocate per packet); constructors wrap ErrConfig and ErrUnsupported.
var (
	// ErrConfig means a Config was rejected by NewOutbound or NewInbound.
	ErrConfig = errors.New("esp: invalid config")
	// ErrUnsupported means the transform combination is not implemented.
	ErrUnsupported = errors.New("esp: unsupported transform")

	// ErrMalformed means the packet is too short or not block aligned.
	ErrMalformed = errors.New("esp: malformed packet")
	// ErrReplay means the sequence number was already seen or is older
	// than the replay window.
	ErrReplay = errors.New("esp: replayed packet")
	// ErrAuth means the ICV did not verify.
	ErrAuth = errors.New("esp: authentication failed")
	// ErrPadding means the decrypted trailer is inconsistent.
	ErrPadding = errors.New("esp: bad padding")
	// ErrSeqExhausted means the outbound sequence number space is used up;
	// the SA must be rekeyed (RFC 4303 3.3.3: it never wraps).
	ErrSeqExhausted = errors.New("esp: sequence number exhausted")
	// ErrHardLifetime means the SA reached its hard lifetime.
	ErrHardLifetime = errors.New("esp: hard lifetime reached")
	// ErrNoRoom means the caller's buffer lacks headroom or tailroom.
	ErrNoRoom = errors.New("esp: buffer lacks headroom or tailroom")
	// ErrClosed means the SA was closed (retired after a rekey or delete).
	ErrClosed = errors.New("esp: SA closed")
)
