package ike

import "flexvpn/tunnel/ike/wire"

// Deleting the IKE SA (RFC 7296 1.4.1) takes its Child SAs with it:
//
//	HDR, SK {D(IKE)}  -->
//	              <--  HDR, SK {}

type ikeDeleteTask struct{}

func newIKEDeleteTask() ikeDeleteTask { return ikeDeleteTask{} }

func (ikeDeleteTask) kind() taskKind              { return taskIKEDelete }
func (ikeDeleteTask) exchange() wire.ExchangeType { return wire.INFORMATIONAL }

func (ikeDeleteTask) build(sa *SA) ([]wire.Payload, error) {
	sa.setState(StateDeleting)
	sa.log.Info("deleting IKE SA")
	return []wire.Payload{wire.NewDeleteIKE()}, nil
}

func (ikeDeleteTask) process(sa *SA, _ *message) (step, error) {
	sa.fail(nil)
	return stepDone, nil
}
