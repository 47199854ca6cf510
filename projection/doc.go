// Package projection is where pricing and the engine model meet: it
// projects what a run measured onto other GPU types with the built-in
// engine's roofline (sim.Project) and prices the measured and the projected
// throughput (pricing).
//
// In: a results directory (its summary.json, read through
// report.ReadSummary, and its run.json, whose built-in engine is the
// source deployment), a pricing.Catalog, and Options naming the targets.
//
// Out: a Report, rendered as a table (WriteTable) or JSON (WriteJSON). Every
// projected figure says "projected" and is kept apart from the measured
// ones; the report opens with that disclaimer, shows how much of each GPU's
// modelled time is bandwidth- or compute-bound, and checks the model
// against the measurement on the source GPU (CheckTolerance).
package projection
