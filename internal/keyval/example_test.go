package keyval_test

import (
	"fmt"

	"github.com/mmlab-go/mmlab/internal/keyval"
)

// A spec struct: each key's type, help text and choices in its field; the defaults in a value.
type toySpec struct {
	K    int     `opt:"k" help:"number of classes"`
	Rho  float64 `opt:"rho" help:"easy rate"`
	Pair string  `opt:"pair" choices:"add|xor" help:"paired-feature variant"`
}

func Example() {
	s := toySpec{K: 4, Rho: 0.8, Pair: "add"}
	if err := keyval.SetAll(&s, map[string]string{"rho": "0.7", "pair": "xor"}, keyval.AnyFloats); err != nil {
		fmt.Println(err)
	}
	fmt.Println(keyval.Format("toy", &s, keyval.AnyFloats, nil))
	fmt.Println(keyval.Set(&s, "pair", "mul", keyval.AnyFloats))
	for _, d := range keyval.Describe(&toySpec{K: 4, Rho: 0.8, Pair: "add"}, "", keyval.AnyFloats) {
		fmt.Println(d)
	}
	// Output:
	// toy:k=4,rho=0.7,pair=xor
	// pair="mul": valid values are add, xor
	// k=4  (int) number of classes
	// rho=0.8  (float) easy rate
	// pair=add  (string) paired-feature variant [add|xor]
}
