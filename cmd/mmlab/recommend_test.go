package main

import (
	"maps"
	"slices"
	"testing"

	"github.com/mmlab-go/mmlab/mmlab"
)

// TestRecommendation checks the recommended configuration for both methods from one set of
// options: each keeps the shared options and its own group, never the other method's.
func TestRecommendation(t *testing.T) {
	given := map[string]string{"train.epochs": "7", "umt.free_dims": "64", "ume.combine": "probs"}
	cfg, err := mmlab.ParseConfig([]string{"uni", "joint", "ume", "umt"}, given)
	if err != nil {
		t.Fatal(err)
	}
	umt := recommendation("umt", "lazypair:pi=0.5", "5", given, cfg)
	if got := slices.Sorted(maps.Keys(umt.Options)); !slices.Equal(got, []string{"train.epochs", "umt.free_dims"}) {
		t.Errorf("UMT options %v, want train.epochs and umt.free_dims", umt.Options)
	}
	if umt.Config["umt.free_dims"] != 64 || umt.Config["train.epochs"] != 7 || umt.Config["ume.combine"] != nil {
		t.Errorf("UMT config %v: want free_dims 64, epochs 7, no ume options", umt.Config)
	}
	if want := "mmlab run --data lazypair:pi=0.5 --methods umt --seeds 5 --opt train.epochs=7 --opt umt.free_dims=64"; umt.Command != want {
		t.Errorf("UMT command %q, want %q", umt.Command, want)
	}
	ume := recommendation("ume", "lazypair:pi=0.5", "5", given, cfg)
	if want := "mmlab run --data lazypair:pi=0.5 --methods ume --seeds 5 --opt train.epochs=7 --opt ume.combine=probs"; ume.Command != want {
		t.Errorf("UME command %q, want %q", ume.Command, want)
	}
	if _, ok := ume.Options["umt.free_dims"]; ok {
		t.Errorf("UME options %v hold UMT's", ume.Options)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"lazypair:rho=0.7,pi=0.4": "lazypair:rho=0.7,pi=0.4",
		"model.hidden=64,64":      "model.hidden=64,64",
		"a b":                     "'a b'",
		"it's":                    `'it'\''s'`,
		"":                        "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
