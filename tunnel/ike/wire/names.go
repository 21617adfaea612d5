package wire

import (
	"strconv"
	"strings"
)

// Readable names for logs. Unknown values print as TYPE(n) so that a log
// line never hides the number we actually received.

func nameOr(names map[uint16]string, v uint16, kind string) string {
	if n, ok := names[v]; ok {
		return n
	}
	return kind + "(" + strconv.Itoa(int(v)) + ")"
}

var exchangeNames = map[uint16]string{
	uint16(IKE_SA_INIT): "IKE_SA_INIT", uint16(IKE_AUTH): "IKE_AUTH",
	uint16(CREATE_CHILD_SA): "CREATE_CHILD_SA", uint16(INFORMATIONAL): "INFORMATIONAL",
	uint16(IKE_INTERMEDIATE): "IKE_INTERMEDIATE", uint16(IKE_FOLLOWUP_KE): "IKE_FOLLOWUP_KE",
}

// String returns the IANA name of the exchange type.
func (e ExchangeType) String() string { return nameOr(exchangeNames, uint16(e), "EXCHANGE") }

var payloadNames = map[uint16]string{
	uint16(PayloadNone): "NONE", uint16(PayloadSA): "SA", uint16(PayloadKE): "KE",
	uint16(PayloadIDi): "IDi", uint16(PayloadIDr): "IDr", uint16(PayloadCERT): "CERT",
	uint16(PayloadCERTREQ): "CERTREQ", uint16(PayloadAUTH): "AUTH", uint16(PayloadNonce): "No",
	uint16(PayloadNotify): "N", uint16(PayloadDelete): "D", uint16(PayloadVendorID): "V",
	uint16(PayloadTSi): "TSi", uint16(PayloadTSr): "TSr", uint16(PayloadSK): "SK",
	uint16(PayloadCP): "CP", uint16(PayloadEAP): "EAP", uint16(PayloadSKF): "SKF",
}

// String returns the RFC 7296 notation of the payload type (SA, KE, No,
// N, V, ...), as used in the RFC's exchange diagrams.
func (t PayloadType) String() string { return nameOr(payloadNames, uint16(t), "PAYLOAD") }

var protocolNames = map[uint16]string{1: "IKE", 2: "AH", 3: "ESP"}

// String returns IKE, AH or ESP.
func (p ProtocolID) String() string { return nameOr(protocolNames, uint16(p), "PROTO") }

var transformTypeNames = map[uint16]string{
	1: "ENCR", 2: "PRF", 3: "INTEG", 4: "KE", 5: "ESN",
	6: "ADDKE1", 7: "ADDKE2", 8: "ADDKE3", 9: "ADDKE4", 10: "ADDKE5", 11: "ADDKE6", 12: "ADDKE7",
}

// String returns the transform type name.
func (t TransformType) String() string { return nameOr(transformTypeNames, uint16(t), "TRANSFORM") }

var encrNames = map[uint16]string{
	ENCR_3DES: "3DES", ENCR_NULL: "NULL", ENCR_AES_CBC: "AES_CBC", ENCR_AES_CTR: "AES_CTR",
	ENCR_AES_GCM_8: "AES_GCM_8", ENCR_AES_GCM_12: "AES_GCM_12", ENCR_AES_GCM_16: "AES_GCM_16",
	ENCR_CHACHA20_POLY1305: "CHACHA20_POLY1305", ENCR_AES_CCM_8: "AES_CCM_8", ENCR_AES_CCM_12: "AES_CCM_12",
	ENCR_AES_CCM_16: "AES_CCM_16", ENCR_CAMELLIA_CBC: "CAMELLIA_CBC", ENCR_CAMELLIA_CTR: "CAMELLIA_CTR",
}

