package bench

// MergeHealth is the health of a run made of several processes (the shards
// of a sharded run): the worst of each figure, so that the merged run is
// marked invalid when any shard would be. It is nil when any shard has no
// health record, since the merged run's health is then unknown.
func MergeHealth(hs []*Health) *Health {
	if len(hs) == 0 {
		return nil
	}
	var m Health
	for i, h := range hs {
		if h == nil {
			return nil
		}
		if i == 0 {
			m = *h
			m.CPUSeconds, m.CPUUtilization, m.SchedLatencyP99MS, m.EngineLateP99MS = nil, nil, nil, nil
		} else {
			m.WindowS = max(m.WindowS, h.WindowS)
			m.Cores = max(m.Cores, h.Cores)
			m.FDMax = max(m.FDMax, h.FDMax)
			if h.FDLimit > 0 && (m.FDLimit == 0 || h.FDLimit < m.FDLimit) {
				m.FDLimit, m.FDMax = h.FDLimit, h.FDMax // the tightest limit with its own use
			}
			m.CPUBusySeconds += h.CPUBusySeconds
			m.CPUMeasuredSeconds += h.CPUMeasuredSeconds
			m.ResourceErrors += h.ResourceErrors
			if h.EngineTimeScale != 0 && h.EngineTimeScale != 1 {
				m.EngineTimeScale = h.EngineTimeScale
			}
		}
		m.CPUSeconds = sumPtr(m.CPUSeconds, h.CPUSeconds)
		m.CPUUtilization = maxPtr(m.CPUUtilization, h.CPUUtilization)
		m.SchedLatencyP99MS = maxPtr(m.SchedLatencyP99MS, h.SchedLatencyP99MS)
		m.EngineLateP99MS = maxPtr(m.EngineLateP99MS, h.EngineLateP99MS)
	}
	return &m
}

func maxPtr(a, b *float64) *float64 {
	switch {
	case b == nil:
		return a
	case a == nil || *b > *a:
		v := *b
		return &v
	}
	return a
}

func sumPtr(a, b *float64) *float64 {
	switch {
	case b == nil:
		return a
	case a == nil:
		v := *b
		return &v
	}
	v := *a + *b
	return &v
}
