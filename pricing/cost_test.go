package pricing

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestCostPerMTokInferenceX(t *testing.T) {
	// InferenceX's published figure: H100 hyperscaler $1.30 per GPU-hour at
	// 1,000 output tokens/s per GPU is $0.3611 per million output tokens.
	got, err := CostPerMTok(1.30, 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	price, perMTokPerS := 1.30, 3.6 // variables: float64 arithmetic, not exact constants
	if want := price / perMTokPerS; got != want {
		t.Errorf("CostPerMTok(1.30, 1, 1000) = %.17g, want exactly 1.3/3.6 = %.17g", got, want)
	}
	if r := math.Round(got*1e4) / 1e4; r != 0.3611 {
		t.Errorf("rounded to 4 decimals %v, want 0.3611", r)
	}
	// The same per-GPU rate on 8 GPUs costs the same per token.
	if got8, _ := CostPerMTok(1.30, 8, 8000); got8 != got {
		t.Errorf("8 GPUs at 8000 tokens/s: %.17g, want %.17g", got8, got)
	}
}

func TestCostPerMTok(t *testing.T) {
	tests := []struct {
		name      string
		price     float64
		gpus      int
		tps       float64
		want      float64
		wantError string
	}{
		{name: "B200 rental at 5000 tokens/s", price: 2.90, gpus: 1, tps: 5000, want: 2.90 / 18},
		{name: "two GPUs double the cost", price: 1.30, gpus: 2, tps: 1000, want: 2 * 1.3 / 3.6},
		{name: "METRICS formula order", price: 2.10, gpus: 4, tps: 12345.6, want: 2.10 * 4 / (12345.6 * 3600) * 1e6},
		{name: "zero throughput", price: 1, gpus: 1, tps: 0, wantError: "throughput 0 tokens/s"},
		{name: "negative throughput", price: 1, gpus: 1, tps: -5, wantError: "throughput -5"},
		{name: "NaN throughput", price: 1, gpus: 1, tps: math.NaN(), wantError: "throughput NaN"},
		{name: "Inf throughput", price: 1, gpus: 1, tps: math.Inf(1), wantError: "throughput +Inf"},
		{name: "zero GPUs", price: 1, gpus: 0, tps: 1, wantError: "0 GPUs"},
		{name: "zero price", price: 0, gpus: 1, tps: 1, wantError: "price 0"},
		{name: "tiny throughput overflows", price: MaxUSDPerGPUHour, gpus: 1, tps: 1e-310, wantError: "out of range"},
		{name: "absurd price", price: 1e300, gpus: 1, tps: 1, wantError: "at most 1000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CostPerMTok(tt.price, tt.gpus, tt.tps)
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("error %v, want %q", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tt.want) > 1e-12*tt.want {
				t.Errorf("got %.17g, want %.17g", got, tt.want)
			}
		})
	}
}

