package wire

import (
	"maps"
	"slices"
	"strings"
)

// Which payloads each exchange carries (RFC 7296 1.2-1.5, 2.16, RFC 5685,
// RFC 9370), as data. A message must match one of the forms listed for
// its exchange and direction. Notify and Vendor ID payloads and unknown
// non-critical payloads may appear in any message unless a form requires
// a Notify. Check the payloads the peer protects: the outer list for
// IKE_SA_INIT, the decrypted inner list for the other exchanges.

// bound is how many payloads of a type a form allows.
type bound struct{ min, max int }

const many = 1 << 30

var (
	one  = bound{1, 1}
	opt  = bound{0, 1}
	anyN = bound{0, many}
	req  = bound{1, many} // at least one
)

// form is one acceptable shape of a message.
type form struct {
	name     string
	payloads map[PayloadType]bound // types not listed are not allowed
	together []PayloadType         // all present or all absent
}

type ruleKey struct {
	ex       ExchangeType
	response bool
}

var childSA = []PayloadType{PayloadSA, PayloadTSi, PayloadTSr}

var notifyOnly = form{name: "notify only", payloads: map[PayloadType]bound{PayloadNotify: req}}

var payloadRules = map[ruleKey][]form{
	{IKE_SA_INIT, false}: {
		{name: "SA, KE, Ni", payloads: map[PayloadType]bound{PayloadSA: one, PayloadKE: one, PayloadNonce: one}},
	},
	{IKE_SA_INIT, true}: {
		{name: "SA, KE, Nr", payloads: map[PayloadType]bound{PayloadSA: one, PayloadKE: one, PayloadNonce: one, PayloadCERTREQ: anyN}},
		notifyOnly, // COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN, REDIRECT
	},
	{IKE_AUTH, false}: {
		{name: "IDi first round", payloads: map[PayloadType]bound{
			PayloadIDi: one, PayloadCERT: anyN, PayloadCERTREQ: anyN, PayloadIDr: opt, PayloadAUTH: opt,
			PayloadCP: opt, PayloadSA: opt, PayloadTSi: opt, PayloadTSr: opt,
		}, together: childSA},
		{name: "EAP round", payloads: map[PayloadType]bound{PayloadEAP: one}},
		{name: "final AUTH after EAP", payloads: map[PayloadType]bound{PayloadAUTH: one}},
	},
	{IKE_AUTH, true}: {
		{name: "AUTH", payloads: map[PayloadType]bound{
			PayloadIDr: opt, PayloadCERT: anyN, PayloadAUTH: one, PayloadEAP: opt,
			PayloadCP: opt, PayloadSA: opt, PayloadTSi: opt, PayloadTSr: opt,
		}, together: childSA},
		{name: "EAP round", payloads: map[PayloadType]bound{PayloadIDr: opt, PayloadCERT: anyN, PayloadEAP: one}},
		notifyOnly, // AUTHENTICATION_FAILED, REDIRECT before AUTH, ...
	},
	{CREATE_CHILD_SA, false}: {
		{name: "SA, Ni", payloads: map[PayloadType]bound{
			PayloadSA: one, PayloadNonce: one, PayloadKE: opt, PayloadTSi: opt, PayloadTSr: opt,
		}, together: []PayloadType{PayloadTSi, PayloadTSr}},
	},
	{CREATE_CHILD_SA, true}: {
		{name: "SA, Nr", payloads: map[PayloadType]bound{
			PayloadSA: one, PayloadNonce: one, PayloadKE: opt, PayloadTSi: opt, PayloadTSr: opt,
		}, together: []PayloadType{PayloadTSi, PayloadTSr}},
		notifyOnly,
	},
	{INFORMATIONAL, false}: {
		{name: "informational", payloads: map[PayloadType]bound{PayloadDelete: anyN, PayloadCP: opt}},
	},
	{INFORMATIONAL, true}: {
		{name: "informational", payloads: map[PayloadType]bound{PayloadDelete: anyN, PayloadCP: opt}},
	},
	{IKE_INTERMEDIATE, false}: {
		{name: "intermediate", payloads: map[PayloadType]bound{PayloadKE: opt}},
	},
	{IKE_INTERMEDIATE, true}: {
		{name: "intermediate", payloads: map[PayloadType]bound{PayloadKE: opt}},
	},
	{IKE_FOLLOWUP_KE, false}: {
		{name: "KE, N(ADDITIONAL_KEY_EXCHANGE)", payloads: map[PayloadType]bound{PayloadKE: one, PayloadNotify: req}},
	},
	{IKE_FOLLOWUP_KE, true}: {
		{name: "KE", payloads: map[PayloadType]bound{PayloadKE: one}},
		notifyOnly,
	},
}

// CheckRules reports whether ps is an acceptable payload list for a
// request (response false) or response of exchange ex. A violation is a
// *NotifyError with INVALID_SYNTAX wrapping ErrRules.
func CheckRules(ex ExchangeType, response bool, ps []Payload) error {
	forms, ok := payloadRules[ruleKey{ex, response}]
	if !ok {
		return &NotifyError{Type: INVALID_SYNTAX, Msg: "no payload rules for exchange " + ex.String(), Err: ErrRules}
	}
	counts := countPayloads(ps)
	var problems []string
	for _, f := range forms {
		p := f.check(counts)
		if p == "" {
			return nil
		}
		problems = append(problems, f.name+": "+p)
	}
	dir := "request"
	if response {
		dir = "response"
	}
	return &NotifyError{Type: INVALID_SYNTAX, Msg: ex.String() + " " + dir + " matches no form (" + strings.Join(problems, "; ") + ")", Err: ErrRules}
}

// countPayloads counts payloads by type, leaving out unknown ones.
func countPayloads(ps []Payload) map[PayloadType]int {
	counts := make(map[PayloadType]int, len(ps))
	for _, p := range ps {
		if _, unknown := p.(*Unknown); !unknown {
			counts[p.Type()]++
		}
	}
	return counts
}

// check returns "" if counts fit the form, else what is wrong.
func (f form) check(counts map[PayloadType]int) string {
	for _, t := range slices.Sorted(maps.Keys(counts)) {
		n := counts[t]
		b, listed := f.payloads[t]
		if !listed && (t == PayloadNotify || t == PayloadVendorID) {
			continue
		}
		if !listed {
			return t.String() + " not allowed"
		}
		if n > b.max {
			return "more than " + itoa(b.max) + " " + t.String()
		}
	}
	for _, t := range slices.Sorted(maps.Keys(f.payloads)) {
		if counts[t] < f.payloads[t].min {
			return "missing " + t.String()
		}
	}
	return f.checkTogether(counts)
}

func (f form) checkTogether(counts map[PayloadType]int) string {
	present := 0
	for _, t := range f.together {
		if counts[t] > 0 {
			present++
		}
	}
	if present != 0 && present != len(f.together) {
		names := make([]string, len(f.together))
		for i, t := range f.together {
			names[i] = t.String()
		}
		return strings.Join(names, ", ") + " must appear together"
	}
	return ""
}