var prfNames = map[uint16]string{
	PRF_HMAC_MD5: "PRF_HMAC_MD5", PRF_HMAC_SHA1: "PRF_HMAC_SHA1", PRF_HMAC_SHA2_256: "PRF_HMAC_SHA2_256",
	PRF_HMAC_SHA2_384: "PRF_HMAC_SHA2_384", PRF_HMAC_SHA2_512: "PRF_HMAC_SHA2_512",
	PRF_AES128_XCBC: "PRF_AES128_XCBC", PRF_AES128_CMAC: "PRF_AES128_CMAC",
}

var integNames = map[uint16]string{
	AUTH_NONE: "NONE", AUTH_HMAC_MD5_96: "HMAC_MD5_96", AUTH_HMAC_SHA1_96: "HMAC_SHA1_96",
	AUTH_HMAC_SHA2_256_128: "HMAC_SHA2_256_128", AUTH_HMAC_SHA2_384_192: "HMAC_SHA2_384_192",
	AUTH_HMAC_SHA2_512_256: "HMAC_SHA2_512_256", AUTH_AES_XCBC_96: "AES_XCBC_96", AUTH_AES_CMAC_96: "AES_CMAC_96",
}

var keNames = map[uint16]string{
	KE_NONE: "NONE", KE_MODP1024: "MODP_1024", KE_MODP1536: "MODP_1536", KE_MODP2048: "MODP_2048",
	KE_MODP3072: "MODP_3072", KE_MODP4096: "MODP_4096", KE_ECP256: "ECP_256", KE_ECP384: "ECP_384",
	KE_ECP521: "ECP_521", KE_MODP2048_256: "MODP_2048_256", KE_CURVE25519: "CURVE_25519",
	KE_CURVE448: "CURVE_448", KE_MLKEM512: "ML_KEM_512", KE_MLKEM768: "ML_KEM_768",
	KE_MLKEM1024: "ML_KEM_1024", KE_MODP6144: "MODP_6144", KE_MODP8192: "MODP_8192", KE_ECP192: "ECP_192",
	KE_ECP224: "ECP_224", KE_ECP224_BP: "ECP_224_BP", KE_ECP256_BP: "ECP_256_BP", KE_ECP384_BP: "ECP_384_BP",
	KE_ECP512_BP: "ECP_512_BP",
}

var esnNames = map[uint16]string{ESN_NO: "NO_EXT_SEQ", ESN_YES: "EXT_SEQ"}

// TransformName returns the readable name of transform id of type t
// (without key length), e.g. AES_GCM_16, PRF_HMAC_SHA2_256, ECP_256.
func TransformName(t TransformType, id uint16) string {
	switch {
	case t == TransformENCR:
		return nameOr(encrNames, id, "ENCR")
	case t == TransformPRF:
		return nameOr(prfNames, id, "PRF")
	case t == TransformINTEG:
		return nameOr(integNames, id, "INTEG")
	case t == TransformKE || (t >= TransformADDKE1 && t <= TransformADDKE1+6):
		return nameOr(keNames, id, "KE")
	case t == TransformESN:
		return nameOr(esnNames, id, "ESN")
	}
	return t.String() + "(" + strconv.Itoa(int(id)) + ")"
}

// String returns the transform's name with its key length, e.g.
// AES_CBC_256, AES_GCM_16_256, HMAC_SHA2_256_128, ECP_256.
func (t Transform) String() string {
	n := TransformName(t.Type, t.ID)
	if t.KeyLength != 0 {
		n += "_" + strconv.Itoa(int(t.KeyLength))
	}
	if t.Type >= TransformADDKE1 {
		n = t.Type.String() + ":" + n
	}
	return n
}

// String returns the proposal as PROTO:T1/T2/..., e.g.
// IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/ECP_256.
func (p Proposal) String() string {
	var sb strings.Builder
	sb.WriteString(p.Protocol.String())
	for i, t := range p.Transforms {
		if i == 0 {
			sb.WriteByte(':')
		} else {
			sb.WriteByte('/')
		}
		sb.WriteString(t.String())
	}
	return sb.String()
}

