package track

import (
	"errors"
	"testing"
)

func TestParseCondition(t *testing.T) {
	tests := []struct {
		in      string
		want    Condition
		wantErr bool
	}{
		{"uplink up", Condition{"uplink", Up}, false},
		{"uplink down", Condition{"uplink", Down}, false},
		{"uplink", Condition{"uplink", Up}, false},
		{"  uplink   down ", Condition{"uplink", Down}, false},
		{"", Condition{}, true},
		{"uplink sideways", Condition{}, true},
		{"uplink up now", Condition{}, true},
	}
	for _, tc := range tests {
		got, err := ParseCondition(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil && !errors.Is(err, ErrInvalidCondition) {
			t.Errorf("%q: err %v is not ErrInvalidCondition", tc.in, err)
		}
		if got != tc.want {
			t.Errorf("%q: %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestConditionMet(t *testing.T) {
	up, down := Condition{"a", Up}, Condition{"a", Down}
	cases := []struct {
		c    Condition
		s    State
		want bool
	}{
		{up, Up, true}, {up, Down, false}, {up, Unknown, false},
		{down, Down, true}, {down, Up, false}, {down, Unknown, false},
	}
	for _, tc := range cases {
		if got := tc.c.Met(tc.s); got != tc.want {
			t.Errorf("%v met by %v: %v, want %v", tc.c, tc.s, got, tc.want)
		}
	}
}
