package results

// Registry names of the methods (mmlab.Register), shared by the training code, which registers
// the methods under them, and the results code (choice rules, feature map, figures), which reads
// runs by them. A new method may declare its name in its own file instead: nothing outside its
// file needs the constant unless results code names it.
const (
	// UniMethod is the registry name of uni-modal runs, which carry a Modality.
	UniMethod = "uni"
	// JointMethod is naive joint training (late fusion, one loss).
	JointMethod = "joint"
	// JointWideMethod is the width-matched joint control.
	JointWideMethod = "joint_wide"
	// UMEMethod is the Uni-Modal Ensemble.
	UMEMethod = "ume"
	// UMTMethod is the Uni-Modal Teacher.
	UMTMethod = "umt"
	// OGMGEMethod is OGM-GE.
	OGMGEMethod = "ogmge"
	// GBlendMethod is G-Blending.
	GBlendMethod = "gblend"
	// MMParetoMethod is MMPareto.
	MMParetoMethod = "mmpareto"
)
