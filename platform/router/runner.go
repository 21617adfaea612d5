package router

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// Runner runs one OS command. Tests substitute a recorder so that the
// commands a Set would run can be compared without root.
type Runner interface {
	Run(args ...string) error
}

// ExecRunner runs commands with os/exec.
type ExecRunner struct{}

// Run executes args[0] with the rest as arguments; stderr is part of the error.
func (ExecRunner) Run(args ...string) error {
	cmd := exec.Command(args[0], args[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// RecordingRunner records commands instead of running them. Fail, when
// set, makes a command whose text has that prefix return an error.
type RecordingRunner struct {
	Commands []string
	Fail     string
}

// Run records the command.
func (r *RecordingRunner) Run(args ...string) error {
	line := strings.Join(args, " ")
	r.Commands = append(r.Commands, line)
	if r.Fail != "" && strings.HasPrefix(line, r.Fail) {
		return fmt.Errorf("%s: injected failure", line)
	}
	return nil
}
