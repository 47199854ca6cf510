package report

import (
	"math"
	"reflect"
	"strings"
)

// leaveOutNonFinite is the last guard before summary.json: every float64
// of s that is still NaN or +-Inf (a figure the record rule does not
// reach: engine fields parsed from responses, routing, sessions) becomes
// 0, or nil behind a pointer, and is counted in s.SkippedValues by its
// JSON path (engine.response.acceptance_rate). encoding/json refuses to
// write such a value, and a summary that cannot be written is a run lost.
// It is idempotent.
func (s *Summary) leaveOutNonFinite() {
	lo := LeftOut{}
	sweepFloats(reflect.ValueOf(s).Elem(), "", lo)
	if len(lo) == 0 {
		return
	}
	if s.SkippedValues == nil {
		s.SkippedValues = LeftOut{}
	}
	for k, n := range lo {
		s.SkippedValues[k] += n
	}
}

func sweepFloats(v reflect.Value, path string, lo LeftOut) {
	switch v.Kind() {
	case reflect.Float64, reflect.Float32:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			v.SetFloat(0)
			lo.Add(path)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if e := v.Elem(); e.Kind() == reflect.Float64 {
			if f := e.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
				if v.CanSet() {
					v.SetZero()
				} else {
					e.SetFloat(0)
				}
				lo.Add(path)
			}
			return
		}
		sweepFloats(v.Elem(), path, lo)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			sweepFloats(v.Field(i), jsonPath(path, name), lo)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			sweepFloats(v.Index(i), path, lo)
		}
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.Float64 {
			// Maps of structs or pointers are not addressable: none in
			// Summary holds floats but these (e.g. map[string]float64).
			for _, k := range v.MapKeys() {
				if e := v.MapIndex(k); e.Kind() == reflect.Pointer || e.Kind() == reflect.Slice {
					sweepFloats(e, jsonPath(path, k.String()), lo)
				}
			}
			return
		}
		for _, k := range v.MapKeys() {
			if f := v.MapIndex(k).Float(); math.IsNaN(f) || math.IsInf(f, 0) {
				v.SetMapIndex(k, reflect.ValueOf(0.0).Convert(v.Type().Elem()))
				lo.Add(jsonPath(path, k.String()))
			}
		}
	}
}

func jsonPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