func TestNewCost(t *testing.T) {
	h100 := Quote{GPU: "H100 SXM", GPUs: 8, Tier: "hyperscaler", Provider: "market", USDPerGPUHour: 1.30, Source: "test", Watts: 700, AllInKW: 1.73}
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		tp   Throughput
		q    Quote
		want Cost
	}{
		{
			name: "every figure",
			tp:   Throughput{OutputTokensPerS: 8000, InputTokensPerS: 16000, TotalTokensPerS: 24000, GoodOutputTokensPerS: 4000},
			q:    h100,
			want: Cost{
				USDPerMTokOutput: f(1.3 / 3.6), USDPerMTokInput: f(1.3 / 7.2), USDPerMTokTotal: f(1.3 / 10.8),
				USDPerMTokGoodOutput: f(1.3 / 1.8), OutputTokensPerSPerGPU: f(1000),
				JoulesPerOutputToken: f(0.7), OutputTokensPerSPerMW: f(8000 / 5600.0 * 1e6),
				OutputTokensPerSPerAllInMW: f(8000 / (1730.0 * 8) * 1e6),
			},
		},
		{
			name: "no goodput: good-output cost absent",
			tp:   Throughput{OutputTokensPerS: 8000, InputTokensPerS: 16000, TotalTokensPerS: 24000},
			q:    h100,
			want: Cost{
				USDPerMTokOutput: f(1.3 / 3.6), USDPerMTokInput: f(1.3 / 7.2), USDPerMTokTotal: f(1.3 / 10.8),
				OutputTokensPerSPerGPU: f(1000), JoulesPerOutputToken: f(0.7), OutputTokensPerSPerMW: f(8000 / 5600.0 * 1e6),
				OutputTokensPerSPerAllInMW: f(8000 / (1730.0 * 8) * 1e6),
			},
		},
		{
			name: "zero throughput: everything absent",
			tp:   Throughput{},
			q:    h100,
			want: Cost{},
		},
		{
			name: "non-finite throughput: absent, not Inf",
			tp:   Throughput{OutputTokensPerS: math.Inf(1), InputTokensPerS: math.NaN(), TotalTokensPerS: -1},
			q:    h100,
			want: Cost{},
		},
		{
			name: "unknown power: no energy figures",
			tp:   Throughput{OutputTokensPerS: 1000},
			q:    Quote{GPU: "mystery", GPUs: 1, USDPerGPUHour: 2, Source: UserPriceSource},
			want: Cost{USDPerMTokOutput: f(2 / 3.6), OutputTokensPerSPerGPU: f(1000)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewCost(tt.tp, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got.GPU != tt.q.GPU || got.GPUs != tt.q.GPUs || got.PriceUSDPerGPUHour != tt.q.USDPerGPUHour || got.PriceSource != tt.q.Source {
				t.Errorf("quote not carried: %+v", got)
			}
			figures := []struct {
				name      string
				got, want *float64
			}{
				{"usd_per_mtok_output", got.USDPerMTokOutput, tt.want.USDPerMTokOutput},
				{"usd_per_mtok_input", got.USDPerMTokInput, tt.want.USDPerMTokInput},
				{"usd_per_mtok_total", got.USDPerMTokTotal, tt.want.USDPerMTokTotal},
				{"usd_per_mtok_good_output", got.USDPerMTokGoodOutput, tt.want.USDPerMTokGoodOutput},
				{"output_tokens_per_s_per_gpu", got.OutputTokensPerSPerGPU, tt.want.OutputTokensPerSPerGPU},
				{"joules_per_output_token", got.JoulesPerOutputToken, tt.want.JoulesPerOutputToken},
				{"output_tokens_per_s_per_mw", got.OutputTokensPerSPerMW, tt.want.OutputTokensPerSPerMW},
				{"output_tokens_per_s_per_all_in_mw", got.OutputTokensPerSPerAllInMW, tt.want.OutputTokensPerSPerAllInMW},
			}
			for _, fig := range figures {
				switch {
				case (fig.got == nil) != (fig.want == nil):
					t.Errorf("%s = %v, want %v", fig.name, deref64(fig.got), deref64(fig.want))
				case fig.got != nil && math.Abs(*fig.got-*fig.want) > 1e-9*math.Abs(*fig.want):
					t.Errorf("%s = %.17g, want %.17g", fig.name, *fig.got, *fig.want)
				}
			}
			// JSON never carries Inf or NaN (encoding/json would fail on them),
			// and an absent figure is an explicit null.
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if got.USDPerMTokGoodOutput == nil && !strings.Contains(string(b), `"usd_per_mtok_good_output":null`) {
				t.Errorf("absent figure not null in %s", b)
			}
		})
	}
}

func deref64(p *float64) any {
	if p == nil {
		return "absent"
	}
	return *p
}

