package server

import (
	"bytes"

	"flexvpn/tunnel/ike/wire"
)

// ConfigResponse is everything answering one CFG_REQUEST produced: the
// addresses to release when the session ends, the CFG_REPLY attributes and
// the selector narrowing for the Child SA.
type ConfigResponse struct {
	Lease      Lease
	Attributes []wire.CPAttr
	Narrowing  Narrowing
	Request    CPRequest // the decoded request (announced subnets, ignored attributes)
}

// RespondConfig answers a CFG_REQUEST for an authorized peer: assign the
// addresses it asked for, build the reply and the narrowing. identity keys
// the pools' memory of past addresses. An error is already a
// *wire.NotifyError when it has a protocol meaning (INTERNAL_ADDRESS_FAILURE
// for an exhausted pool), ready to return from ike.Config.ConfigProvider.
func (c *Config) RespondConfig(identity string, authz Authorization, reqAttrs []wire.CPAttr, vendorIDs [][]byte) (ConfigResponse, error) {
	req := ParseCPRequest(reqAttrs)
	lease, err := c.Pools.Assign(identity, req, authz.Attributes)
	if err != nil {
		return ConfigResponse{Request: req}, AsNotify(err)
	}
	info := ReplyInfo{AppVersion: c.AppVersion, CiscoClient: IsCiscoClient(vendorIDs)}
	return ConfigResponse{
		Lease:      lease,
		Attributes: BuildCPReply(req, authz.Attributes, lease, info),
		Narrowing:  AllowedSelectors(authz.Attributes, lease),
		Request:    req,
	}, nil
}

// IsCiscoClient reports whether the peer's vendor IDs mark it as a
// FlexVPN or AnyConnect client, which get Unity attributes unasked (seed
// L1554): FLEXVPN-SUPPORTED, or Cisco's copyright vendor ID.
func IsCiscoClient(vendorIDs [][]byte) bool {
	for _, v := range vendorIDs {
		if bytes.Equal(v, []byte("FLEXVPN-SUPPORTED")) || bytes.HasPrefix(v, []byte("CISCO(COPYRIGHT)")) {
			return true
		}
	}
	return false
}
