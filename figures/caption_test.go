package figures

import "testing"

func TestCaption(t *testing.T) {
	got := Caption("gaps of %.3f ± %.3f\n  and %d seeds", 0.0594, 0.0051, 5)
	if want := "gaps of 0.059 ± 0.005 and 5 seeds"; got != want {
		t.Errorf("Caption = %q, want %q", got, want)
	}
	if err := ShowCaption("  "); err == nil {
		t.Error("ShowCaption of an empty caption: no error")
	}
}

func ExampleShowCaption() {
	ume, joint := 0.9973, 0.9751
	_ = ShowCaption("UME reaches %.3f on test data, joint training %.3f.", ume, joint)
	// Output: UME reaches 0.997 on test data, joint training 0.975.
}
