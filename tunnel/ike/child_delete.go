package ike

import (
	"errors"
	"fmt"

	"flexvpn/tunnel/ike/wire"
)

// Deleting a Child SA (RFC 7296 1.4.1): each side names the SPI it
// receives on, so the answer carries the peer's inbound SPI.
//
//	HDR, SK {D(ESP, our inbound SPI)}  -->
//	                             <--  HDR, SK {D(ESP, their inbound SPI)}

type childDeleteTask struct {
	child *ChildSA
}

func (childDeleteTask) kind() taskKind              { return taskChildDelete }
func (childDeleteTask) exchange() wire.ExchangeType { return wire.INFORMATIONAL }

func (t childDeleteTask) build(sa *SA) ([]wire.Payload, error) {
	if sa.childByInSPI(t.child.InSPI) == nil {
		return nil, fmt.Errorf("%w: %w: %s", errSkipTask, ErrNoChild, t.child)
	}
	return []wire.Payload{wire.NewDeleteESP(t.child.InSPI)}, nil
}

func (t childDeleteTask) process(sa *SA, _ *message) (step, error) {
	if sa.childByInSPI(t.child.InSPI) != nil {
		sa.dropChild(t.child)
	}
	return stepDone, nil
}

// DeleteChild deletes the Child SA with inbound SPI spi.
func (sa *SA) DeleteChild(spi uint32) error {
	err := ErrNoChild
	if derr := sa.do(func() {
		if c := sa.childByInSPI(spi); c != nil {
			err = nil
			sa.queue(childDeleteTask{child: c})
		}
	}); errors.Is(derr, ErrReentrant) {
		return derr
	}
	return err
}
