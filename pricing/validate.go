package pricing

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

// tflopsKeyRE is a precision name: bf16, fp8, fp4, tf32, int8...
var tflopsKeyRE = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// validator collects errors, each with the file name and the line of the
// offending entry (or field) taken from the node tree.
type validator struct {
	name string
	errs []error
}

func (v *validator) add(n *yaml.Node, format string, args ...any) {
	if len(v.errs) == maxErrors {
		v.errs = append(v.errs, fmt.Errorf("pricing: %s: more errors not shown", v.name))
	}
	if len(v.errs) > maxErrors {
		return
	}
	v.errs = append(v.errs, fmt.Errorf("pricing: %s line %d: %s", v.name, line(n, nil), oneLine(fmt.Sprintf(format, args...))))
}

// validate checks what the YAML types cannot: required fields, positive
// finite numbers, dates, and that no name or price is given twice. doc is
// the same file as a node tree, for line numbers.
func (c *Catalog) validate(name string, doc *yaml.Node) error {
	v := &validator{name: name}
	root := deref(doc)
	if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = deref(root.Content[0])
	}
	gpusNode := mapValue(root, "gpus")
	if len(c.GPUs) == 0 {
		v.add(orNode(gpusNode, root), "no GPUs: want a gpus: list with at least one entry")
		return errors.Join(v.errs...)
	}
	owner := map[string]int{} // normalized name or alias -> GPU index
	for i := range c.GPUs {
		g := &c.GPUs[i]
		gn := seqItem(gpusNode, i)
		at := func(key string) *yaml.Node { return orNode(mapValue(gn, key), gn) }
		label := fmt.Sprintf("gpus[%d]", i)
		if normalize(g.Name) == "" {
			v.add(at("name"), "%s: name is empty", label)
		} else {
			label = fmt.Sprintf("gpus[%d] (%s)", i, g.Name)
		}
		for _, n := range append([]string{g.Name}, g.Aliases...) {
			k := normalize(n)
			if k == "" {
				if n != g.Name {
					v.add(at("aliases"), "%s: empty alias", label)
				}
				continue
			}
			if j, ok := owner[k]; ok && j != i {
				v.add(at("name"), "%s: name %q already names gpus[%d] (%s)", label, n, j, c.GPUs[j].Name)
			}
			owner[k] = i
		}
		specs := []struct {
			key string
			val float64
		}{
			{"memory_gb", g.MemoryGB}, {"bandwidth_tb_per_s", g.BandwidthTBs},
			{"scale_up_gb_per_s", g.ScaleUpGBs}, {"watts", g.Watts}, {"all_in_kw", g.AllInKW},
		}
		for _, s := range specs {
			if s.val < 0 || !finite(s.val) {
				v.add(at(s.key), "%s: %s must be a finite number >= 0, got %v", label, s.key, s.val)
			}
		}
		for _, k := range sortedKeys(g.TFLOPS) {
			if !tflopsKeyRE.MatchString(k) {
				v.add(at("tflops"), "%s: tflops key %q is not a precision name like bf16, fp8, fp4", label, k)
			}
			if x := g.TFLOPS[k]; x <= 0 || !finite(x) {
				v.add(at("tflops"), "%s: tflops %s must be a finite number > 0, got %v", label, k, x)
			}
		}
		v.prices(g, label, mapValue(gn, "prices"), gn)
	}
	return errors.Join(v.errs...)
}

// prices checks the prices of one GPU.
func (v *validator) prices(g *GPU, label string, pricesNode, gn *yaml.Node) {
	seen := map[[2]string]int{}
	for j, p := range g.Prices {
		pn := seqItem(pricesNode, j)
		at := func(key string) *yaml.Node { return orNode(mapValue(pn, key), orNode(pn, gn)) }
		pl := fmt.Sprintf("%s prices[%d]", label, j)
		if normalize(p.Tier) == "" {
			v.add(at("tier"), "%s: tier is empty (hyperscaler, neocloud, rental-3y, on-demand...)", pl)
		}
		if normalize(p.Provider) == "" {
			v.add(at("provider"), "%s: provider is empty (market for a TCO tier, else aws, azure...)", pl)
		}
		if err := CheckPrice(p.USDPerGPUHour); err != nil {
			v.add(at("usd_per_gpu_hour"), "%s: usd_per_gpu_hour: %v", pl, err)
		}
		if p.Date != "" && !validDate(p.Date) {
			v.add(at("date"), "%s: date %q is not YYYY-MM or YYYY-MM-DD", pl, p.Date)
		}
		key := [2]string{normalize(p.Tier), normalize(p.Provider)}
		if k, ok := seen[key]; ok && key[0] != "" && key[1] != "" {
			v.add(orNode(pn, gn), "%s: tier %s, provider %s already priced by prices[%d]", pl, p.Tier, p.Provider, k)
		}
		seen[key] = j
	}
}

func validDate(s string) bool {
	for _, layout := range []string{"2006-01-02", "2006-01"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
