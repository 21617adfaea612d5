package wire

// CheckRules placeholder replaced below.
func CheckRules(ex ExchangeType, response bool, ps []Payload) error { return nil }
