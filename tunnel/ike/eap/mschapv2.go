package eap

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// EAP-MS-CHAPv2 Type-Data (draft-kamath-pppext-eap-mschapv2 section 2):
//
//	 0                   1                   2                   3
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|    OpCode     | MS-CHAPv2-ID  |           MS-Length           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Value-Size   |  Value ... (Challenge / Response)  |  Name ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Success and Failure requests carry a text Message instead of Value and
// Name; the peer's Success and Failure responses are the OpCode alone.
// MS-Length counts from OpCode to the end (EAP Length minus 5).

type msOpCode uint8

const (
	msChallenge msOpCode = 1
	msResponse  msOpCode = 2
	msSuccess   msOpCode = 3
	msFailure   msOpCode = 4
)

const (
	msHeaderLen     = 4
	msResponseValue = 49 // PeerChallenge 16, Reserved 8, NT-Response 24, Flags 1
	serverName      = "flexvpn"
)

// MS-CHAPv2 error codes carried in "E=" (RFC 2759 section 6).
const (
	msErrRestrictedHours = 646
	msErrAccountDisabled = 647
	msErrPasswordExpired = 648
	msErrNoDialin        = 649
	msErrAuthFailure     = 691
)

// msMessage is a decoded EAP-MS-CHAPv2 Type-Data. Body aliases the input.
type msMessage struct {
	Op   msOpCode
	ID   uint8
	Body []byte // after MS-Length; nil for an OpCode-only response
}

// parseMS decodes the Type-Data of a Type 26 packet. MS-Length is checked
// against the data actually present rather than trusted, because some
// implementations get it wrong and the EAP Length already bounds the packet.
func parseMS(data []byte) (msMessage, error) {
	if len(data) == 0 {
		return msMessage{}, fmt.Errorf("%w: empty MS-CHAPv2 data", ErrMalformed)
	}
	m := msMessage{Op: msOpCode(data[0])}
	if len(data) == 1 {
		return m, nil
	}
	if len(data) < msHeaderLen {
		return msMessage{}, fmt.Errorf("%w: short MS-CHAPv2 header", ErrMalformed)
	}
	if n := int(binary.BigEndian.Uint16(data[2:4])); n > len(data) {
		return msMessage{}, fmt.Errorf("%w: MS-Length %d exceeds %d", ErrMalformed, n, len(data))
	}
	m.ID, m.Body = data[1], data[msHeaderLen:]
	return m, nil
}