func TestNewCostRejectsBadQuote(t *testing.T) {
	tests := []struct {
		name string
		q    Quote
	}{
		{"zero price", Quote{GPUs: 1}},
		{"NaN price", Quote{GPUs: 1, USDPerGPUHour: math.NaN()}},
		{"zero GPUs", Quote{USDPerGPUHour: 1}},
		{"negative watts", Quote{GPUs: 1, USDPerGPUHour: 1, Watts: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewCost(Throughput{OutputTokensPerS: 1}, tt.q); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestEstimate(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tp := Throughput{OutputTokensPerS: 2000, InputTokensPerS: 2000, TotalTokensPerS: 4000}
	tests := []struct {
		name       string
		o          Options
		wantPrice  float64
		wantSource string
		wantWatts  float64
		wantErr    string
		lookupErr  bool
	}{
		{name: "catalog price", o: Options{GPU: "h100", GPUs: 2, Tier: "hyperscaler"}, wantPrice: 1.30, wantWatts: 700,
			wantSource: "built-in catalog: H100 SXM hyperscaler market, SemiAnalysis Market August 2025"},
		{name: "on-demand from one provider", o: Options{GPU: "l40s", GPUs: 1, Tier: "on-demand", Provider: "nebius"}, wantPrice: 1.55, wantWatts: 350,
			wantSource: "built-in catalog: L40S on-demand nebius, skypilot-org/skypilot-catalog catalogs/v7/nebius/vms.csv, price as of 2026-11"},
		{name: "user price keeps catalog power", o: Options{GPU: "B200", GPUs: 8, Tier: "hyperscaler", USDPerGPUHour: 2.10}, wantPrice: 2.10, wantWatts: 1000, wantSource: UserPriceSource},
		{name: "user price for an unknown GPU", o: Options{GPU: "TPU v5e", GPUs: 4, USDPerGPUHour: 1.20}, wantPrice: 1.20, wantSource: UserPriceSource},
		{name: "no tier", o: Options{GPU: "h100", GPUs: 1}, wantErr: "no tier given for H100 SXM", lookupErr: true},
		{name: "no GPU", o: Options{GPUs: 1, Tier: "hyperscaler"}, wantErr: "no GPU type given", lookupErr: true},
		{name: "unknown GPU without price", o: Options{GPU: "TPU v5e", GPUs: 1, Tier: "on-demand"}, wantErr: `GPU "TPU v5e" is not in the catalog`, lookupErr: true},
		{name: "zero GPUs", o: Options{GPU: "h100", GPUs: 0, Tier: "hyperscaler"}, wantErr: "0 GPUs"},
		{name: "negative price", o: Options{GPU: "h100", GPUs: 1, USDPerGPUHour: -1}, wantErr: "price -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Estimate(tp, tt.o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				var le *LookupError
				if errors.As(err, &le) != tt.lookupErr {
					t.Errorf("error %T, lookup error %v", err, tt.lookupErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.PriceUSDPerGPUHour != tt.wantPrice || !strings.HasPrefix(got.PriceSource, tt.wantSource) || got.GPUWatts != tt.wantWatts || got.GPUs != tt.o.GPUs {
				t.Errorf("got price %v from %q, %v W, %d GPUs; want %v from %q, %v W", got.PriceUSDPerGPUHour, got.PriceSource, got.GPUWatts, got.GPUs, tt.wantPrice, tt.wantSource, tt.wantWatts)
			}
			want, _ := CostPerMTok(tt.wantPrice, tt.o.GPUs, tp.OutputTokensPerS)
			if got.USDPerMTokOutput == nil || *got.USDPerMTokOutput != want {
				t.Errorf("output cost %v, want %v", deref64(got.USDPerMTokOutput), want)
			}
		})
	}
}

// TestNewCostAssumptions checks that a cost states the power figures its
// per-MW numbers use, and leaves out those it has no figure for.
func TestNewCostAssumptions(t *testing.T) {
	tp := Throughput{OutputTokensPerS: 1730}
	tests := []struct {
		name      string
		q         Quote
		want      []string
		wantNot   []string
		wantAllIn float64
	}{
		{"board and all-in", Quote{GPU: "H100", GPUs: 2, USDPerGPUHour: 1.3, Source: "catalog x", Watts: 700, AllInKW: 1.73},
			[]string{"$1.3 per GPU-hour for each of 2 GPU(s), catalog x", "700 W board power per GPU", "PUE 1", "1.73 kW per GPU of facility power"}, nil, 1.73},
		{"no power figures", Quote{GPU: "X", GPUs: 1, USDPerGPUHour: 2, Source: "user --price"},
			[]string{"$2 per GPU-hour for each of 1 GPU(s), user --price"}, []string{"board power", "all-in"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCost(tp, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(c.Assumptions, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("assumptions lack %q:\n%s", w, all)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(all, w) {
					t.Errorf("assumptions hold %q:\n%s", w, all)
				}
			}
			if c.AllInKWPerGPU != tt.wantAllIn {
				t.Errorf("all_in_kw_per_gpu = %v, want %v", c.AllInKWPerGPU, tt.wantAllIn)
			}
			if tt.wantAllIn > 0 {
				// 1730 tok/s / (1.73 kW * 2 GPUs) = 500,000 tok/s per MW.
				if c.OutputTokensPerSPerAllInMW == nil || math.Abs(*c.OutputTokensPerSPerAllInMW-500000) > 1e-6 {
					t.Errorf("per all-in MW = %v, want 500000", c.OutputTokensPerSPerAllInMW)
				}
			}
		})
	}
}
