package wire

import "strconv"

// NotifyType is the Notify Message Type (RFC 7296 3.10.1 and IANA).
// Values below 16384 are errors, the rest are status notifications.
type NotifyType uint16

// Error notifications.
const (
	UNSUPPORTED_CRITICAL_PAYLOAD NotifyType = 1
	INVALID_IKE_SPI              NotifyType = 4
	INVALID_MAJOR_VERSION        NotifyType = 5
	INVALID_SYNTAX               NotifyType = 7
	INVALID_MESSAGE_ID           NotifyType = 9
	INVALID_SPI                  NotifyType = 11
	NO_PROPOSAL_CHOSEN           NotifyType = 14
	INVALID_KE_PAYLOAD           NotifyType = 17
	AUTHENTICATION_FAILED        NotifyType = 24
	SINGLE_PAIR_REQUIRED         NotifyType = 34
	NO_ADDITIONAL_SAS            NotifyType = 35
	INTERNAL_ADDRESS_FAILURE     NotifyType = 36
	FAILED_CP_REQUIRED           NotifyType = 37
	TS_UNACCEPTABLE              NotifyType = 38
	INVALID_SELECTORS            NotifyType = 39
	UNACCEPTABLE_ADDRESSES       NotifyType = 40
	UNEXPECTED_NAT_DETECTED      NotifyType = 41
	TEMPORARY_FAILURE            NotifyType = 43
	CHILD_SA_NOT_FOUND           NotifyType = 44
	STATE_NOT_FOUND              NotifyType = 47
)

// Status notifications.
const (
	INITIAL_CONTACT                 NotifyType = 16384
	SET_WINDOW_SIZE                 NotifyType = 16385
	ADDITIONAL_TS_POSSIBLE          NotifyType = 16386
	IPCOMP_SUPPORTED                NotifyType = 16387
	NAT_DETECTION_SOURCE_IP         NotifyType = 16388
	NAT_DETECTION_DESTINATION_IP    NotifyType = 16389
	COOKIE                          NotifyType = 16390
	USE_TRANSPORT_MODE              NotifyType = 16391
	HTTP_CERT_LOOKUP_SUPPORTED      NotifyType = 16392
	REKEY_SA                        NotifyType = 16393
	ESP_TFC_PADDING_NOT_SUPPORTED   NotifyType = 16394
	NON_FIRST_FRAGMENTS_ALSO        NotifyType = 16395
	MOBIKE_SUPPORTED                NotifyType = 16396
	ADDITIONAL_IP4_ADDRESS          NotifyType = 16397
	ADDITIONAL_IP6_ADDRESS          NotifyType = 16398
	NO_ADDITIONAL_ADDRESSES         NotifyType = 16399
	UPDATE_SA_ADDRESSES             NotifyType = 16400
	COOKIE2                         NotifyType = 16401
	NO_NATS_ALLOWED                 NotifyType = 16402
	AUTH_LIFETIME                   NotifyType = 16403
	MULTIPLE_AUTH_SUPPORTED         NotifyType = 16404
	ANOTHER_AUTH_FOLLOWS            NotifyType = 16405
	REDIRECT_SUPPORTED              NotifyType = 16406
	REDIRECT                        NotifyType = 16407
	REDIRECTED_FROM                 NotifyType = 16408
	TICKET_LT_OPAQUE                NotifyType = 16409
	TICKET_REQUEST                  NotifyType = 16410
	TICKET_ACK                      NotifyType = 16411
	TICKET_NACK                     NotifyType = 16412
	TICKET_OPAQUE                   NotifyType = 16413
	EAP_ONLY_AUTHENTICATION         NotifyType = 16417
	CHILDLESS_IKEV2_SUPPORTED       NotifyType = 16418
	IKEV2_MESSAGE_ID_SYNC_SUPPORTED NotifyType = 16420
	IKEV2_FRAGMENTATION_SUPPORTED   NotifyType = 16430
	SIGNATURE_HASH_ALGORITHMS       NotifyType = 16431
	USE_PPK                         NotifyType = 16435
	PPK_IDENTITY                    NotifyType = 16436
	NO_PPK_AUTH                     NotifyType = 16437
	INTERMEDIATE_EXCHANGE_SUPPORTED NotifyType = 16438
	ADDITIONAL_KEY_EXCHANGE         NotifyType = 16441
	USE_AGGFRAG                     NotifyType = 16442
)

// IsError reports whether t is an error notification.
func (t NotifyType) IsError() bool { return t < 16384 }

