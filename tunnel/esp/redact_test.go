package esp

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestConfigNeverPrintsKeys(t *testing.T) {
	cfg := suites[3].config(0x1234, true)
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("sa", "cfg", cfg)
	outputs := []string{
		fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", &cfg),
		logged.String(),
	}
	for _, key := range [][]byte{cfg.EncrKey, cfg.IntegKey} {
		for _, form := range []string{hex.EncodeToString(key), fmt.Sprint(key), string(key)} {
			for _, out := range outputs {
				if strings.Contains(out, form) {
					t.Fatalf("key %q visible in %q", form, out)
				}
			}
		}
	}
	if !strings.Contains(outputs[0], "0x00001234") || !strings.Contains(logged.String(), "spi=0x00001234") {
		t.Fatalf("SPI missing: %q / %q", outputs[0], logged.String())
	}
}
