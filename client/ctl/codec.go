package ctl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodeRequest parses and validates one request line (without or with
// its trailing newline).
func DecodeRequest(line []byte) (Request, error) {
	var r Request
	if len(line) > MaxRequestLine {
		return Request{}, ErrLineTooLong
	}
	if err := decodeStrict(line, &r); err != nil {
		return Request{}, err
	}
	if r.V != Version {
		return Request{}, fmt.Errorf("%w: got v=%d, want %d", ErrVersion, r.V, Version)
	}
	return r, r.validate()
}

// validate checks the op and the profile name it needs.
func (r Request) validate() error {
	switch r.Op {
	case OpUp, OpDown:
		if r.Profile == "" {
			return fmt.Errorf("%w: %s needs a profile name", ErrBadRequest, r.Op)
		}
	case OpStatus, OpTrace, OpWatch:
		if r.Profile == "" {
			return nil
		}
	default:
		return fmt.Errorf("%w: unknown op %q", ErrBadRequest, r.Op)
	}
	if !ValidProfileName(r.Profile) {
		return fmt.Errorf("%w: %q is not a profile name (letters, digits, '.', '_', '-'; at most %d)", ErrBadRequest, r.Profile, MaxProfileName)
	}
	return nil
}

// ValidProfileName reports whether s can name a profile on the wire: it
// becomes part of log lines and file names, so it is kept plain.
func ValidProfileName(s string) bool {
	if s == "" || len(s) > MaxProfileName || s[0] == '.' || s[0] == '-' {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// DecodeResponse parses one response line.
func DecodeResponse(line []byte) (Response, error) {
	var r Response
	if len(line) > MaxResponseLine {
		return Response{}, ErrLineTooLong
	}
	if err := decodeStrict(line, &r); err != nil {
		return Response{}, err
	}
	if r.V != Version {
		return Response{}, fmt.Errorf("%w: got v=%d, want %d", ErrVersion, r.V, Version)
	}
	if !r.OK && r.Error == "" {
		return Response{}, fmt.Errorf("%w: a failed response without an error", ErrBadRequest)
	}
	return r, nil
}

// decodeStrict decodes exactly one JSON object with only known fields.
func decodeStrict(line []byte, v any) error {
	line = bytes.TrimSuffix(line, []byte("\n"))
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data after the JSON object", ErrBadRequest)
	}
	return nil
}

// EncodeLine renders v (a Request or Response) as one line with its
// newline. encoding/json escapes control characters, so the line holds
// no other newline.
func EncodeLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ReadLine reads one newline-terminated line of at most max bytes
// (newline excluded). A longer line is an error: the stream cannot be
// resynchronised, so the caller closes it.
func ReadLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > max+1 {
			return nil, ErrLineTooLong
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}