var authMethodNames = map[uint16]string{
	1: "RSA_SIG", 2: "SHARED_KEY_MIC", 3: "DSS_SIG", 9: "ECDSA_SHA256_P256", 10: "ECDSA_SHA384_P384",
	11: "ECDSA_SHA512_P521", 14: "DIGITAL_SIGNATURE",
}

// String returns the IANA name of the authentication method.
func (m AuthMethod) String() string { return nameOr(authMethodNames, uint16(m), "AUTH") }

var idTypeNames = map[uint16]string{
	1: "ID_IPV4_ADDR", 2: "ID_FQDN", 3: "ID_RFC822_ADDR", 5: "ID_IPV6_ADDR", 9: "ID_DER_ASN1_DN",
	10: "ID_DER_ASN1_GN", 11: "ID_KEY_ID",
}

// String returns the IANA name of the identification type.
func (t IDType) String() string { return nameOr(idTypeNames, uint16(t), "ID") }

var cpTypeNames = map[uint16]string{1: "CFG_REQUEST", 2: "CFG_REPLY", 3: "CFG_SET", 4: "CFG_ACK"}

// String returns the configuration payload type name.
func (t CPType) String() string { return nameOr(cpTypeNames, uint16(t), "CFG") }

var tsTypeNames = map[uint16]string{7: "TS_IPV4_ADDR_RANGE", 8: "TS_IPV6_ADDR_RANGE"}

// String returns the traffic selector type name.
func (t TSType) String() string { return nameOr(tsTypeNames, uint16(t), "TS") }

var hashNames = map[uint16]string{1: "SHA1", 2: "SHA2_256", 3: "SHA2_384", 4: "SHA2_512", 5: "IDENTITY"}

// String returns the RFC 7427 hash algorithm name.
func (h HashAlgorithm) String() string { return nameOr(hashNames, uint16(h), "HASH") }

var cpAttrNames = map[uint16]string{
	1: "INTERNAL_IP4_ADDRESS", 2: "INTERNAL_IP4_NETMASK", 3: "INTERNAL_IP4_DNS", 4: "INTERNAL_IP4_NBNS",
	6: "INTERNAL_IP4_DHCP", 7: "APPLICATION_VERSION", 8: "INTERNAL_IP6_ADDRESS", 10: "INTERNAL_IP6_DNS",
	12: "INTERNAL_IP6_DHCP", 13: "INTERNAL_IP4_SUBNET", 14: "SUPPORTED_ATTRIBUTES", 15: "INTERNAL_IP6_SUBNET",
	25: "INTERNAL_DNS_DOMAIN", 23456: "MS_INTERNAL_IP4_SERVER", 23457: "MS_INTERNAL_IP6_SERVER",
	28672: "UNITY_BANNER", 28673: "UNITY_SAVE_PASSWD", 28674: "UNITY_DEF_DOMAIN", 28675: "UNITY_SPLITDNS_NAME",
	28676: "UNITY_SPLIT_INCLUDE", 28677: "UNITY_NATT_PORT", 28678: "UNITY_LOCAL_LAN", 28679: "UNITY_PFS",
	28680: "UNITY_FW_TYPE", 28681: "UNITY_BACKUP_SERVERS", 28682: "UNITY_DDNS_HOSTNAME",
}

// String returns the attribute type name.
func (t CPAttrType) String() string { return nameOr(cpAttrNames, uint16(t), "ATTR") }

// String lists the set flags, e.g. "I|R"; unknown bits print in hex.
func (f Flags) String() string {
	var parts []string
	if f&FlagInitiator != 0 {
		parts = append(parts, "I")
	}
	if f&FlagVersion != 0 {
		parts = append(parts, "V")
	}
	if f&FlagResponse != 0 {
		parts = append(parts, "R")
	}
	if rest := f &^ (FlagInitiator | FlagVersion | FlagResponse); rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return strings.Join(parts, "|")
}
