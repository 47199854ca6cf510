package pricing

import (
	"fmt"
	"strconv"
)

// MaxUSDPerGPUHour is the largest price per GPU-hour tokenbench accepts,
// given by hand or in a prices file: no GPU rents for a million dollars an
// hour, so a larger number is a typo (a price per month, a missing decimal
// point) that would otherwise print plausible-looking costs.
const MaxUSDPerGPUHour = 1e6

// PriceError is a price per GPU-hour CheckPrice refused. Its text has no
// package prefix: callers name where the price came from (a flag, a prices
// file's field).
type PriceError struct{ USDPerGPUHour float64 }

func (e *PriceError) Error() string {
	return fmt.Sprintf("price %s USD per GPU-hour: want a finite number > 0 and at most %s",
		strconv.FormatFloat(e.USDPerGPUHour, 'g', -1, 64), strconv.FormatFloat(MaxUSDPerGPUHour, 'f', -1, 64))
}

// CheckPrice returns a *PriceError unless v is a usable price in USD per
// GPU-hour: a finite number > 0 and at most MaxUSDPerGPUHour (NaN, +-Inf,
// zero and negative prices are refused). Every price tokenbench computes
// with passes it: --price of every cost command, the catalog's and a
// prices file's entries, and the quotes built from them.
func CheckPrice(v float64) error {
	if !(v > 0 && v <= MaxUSDPerGPUHour) { // NaN fails every comparison
		return &PriceError{USDPerGPUHour: v}
	}
	return nil
}

// CheckInteractivity returns an *OptionError unless v is a usable target
// interactivity: a finite number of output tokens/s per user > 0.
func CheckInteractivity(v float64) error {
	if !(v > 0) || !finite(v) {
		return &OptionError{Msg: fmt.Sprintf("interactivity %v tokens/s/user: want a finite number > 0", v)}
	}
	return nil
}

// CheckSelection returns a *LookupError when a provider is given without
// the tier it belongs to: providers are named within a tier.
func CheckSelection(tier, provider string) error {
	if provider != "" && tier == "" {
		return lookupErr("provider %q given without a tier", provider)
	}
	return nil
}
