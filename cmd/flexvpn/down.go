package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

func init() {
	register("down", "stop a profile in the daemon: down NAME", runDown)
}

func runDown(args []string) error {
	cf := newCtlFlags("down")
	pos, err := cf.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: flexvpn down NAME")
	}
	// The daemon answers once the tunnel is torn down (Delete sent,
	// routes and DNS restored), which may take a few seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cf.client().Down(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Printf("%s: down\n", pos[0])
	return nil
}
