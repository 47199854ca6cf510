package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/workloads"
)

func TestRunShardFlags(t *testing.T) {
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // substring of the usage error; "" for success
		want    workloads.Shard
		check   func(t *testing.T, o *RunOptions)
	}{
		{name: "not sharded", want: workloads.Shard{}},
		{name: "--shard", args: []string{"--shard", "1/4"}, want: workloads.Shard{Index: 1, Count: 4}},
		{name: "Indexed Job index with --shards", args: []string{"--shards", "3"}, env: map[string]string{EnvJobIndex: "2"}, want: workloads.Shard{Index: 2, Count: 3}},
		{name: "Indexed Job index with the count from the environment", env: map[string]string{EnvJobIndex: "0", EnvShards: "2"}, want: workloads.Shard{Index: 0, Count: 2}},
		{name: "--shard wins over the Job index", args: []string{"--shard", "1/2"}, env: map[string]string{EnvJobIndex: "0", EnvShards: "2"}, want: workloads.Shard{Index: 1, Count: 2}},
		{name: "a Job index alone shards nothing", env: map[string]string{EnvJobIndex: "3"}, want: workloads.Shard{}},
		{name: "count disagrees", args: []string{"--shard", "1/4", "--shards", "3"}, wantErr: "says 4 shards"},
		{name: "count without an index", args: []string{"--shards", "3"}, wantErr: "no index"},
		{name: "index out of range", args: []string{"--shards", "3"}, env: map[string]string{EnvJobIndex: "3"}, wantErr: "from 0 to 2"},
		{name: "bad index", env: map[string]string{EnvJobIndex: "x", EnvShards: "2"}, wantErr: "want a shard index"},
		{name: "bad count", env: map[string]string{EnvJobIndex: "0", EnvShards: "zero"}, wantErr: EnvShards},
		{name: "bad shard", args: []string{"--shard", "4/4"}, wantErr: "--shard"},
		{name: "closed loop narrower than the shards", args: []string{"--shard", "0/4", "--concurrency", "3"}, wantErr: "--concurrency 3 cannot be split over 4"},
		{name: "open-loop cap narrower than the shards", args: []string{"--shard", "0/4", "--rate", "5", "--concurrency", "3"}, wantErr: "--concurrency 3"},
		{name: "open loop without a cap", args: []string{"--shard", "0/4", "--rate", "5"}, want: workloads.Shard{Index: 0, Count: 4}},
		{name: "fewer requests than shards", args: []string{"--shard", "0/4", "--requests", "3"}, wantErr: "--requests 3"},
		{name: "sweep", args: []string{"--shard", "0/2", "--sweep", "concurrency=2,4"}, wantErr: "--sweep"},
		{name: "start-at", args: []string{"--start-at", soon}, check: func(t *testing.T, o *RunOptions) {
			if o.Shard.startAt.Format(time.RFC3339) != soon {
				t.Errorf("start at %v, want %s", o.Shard.startAt, soon)
			}
		}},
		{name: "start-at from the environment", env: map[string]string{EnvStartAt: soon}, check: func(t *testing.T, o *RunOptions) {
			if o.Shard.startAt.IsZero() {
				t.Error("$" + EnvStartAt + " not read")
			}
		}},
		{name: "start-at not RFC 3339", args: []string{"--start-at", "21:00"}, wantErr: "RFC 3339"},
		{name: "start-at days ahead", args: []string{"--start-at", time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)}, wantErr: "ahead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(tt.env)
			var got *RunOptions
			cmd := NewCmdRun(f, func(_ context.Context, o *RunOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(f.Out)
			cmd.SetErr(f.Err)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if _, ok := err.(usageError); !ok {
					t.Errorf("error %v is not a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v (%s)", err, errb.String())
			}
			if got.Shard.shard != tt.want {
				t.Errorf("shard %+v, want %+v", got.Shard.shard, tt.want)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

// A shard's load is its part of the whole: concurrency, requests and
// warm-up split with the remainder to the lowest indices, arrivals on the
// whole schedule's clock.
func TestRunShardLoad(t *testing.T) {
	whole := map[string]int{"concurrency": 0, "requests": 0, "warmup": 0}
	var firstArrivals []time.Duration
	for i := 0; i < 3; i++ {
		f, _, _, _ := testFactory(nil)
		var o *RunOptions
		cmd := NewCmdRun(f, func(_ context.Context, got *RunOptions) error { o = got; return nil })
		cmd.SetArgs([]string{"--shard", workloads.Shard{Index: i, Count: 3}.String(), "--rate", "10", "--arrival", "constant",
			"--concurrency", "8", "--requests", "10", "--warmup", "4"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		l, info, err := o.load(nil)
		if err != nil {
			t.Fatal(err)
		}
		l, info = o.Shard.apply(l, info)
		whole["concurrency"] += l.Concurrency
		whole["requests"] += l.Requests
		whole["warmup"] += l.Warmup
		if info.Concurrency != l.Concurrency || info.Requests != l.Requests || info.Warmup != l.Warmup {
			t.Errorf("shard %d: run.json load %+v disagrees with the load %+v", i, info, l)
		}
		if wantReq := []int{4, 3, 3}[i]; l.Requests != wantReq {
			t.Errorf("shard %d: %d requests, want %d", i, l.Requests, wantReq)
		}
		firstArrivals = append(firstArrivals, l.Arrival.Offset(0), l.Arrival.Offset(1))
	}
	if whole["concurrency"] != 8 || whole["requests"] != 10 || whole["warmup"] != 4 {
		t.Errorf("shares add up to %v, want concurrency 8, requests 10, warm-up 4", whole)
	}
	// Constant 10 req/s: arrival n of the whole at n x 100 ms; shard i's
	// local arrivals 0 and 1 are the whole's i and i+3.
	want := []time.Duration{0, 300 * time.Millisecond, 100 * time.Millisecond, 400 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond}
	for k := range want {
		if firstArrivals[k] != want[k] {
			t.Errorf("arrivals %v, want %v", firstArrivals, want)
			break
		}
	}
}

// An interrupt while a shard waits for --start-at ends the wait at once,
// without recording a start that did not happen.
func TestShardBeginInterruptedWhileWaiting(t *testing.T) {
	s := &shardOptions{shard: workloads.Shard{Index: 0, Count: 2}, startAt: time.Now().Add(time.Hour)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := bench.Load{Concurrency: 1}
	rewrote := false
	done := make(chan error, 1)
	go func() {
		done <- s.begin(ctx, nil, &l, nil, func(string, ...any) {}, func(*bench.ShardInfo) error { rewrote = true; return nil })
	}()
	select {
	case err := <-done:
		if err != nil || rewrote {
			t.Errorf("begin: %v, run.json rewritten %v", err, rewrote)
		}
	case <-time.After(time.Minute): // a bound on a hang, not a latency assertion
		t.Fatal("begin waited for --start-at despite the interrupt")
	}
}
