package keyval

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

type sample struct {
	N      int     `opt:"n" help:"a count"`
	X      float64 `opt:"x" help:"a number"`
	Mode   string  `opt:"mode" choices:"a|b" help:"a mode"`
	Seed   int64   `opt:"seed" help:"a seed"`
	On     bool    `opt:"on" help:"a switch"`
	Widths []int   `opt:"widths" help:"sizes"`
	Late   float64 `opt:"late" omitif:"-1" help:"added later"`
	hidden int     // no tag: not a key
}

func defaults() sample {
	return sample{N: 4, X: 0.5, Mode: "a", Seed: 1, Widths: []int{8, 8}, Late: -1}
}

func TestSetAndFormat(t *testing.T) {
	s := defaults()
	if err := SetAll(&s, map[string]string{"n": " 7 ", "x": "-0", "mode": "b", "seed": "-3", "on": "true", "widths": "1, 2"}, AnyFloats); err != nil {
		t.Fatal(err)
	}
	if got, want := Format("kind", &s, AnyFloats, nil), "kind:n=7,x=0,mode=b,seed=-3,on=true,widths=1,2"; got != want {
		t.Errorf("Format = %q, want %q (late left out at its omitif value, -0 written as 0)", got, want)
	}
	s.Late = 2
	if got := Format("kind", &s, AnyFloats, func(key string) bool { return key == "on" }); got != "kind:n=7,x=0,mode=b,seed=-3,widths=1,2,late=2" {
		t.Errorf("Format with omit(on) = %q", got)
	}
	if got := Format("kind", &struct{}{}, AnyFloats, nil); got != "kind" {
		t.Errorf("Format of no keys = %q, want kind", got)
	}
	if !slices.Equal(Keys(&s), []string{"n", "x", "mode", "seed", "on", "widths", "late"}) {
		t.Errorf("Keys = %v", Keys(&s))
	}
}

func TestSetErrors(t *testing.T) {
	for _, c := range []struct {
		key, value string
		floats     Floats
		want       string
	}{
		{"n", "2e3", AnyFloats, `n="2e3": want an integer`},
		{"x", "high", AnyFloats, `x="high": want a number`},
		{"x", "NaN", FiniteFloats, `x="NaN": want a finite number`},
		{"x", "inf", FiniteFloats, `x="inf": want a finite number`},
		{"seed", "1.5", AnyFloats, `seed="1.5": want a 64-bit integer`},
		{"on", "maybe", AnyFloats, `on="maybe": want true or false`},
		{"mode", "c", AnyFloats, `mode="c": valid values are a, b`},
		{"widths", "8,x", AnyFloats, `widths="8,x": want comma-separated integers, e.g. 64,64`},
	} {
		s := defaults()
		err := Set(&s, c.key, c.value, c.floats)
		var ve *ValueError
		if !errors.As(err, &ve) || err.Error() != c.want {
			t.Errorf("Set(%s, %q) = %v, want a ValueError %q", c.key, c.value, err, c.want)
		}
		if !slices.Equal(s.Widths, []int{8, 8}) || s.N != 4 || s.X != 0.5 || s.Mode != "a" {
			t.Errorf("Set(%s, %q) failed but changed the struct: %+v", c.key, c.value, s)
		}
	}
	s := defaults()
	if err := Set(&s, "x", "+Inf", AnyFloats); err != nil || !math.IsInf(s.X, 1) {
		t.Errorf("AnyFloats: x=+Inf: %v, %v (want +Inf kept for Validate to judge)", s.X, err)
	}
	err := SetAll(&s, map[string]string{"zz": "1", "aa": "2", "n": "bad"}, AnyFloats)
	var uk *UnknownKeyError
	if !errors.As(err, &uk) || uk.Key != "aa" || !strings.Contains(err.Error(), "valid keys: n, x, mode, seed, on, widths, late") {
		t.Errorf("SetAll with unknown keys = %v, want the first unknown key in sorted order (aa) and the valid keys", err)
	}
}

func TestValuesDescribeChoices(t *testing.T) {
	s := defaults()
	v := Values(&s, "g.")
	if _, ok := v["g.late"]; ok || v["g.n"] != 4 || v["g.mode"] != "a" || len(v) != 6 {
		t.Errorf("Values = %v, want 6 keys with the prefix, late left out", v)
	}
	v["g.widths"].([]int)[0] = 99
	if s.Widths[0] != 8 {
		t.Error("Values shares the struct's slice")
	}
	docs := Describe(&s, "g.", FiniteFloats)
	if len(docs) != 7 || docs[2].Key != "g.mode" || docs[2].Default != "a" || !slices.Equal(docs[2].Choices, []string{"a", "b"}) ||
		docs[3].Type != "int" || docs[5].Default != "8,8" || docs[5].Type != "ints" || docs[0].Help != "a count" {
		t.Errorf("Describe = %+v", docs)
	}
	if got := docs[2].String(); got != "g.mode=a  (string) a mode [a|b]" {
		t.Errorf("Doc.String = %q", got)
	}
	if err := CheckChoices(&s, "g."); err != nil {
		t.Errorf("CheckChoices(defaults) = %v", err)
	}
	s.Mode = "zz"
	if err := CheckChoices(&s, "g."); err == nil || err.Error() != `g.mode="zz": valid values are a, b` {
		t.Errorf("CheckChoices = %v", err)
	}
}

func TestNotAStructPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "keyval: want a non-nil pointer to a struct") {
			t.Errorf("recover() = %v", r)
		}
	}()
	Keys(sample{})
}
