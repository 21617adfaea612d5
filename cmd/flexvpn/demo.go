package main

import "errors"

func init() {
	register("demo", "run our server and client in network namespaces (not built yet)", func([]string) error {
		return errors.New("not built yet: the server glue is in progress (see README.md)")
	})
}
