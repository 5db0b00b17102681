package datasets

import (
	"strings"
	"testing"
)

func TestParseSpecRoundTrip(t *testing.T) {
	custom := DefaultLazyPair()
	custom.K, custom.Dim, custom.M = 6, 64, 3
	custom.Rho, custom.Pi, custom.PairOnly = 0.123456789, 1.0/3, 0.25
	custom.HardSign, custom.Pair = HardSignFixed, PairXOR
	custom.Tau, custom.AQ, custom.Sigma = 1e-7, 8.5, 0
	custom.Distract, custom.DistractScale = 2, 2.5
	custom.NTrain, custom.NVal, custom.NTest, custom.Seed = 10, 20, 30, -5

	for _, tc := range []struct {
		name string
		spec LazyPairSpec
	}{
		{"defaults", DefaultLazyPair()},
		{"every key changed", custom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parsed, err := ParseSpec(tc.spec.String())
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := parsed.(LazyPairSpec); !ok || got != tc.spec {
				t.Errorf("ParseSpec(%q) = %#v, want %#v", tc.spec.String(), parsed, tc.spec)
			}
			if parsed.String() != tc.spec.String() {
				t.Errorf("String() not stable: %q → %q", tc.spec.String(), parsed.String())
			}
		})
	}

	for _, tc := range []struct{ name, in, want string }{
		{"name only is the defaults", "lazypair", DefaultLazyPair().String()},
		{"name with colon is the defaults", "lazypair:", DefaultLazyPair().String()},
		{"spaces ignored", " lazypair : k = 6 , rho=0.7 ", strings.NewReplacer("k=4", "k=6", "rho=0.8", "rho=0.7").Replace(DefaultLazyPair().String())},
		{"the CLI example", "lazypair:k=10,rho=0.8,pi=0.5,pair=add,seed=1",
			"lazypair:k=10,dim=48,m=2,rho=0.8,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0.5,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=1,distract=0,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSpec(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != tc.want {
				t.Errorf("ParseSpec(%q).String() = %q, want %q", tc.in, s, tc.want)
			}
		})
	}
}

func TestParseSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       []string // substrings of the error
	}{
		{"unknown dataset", "lazypear:k=4", []string{`unknown dataset "lazypear"`, "lazypair"}},
		{"unknown key", "lazypair:kk=4", []string{`unknown key "kk"`, "valid keys: k, dim, m, rho, alpha_easy, alpha_hard, hard_sign, pi, pair, pair_only, c, tau, a_q, sigma, distract, distract_scale, n_train, n_val, n_test, seed"}},
		{"not an integer", "lazypair:k=four", []string{`key k="four": want an integer`}},
		{"integer given as float", "lazypair:n_train=2e3", []string{`key n_train="2e3": want an integer`}},
		{"not a number", "lazypair:rho=high", []string{`key rho="high": want a number`}},
		{"seed not an integer", "lazypair:seed=1.5", []string{`key seed="1.5": want a 64-bit integer`}},
		{"rho above 1", "lazypair:rho=1.5", []string{"rho = 1.5", "0 ≤ rho ≤ 1"}},
		{"rho NaN", "lazypair:rho=NaN", []string{"rho = NaN", "0 ≤ rho ≤ 1"}},
		{"negative pi", "lazypair:pi=-0.1", []string{"pi = -0.1", "0 ≤ pi ≤ 1"}},
		{"pair_only above 1", "lazypair:pair_only=2", []string{"pair_only = 2", "0 ≤ pair_only ≤ 1"}},
		{"unknown pair variant", "lazypair:pair=mul", []string{`pair="mul": valid values are add, xor`}},
		{"unknown hard sign", "lazypair:hard_sign=sometimes", []string{`hard_sign="sometimes": valid values are random, fixed`}},
		{"dim too small", "lazypair:dim=10", []string{"dim = 10", "dim ≥ 3·k + distract = 12"}},
		{"dim too small for distractors", "lazypair:distract=40", []string{"dim = 48", "dim ≥ 3·k + distract = 52"}},
		{"one class", "lazypair:k=1", []string{"k = 1", "k ≥ 2"}},
		{"one modality", "lazypair:m=1", []string{"m = 1", "2 ≤ m ≤ 24"}},
		{"too many modalities", "lazypair:m=25", []string{"m = 25", "2 ≤ m ≤ 24"}},
		{"empty train split", "lazypair:n_train=0", []string{"n_train = 0", "n_train ≥ 1"}},
		{"huge split", "lazypair:n_test=100000000", []string{"n_test = 100000000", "n_test × dim ≤"}},
		{"negative sigma", "lazypair:sigma=-1", []string{"sigma = -1", "finite sigma ≥ 0"}},
		{"infinite tau", "lazypair:tau=inf", []string{"tau = +Inf", "finite tau ≥ 0"}},
		{"negative distract", "lazypair:distract=-1", []string{"distract = -1", "distract ≥ 0"}},
		{"every problem reported", "lazypair:rho=2,pi=3", []string{"rho = 2", "pi = 3"}},
		{"empty item", "lazypair:k=4,,rho=0.8", []string{"empty item"}},
		{"trailing comma", "lazypair:k=4,", []string{"empty item"}},
		{"item without =", "lazypair:k", []string{`item "k" is not key=value`}},
		{"empty value", "lazypair:k=", []string{`key "k" has an empty value`}},
		{"repeated key", "lazypair:k=4,k=5", []string{`key "k" given twice`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSpec(tc.spec)
			if err == nil {
				t.Fatalf("ParseSpec(%q) = %v, want an error", tc.spec, s)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseSpec(%q) error:\n  %s\nwant it to contain %q", tc.spec, err, w)
				}
			}
		})
	}
}

