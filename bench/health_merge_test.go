package bench

import "testing"

func TestMergeHealthTakesTheWorst(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	a := &Health{WindowS: 10, Cores: 2, CPUUtilization: f(0.2), SchedLatencyP99MS: f(0.5), FDLimit: 1024, FDMax: 100, CPUBusySeconds: 0, CPUMeasuredSeconds: 10}
	b := &Health{WindowS: 12, Cores: 4, CPUUtilization: f(0.95), SchedLatencyP99MS: f(0.2), FDLimit: 256, FDMax: 250, CPUBusySeconds: 3, CPUMeasuredSeconds: 12, ResourceErrors: 2, EngineLateP99MS: f(30)}
	m := MergeHealth([]*Health{a, b})
	if m.WindowS != 12 || m.Cores != 4 || *m.CPUUtilization != 0.95 || *m.SchedLatencyP99MS != 0.5 || m.FDLimit != 256 || m.FDMax != 250 ||
		m.CPUBusySeconds != 3 || m.CPUMeasuredSeconds != 22 || m.ResourceErrors != 2 || *m.EngineLateP99MS != 30 {
		t.Errorf("merged %+v", *m)
	}
	if *a.CPUUtilization != 0.2 {
		t.Errorf("MergeHealth changed its input: %+v", *a)
	}
	if MergeHealth([]*Health{a, nil}) != nil || MergeHealth(nil) != nil {
		t.Error("a shard without health must leave the merged health unknown")
	}
}
