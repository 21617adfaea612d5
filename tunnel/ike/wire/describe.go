package wire

import (
	"strconv"
	"strings"
)

// One-line summaries of messages for logs, in the style of the RFC's
// exchange diagrams: "IKE_SA_INIT request 0 [ SA KE No N(NAT_DETECTION_SOURCE_IP) V ]".

// String summarises the message header and its outer payloads.
func (m *Message) String() string {
	dir := "request"
	if m.IsResponse() {
		dir = "response"
	}
	return m.Exchange.String() + " " + dir + " " + strconv.FormatUint(uint64(m.MessageID), 10) + " " + DescribePayloads(m.Payloads)
}

// DescribePayloads lists payload types, with the notify type for Notify,
// the CP type for CP and fragment numbers for SKF.
func DescribePayloads(ps []Payload) string {
	var sb strings.Builder
	sb.WriteString("[")
	for _, p := range ps {
		sb.WriteByte(' ')
		sb.WriteString(describePayload(p))
	}
	sb.WriteString(" ]")
	return sb.String()
}

func describePayload(p Payload) string {
	switch v := p.(type) {
	case *Notify:
		return "N(" + v.NotifyType.String() + ")"
	case *CP:
		return "CP(" + v.CfgType.String() + ")"
	case *SKF:
		return "SKF(" + strconv.Itoa(int(v.FragmentNumber)) + "/" + strconv.Itoa(int(v.TotalFragments)) + ")"
	case *EAP:
		return "EAP"
	}
	return p.Type().String()
}