// TestLazyPairValidate follows STYLE.md §7: each case breaks one key of the defaults.
func TestLazyPairValidate(t *testing.T) {
	with := func(change func(s *LazyPairSpec)) LazyPairSpec {
		s := DefaultLazyPair()
		change(&s)
		return s
	}
	for _, tc := range []struct {
		name    string
		spec    LazyPairSpec
		wantErr string // "" means valid
	}{
		{"defaults", DefaultLazyPair(), ""},
		{"dim exactly 3k", with(func(s *LazyPairSpec) { s.Dim = 12 }), ""},
		{"zero noise", with(func(s *LazyPairSpec) { s.Sigma = 0 }), ""},
		{"negative easy rate", with(func(s *LazyPairSpec) { s.Rho = -0.1 }), "rho = -0.1"},
		{"negative hard magnitude", with(func(s *LazyPairSpec) { s.AlphaHard = -3 }), "alpha_hard = -3"},
		{"negative xor magnitude", with(func(s *LazyPairSpec) { s.AQ = -1 }), "a_q = -1"},
		{"empty hard sign", with(func(s *LazyPairSpec) { s.HardSign = "" }), `hard_sign="": valid values are random, fixed`},
		{"zero value struct", LazyPairSpec{Rho: -0.1}, "k = 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestWithSeedOffset(t *testing.T) {
	s, err := ParseSpec("lazypair:seed=10")
	if err != nil {
		t.Fatal(err)
	}
	shifted := s.WithSeedOffset(3)
	if !strings.HasSuffix(shifted.String(), ",seed=13") || !strings.HasSuffix(s.String(), ",seed=10") {
		t.Errorf("WithSeedOffset(3): %q from %q, want seed=13 and the original unchanged", shifted, s)
	}
	if shifted.Name() != "lazypair" {
		t.Errorf("Name() = %q", shifted.Name())
	}
}

// fixedSpec is a Spec for testing Register: it records the key=value pairs it was given.
type fixedSpec struct{ kv map[string]string }

func (f fixedSpec) Name() string                { return "fixedtest" }
func (f fixedSpec) String() string              { return "fixedtest:" + f.kv["a"] }
func (f fixedSpec) Generate() (*Dataset, error) { return tinyDataset(), nil }
func (f fixedSpec) WithSeedOffset(int) Spec     { return f }
func (f fixedSpec) NumModalities() int          { return len(tinyDataset().Modalities) }

// Registered once per test binary, so that -count=N does not register it twice.
func init() {
	Register("fixedtest", func(kv map[string]string) (Spec, error) { return fixedSpec{kv}, nil })
}

func TestRegister(t *testing.T) {
	s, err := ParseSpec("fixedtest:a=1,b=x=y")
	if err != nil {
		t.Fatal(err)
	}
	if kv := s.(fixedSpec).kv; kv["a"] != "1" || kv["b"] != "x=y" || len(kv) != 2 {
		t.Errorf("parse received %v, want map[a:1 b:x=y]", kv)
	}
	if _, err := ParseSpec("nosuch"); err == nil || !strings.Contains(err.Error(), "fixedtest, lazypair") {
		t.Errorf("unknown dataset error = %v, want it to list the registered names", err)
	}
	for _, name := range []string{"fixedtest", "", "a:b"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", name)
				}
			}()
			Register(name, func(map[string]string) (Spec, error) { return nil, nil })
		}()
	}
}
