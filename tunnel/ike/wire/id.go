package wire

// Identification payload body, IDi and IDr (RFC 7296 3.5):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   ID Type     |                 RESERVED                      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                   Identification Data                         ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The AUTH computation signs these body bytes (ID Type, RESERVED, data):
// use (*ID).Body to get exactly them.

func decodeID(body []byte, responder bool) (*ID, error) {
	if len(body) < 4 {
		return nil, syntaxErr(ErrTruncated, "id: %d bytes", len(body))
	}
	return &ID{Responder: responder, IDType: IDType(body[0]), Data: body[4:]}, nil
}

func (p *ID) appendBody(b []byte) ([]byte, error) {
	b = append(b, byte(p.IDType), 0, 0, 0)
	return append(b, p.Data...), nil
}

// Body returns the payload body as it goes on the wire (ID Type, three
// reserved zero bytes, data): the RestOfInitIDPayload / RestOfRespIDPayload
// that RFC 7296 2.15 feeds into the AUTH MAC.
func (p *ID) Body() []byte {
	b, _ := p.appendBody(make([]byte, 0, 4+len(p.Data)))
	return b
}
