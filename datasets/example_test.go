package datasets_test

import (
	"fmt"
	"log"

	"github.com/mmlab-go/mmlab/datasets"
)

// A spec string names a dataset; the canonical form lists every key, and run seed s uses the
// dataset drawn with spec seed + s.
func ExampleParseSpec() {
	spec, err := datasets.ParseSpec("lazypair:k=10,rho=0.8,pi=0.5,pair=add,seed=1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(spec)

	data, err := spec.WithSeedOffset(2).Generate()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(data.Spec == spec.WithSeedOffset(2).String())
	for _, m := range data.Modalities {
		fmt.Printf("%s: %d values per sample\n", m.Name, m.Size())
	}
	fmt.Printf("classes %d, train/val/test %d/%d/%d\n", data.NumClasses, data.Train.Len(), data.Val.Len(), data.Test.Len())
	fmt.Println(datasets.SubsetNames(len(data.Modalities)))
	// Output:
	// lazypair:k=10,dim=48,m=2,rho=0.8,alpha_easy=5,alpha_hard=3,hard_sign=random,pi=0.5,pair=add,pair_only=0.2,c=4,tau=4,a_q=8,sigma=1,distract=0,distract_scale=5,n_train=2000,n_val=1000,n_test=5000,seed=1
	// true
	// m0: 48 values per sample
	// m1: 48 values per sample
	// classes 10, train/val/test 2000/1000/5000
	// [all both_hard pair_only m0_hard_only m1_hard_only]
}
