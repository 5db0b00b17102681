package results

import (
	"strings"
	"testing"
)

// TestNumClassesFromRuns checks that the feature map takes the class count the runs recorded and
// so never reads the data again (the npy spec names files that do not exist), that runs of one
// dataset must agree on it, and that records stored before Run.NumClasses fall back to the spec.
func TestNumClassesFromRuns(t *testing.T) {
	npy := "npy:/nonexistent/mmlab-test-data"
	if k, err := numClasses([]Run{{Dataset: npy, NumClasses: 3}, {Dataset: npy, NumClasses: 3}}); err != nil || k != 3 {
		t.Errorf("numClasses(recorded 3) = %d, %v; want 3", k, err)
	}
	if _, err := numClasses([]Run{{Key: "a", Dataset: npy, NumClasses: 3}, {Key: "b", Dataset: npy, NumClasses: 5}}); err == nil ||
		!strings.Contains(err.Error(), "3 and 5 classes") {
		t.Errorf("numClasses(3 and 5) error %v, want one naming both counts", err)
	}
	if k, err := numClasses([]Run{{Dataset: "lazypair:k=5"}}); err != nil || k != 5 {
		t.Errorf("numClasses(old lazypair:k=5 record) = %d, %v; want 5", k, err)
	}
	if _, err := numClasses([]Run{{Dataset: npy}}); err == nil {
		t.Error("numClasses(old record of missing npy files) succeeded; want the read error")
	}
}
