package mmlab

import (
	"slices"
	"strings"
	"testing"
)

func TestRunSeeds(t *testing.T) {
	if got := (Study{Seeds: 3}).RunSeeds(); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("Seeds=3: RunSeeds() = %v, want [0 1 2]", got)
	}
	if got := (Study{Seeds: 3, SeedList: []int{7, 3}}).RunSeeds(); !slices.Equal(got, []int{7, 3}) {
		t.Errorf("SeedList={7,3}: RunSeeds() = %v, want [7 3]", got)
	}
	for _, tc := range []struct {
		list []int
		want string
	}{{[]int{1, -2}, "seed -2"}, {[]int{4, 5, 4}, "seed 4 given twice"}} {
		_, err := newStudyRunner(Study{Dataset: "lazypair", Methods: []string{"joint"}, SeedList: tc.list})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SeedList=%v: error %v, want one containing %q", tc.list, err, tc.want)
		}
	}
	many := make([]int, MaxSeeds+1)
	for i := range many {
		many[i] = i
	}
	for _, study := range []Study{{Seeds: MaxSeeds + 1}, {SeedList: many}} {
		study.Dataset, study.Methods = "lazypair", []string{"joint"}
		if _, err := newStudyRunner(study); err == nil || !strings.Contains(err.Error(), "MaxSeeds") {
			t.Errorf("%d seeds: error %v, want one naming MaxSeeds", len(study.RunSeeds()), err)
		}
	}
}