var notifyNames = map[NotifyType]string{
	UNSUPPORTED_CRITICAL_PAYLOAD:    "UNSUPPORTED_CRITICAL_PAYLOAD",
	INVALID_IKE_SPI:                 "INVALID_IKE_SPI",
	INVALID_MAJOR_VERSION:           "INVALID_MAJOR_VERSION",
	INVALID_SYNTAX:                  "INVALID_SYNTAX",
	INVALID_MESSAGE_ID:              "INVALID_MESSAGE_ID",
	INVALID_SPI:                     "INVALID_SPI",
	NO_PROPOSAL_CHOSEN:              "NO_PROPOSAL_CHOSEN",
	INVALID_KE_PAYLOAD:              "INVALID_KE_PAYLOAD",
	AUTHENTICATION_FAILED:           "AUTHENTICATION_FAILED",
	SINGLE_PAIR_REQUIRED:            "SINGLE_PAIR_REQUIRED",
	NO_ADDITIONAL_SAS:               "NO_ADDITIONAL_SAS",
	INTERNAL_ADDRESS_FAILURE:        "INTERNAL_ADDRESS_FAILURE",
	FAILED_CP_REQUIRED:              "FAILED_CP_REQUIRED",
	TS_UNACCEPTABLE:                 "TS_UNACCEPTABLE",
	INVALID_SELECTORS:               "INVALID_SELECTORS",
	UNACCEPTABLE_ADDRESSES:          "UNACCEPTABLE_ADDRESSES",
	UNEXPECTED_NAT_DETECTED:         "UNEXPECTED_NAT_DETECTED",
	TEMPORARY_FAILURE:               "TEMPORARY_FAILURE",
	CHILD_SA_NOT_FOUND:              "CHILD_SA_NOT_FOUND",
	STATE_NOT_FOUND:                 "STATE_NOT_FOUND",
	INITIAL_CONTACT:                 "INITIAL_CONTACT",
	SET_WINDOW_SIZE:                 "SET_WINDOW_SIZE",
	ADDITIONAL_TS_POSSIBLE:          "ADDITIONAL_TS_POSSIBLE",
	IPCOMP_SUPPORTED:                "IPCOMP_SUPPORTED",
	NAT_DETECTION_SOURCE_IP:         "NAT_DETECTION_SOURCE_IP",
	NAT_DETECTION_DESTINATION_IP:    "NAT_DETECTION_DESTINATION_IP",
	COOKIE:                          "COOKIE",
	USE_TRANSPORT_MODE:              "USE_TRANSPORT_MODE",
	HTTP_CERT_LOOKUP_SUPPORTED:      "HTTP_CERT_LOOKUP_SUPPORTED",
	REKEY_SA:                        "REKEY_SA",
	ESP_TFC_PADDING_NOT_SUPPORTED:   "ESP_TFC_PADDING_NOT_SUPPORTED",
	NON_FIRST_FRAGMENTS_ALSO:        "NON_FIRST_FRAGMENTS_ALSO",
	MOBIKE_SUPPORTED:                "MOBIKE_SUPPORTED",
	ADDITIONAL_IP4_ADDRESS:          "ADDITIONAL_IP4_ADDRESS",
	ADDITIONAL_IP6_ADDRESS:          "ADDITIONAL_IP6_ADDRESS",
	NO_ADDITIONAL_ADDRESSES:         "NO_ADDITIONAL_ADDRESSES",
	UPDATE_SA_ADDRESSES:             "UPDATE_SA_ADDRESSES",
	COOKIE2:                         "COOKIE2",
	NO_NATS_ALLOWED:                 "NO_NATS_ALLOWED",
	AUTH_LIFETIME:                   "AUTH_LIFETIME",
	MULTIPLE_AUTH_SUPPORTED:         "MULTIPLE_AUTH_SUPPORTED",
	ANOTHER_AUTH_FOLLOWS:            "ANOTHER_AUTH_FOLLOWS",
	REDIRECT_SUPPORTED:              "REDIRECT_SUPPORTED",
	REDIRECT:                        "REDIRECT",
	REDIRECTED_FROM:                 "REDIRECTED_FROM",
	TICKET_LT_OPAQUE:                "TICKET_LT_OPAQUE",
	TICKET_REQUEST:                  "TICKET_REQUEST",
	TICKET_ACK:                      "TICKET_ACK",
	TICKET_NACK:                     "TICKET_NACK",
	TICKET_OPAQUE:                   "TICKET_OPAQUE",
	EAP_ONLY_AUTHENTICATION:         "EAP_ONLY_AUTHENTICATION",
	CHILDLESS_IKEV2_SUPPORTED:       "CHILDLESS_IKEV2_SUPPORTED",
	IKEV2_MESSAGE_ID_SYNC_SUPPORTED: "IKEV2_MESSAGE_ID_SYNC_SUPPORTED",
	IKEV2_FRAGMENTATION_SUPPORTED:   "IKEV2_FRAGMENTATION_SUPPORTED",
	SIGNATURE_HASH_ALGORITHMS:       "SIGNATURE_HASH_ALGORITHMS",
	USE_PPK:                         "USE_PPK",
	PPK_IDENTITY:                    "PPK_IDENTITY",
	NO_PPK_AUTH:                     "NO_PPK_AUTH",
	INTERMEDIATE_EXCHANGE_SUPPORTED: "INTERMEDIATE_EXCHANGE_SUPPORTED",
	ADDITIONAL_KEY_EXCHANGE:         "ADDITIONAL_KEY_EXCHANGE",
	USE_AGGFRAG:                     "USE_AGGFRAG",
}

// String returns the IANA name, or the number for an unknown type.
func (t NotifyType) String() string {
	if n, ok := notifyNames[t]; ok {
		return n
	}
	return "NOTIFY(" + strconv.Itoa(int(t)) + ")"
}