// appendMS frames an MS-CHAPv2 message with its header.
func appendMS(op msOpCode, id uint8, body ...[]byte) []byte {
	n := msHeaderLen
	for _, b := range body {
		n += len(b)
	}
	out := make([]byte, 0, n)
	out = append(out, byte(op), id, byte(n>>8), byte(n))
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

// msChallengeMsg is the authenticator's Challenge body: Value-Size 16, the
// challenge, and the authenticator's name.
type msChallengeMsg struct {
	Challenge []byte
	Name      []byte
}

func parseMSChallenge(body []byte) (msChallengeMsg, error) {
	if len(body) < 1+challengeLen || body[0] != challengeLen {
		return msChallengeMsg{}, fmt.Errorf("%w: bad MS-CHAPv2 challenge", ErrMalformed)
	}
	return msChallengeMsg{Challenge: body[1 : 1+challengeLen], Name: body[1+challengeLen:]}, nil
}

func buildMSChallenge(id uint8, challenge []byte, name string) []byte {
	return appendMS(msChallenge, id, []byte{challengeLen}, challenge, []byte(name))
}

// msResponseMsg is the peer's Response body.
type msResponseMsg struct {
	PeerChallenge []byte
	NTResponse    []byte
	Name          string
}

func parseMSResponse(body []byte) (msResponseMsg, error) {
	if len(body) < 1+msResponseValue || body[0] != msResponseValue {
		return msResponseMsg{}, fmt.Errorf("%w: bad MS-CHAPv2 response", ErrMalformed)
	}
	v := body[1 : 1+msResponseValue]
	return msResponseMsg{
		PeerChallenge: v[:challengeLen],
		NTResponse:    v[challengeLen+8 : challengeLen+8+ntResponseLen],
		Name:          string(body[1+msResponseValue:]),
	}, nil
}

func buildMSResponse(id uint8, peerChal []byte, ntResp []byte, name string) []byte {
	var reserved [8]byte
	flags := []byte{0}
	return appendMS(msResponse, id, []byte{msResponseValue}, peerChal, reserved[:], ntResp, flags, []byte(name))
}

// msText returns a Success or Failure message as text, without the NUL
// terminator strongSwan includes.
func msText(body []byte) string {
	return string(bytes.TrimRight(body, "\x00"))
}

// msSuccessMsg is the authenticator's Success request: "S=<40 hex> M=<msg>".
type msSuccessMsg struct {
	AuthResponse string // the 40 hex digits after "S="
	Message      string
}

func parseMSSuccess(body []byte) (msSuccessMsg, error) {
	text := msText(body)
	const digits = 2 * authRespLen
	if len(text) < 2+digits || !strings.HasPrefix(text, "S=") {
		return msSuccessMsg{}, fmt.Errorf("%w: MS-CHAPv2 success without authenticator response", ErrMalformed)
	}
	m := msSuccessMsg{AuthResponse: text[2 : 2+digits]}
	rest := strings.TrimLeft(text[2+digits:], " ")
	m.Message, _ = strings.CutPrefix(rest, "M=")
	return m, nil
}

func buildMSSuccess(id uint8, auth [authRespLen]byte, msg string) []byte {
	return appendMS(msSuccess, id, []byte(formatAuthResponse(auth)+" M="+msg))
}

// msFailureMsg is the authenticator's Failure request:
// "E=eeeeeeeeee R=r C=cccc... V=vvvvvvvvvv M=<msg>" (RFC 2759 section 6).
type msFailureMsg struct {
	Code      int
	Retry     bool
	Challenge []byte // nil when absent or malformed
	Message   string
}

func parseMSFailure(body []byte) (msFailureMsg, error) {
	text := msText(body)
	var m msFailureMsg
	haveCode := false
	for text != "" {
		if msg, ok := strings.CutPrefix(text, "M="); ok {
			m.Message = msg // the message runs to the end and may hold spaces
			break
		}
		tok, rest, _ := strings.Cut(text, " ")
		text = rest
		key, val, _ := strings.Cut(tok, "=")
		switch key {
		case "E":
			code, err := strconv.Atoi(val)
			if err != nil {
				return msFailureMsg{}, fmt.Errorf("%w: MS-CHAPv2 failure code %q", ErrMalformed, val)
			}
			m.Code, haveCode = code, true
		case "R":
			m.Retry = val == "1"
		case "C":
			if c, err := hex.DecodeString(val); err == nil && len(c) == challengeLen {
				m.Challenge = c
			}
		}
	}
	if !haveCode {
		return msFailureMsg{}, fmt.Errorf("%w: MS-CHAPv2 failure without error code", ErrMalformed)
	}
	return m, nil
}

// buildMSFailure builds a non-retryable Failure request; we never offer a
// retry because the Limiter, not the method, governs further attempts.
func buildMSFailure(id uint8, code int, challenge []byte, msg string) []byte {
	text := fmt.Sprintf("E=%d R=0 C=%s V=3 M=%s", code, strings.ToUpper(hex.EncodeToString(challenge)), msg)
	return appendMS(msFailure, id, []byte(text))
}

// failureError classifies an MS-CHAPv2 Failure request for the user.
func failureError(m msFailureMsg) *FailureError {
	e := &FailureError{Err: ErrAuthFailed, Code: m.Code, Message: m.Message}
	switch m.Code {
	case msErrPasswordExpired:
		e.Err = ErrPasswordExpired
	case msErrRestrictedHours, msErrAccountDisabled, msErrNoDialin:
		e.Err = ErrAccountRestricted
	}
	return e
}
