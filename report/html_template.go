package report

import "html/template"

// htmlTemplate is the report page. Everything is inline (CSS, images as
// data: URIs) so that the one file opens anywhere, offline; html/template
// escapes every string taken from the results.
var htmlTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif;
  margin: 0 auto; max-width: 1240px; padding: 16px 24px; color: #1b1f24; background: #fff; }
h1 { font-size: 1.6em; border-bottom: 2px solid #0072b2; padding-bottom: 6px; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 1.05em; margin-top: 1.2em; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.9em; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; }
th { background: #f3f6f9; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 14em; font-weight: 600; }
td.better { color: #0a6b3d; font-weight: 600; }
td.worse { color: #b3261e; font-weight: 600; }
.note { background: #fff8e1; border-left: 4px solid #e69f00; padding: 6px 10px; margin: 8px 0; }
.muted { color: #57606a; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; width: 592px; }
figure img { width: 100%; height: auto; border: 1px solid #d0d7de; }
figcaption { font-size: 0.85em; color: #57606a; margin-top: 4px; }
code { font-size: 0.9em; }
h4 { font-size: 0.98em; margin: 1.1em 0 0.3em; }
p.definition { font-size: 0.85em; color: #57606a; margin: 0 0 6px; max-width: 60em; }
ul.notes { font-size: 0.85em; color: #57606a; margin: 0 0 12px; padding-left: 1.4em; max-width: 60em; }
a { color: #0060a0; }
td, th { overflow-wrap: break-word; }
td.num, div.wide td:first-child { white-space: nowrap; }
div.wide { overflow-x: auto; max-width: 100%; }
div.wide table { margin: 0; }
div.wide { margin: 8px 0 16px; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>

{{- if .Runs}}
<h2 id="summary">Summary</h2>
{{- end}}
{{- if .Comparison}}
<p class="muted">Deltas are against {{(index .Runs 0).Label}}; lower is better for latencies and errors, higher for throughputs.</p>
{{template "table" .Comparison}}
{{- end}}
{{- range .Runs}}
<h3 id="{{.ID}}">{{.Label}}</h3>
{{- template "runsummary" .}}
{{- end}}
{{- if and (not .Runs) (not .Sweeps)}}
<h2 id="summary">Summary</h2>
<p class="muted">No runs.</p>
{{- end}}

{{- range .Sweeps}}
<h2 id="{{.ID}}">Sweep: {{.Label}}</h2>
{{template "table" .Table}}
{{- range .Notes}}
<p class="muted">{{.}}</p>
{{- end}}
{{- range .Points}}
<h3 id="{{.ID}}">{{.Label}}</h3>
{{- with .Hint}}
<p class="muted">{{.}}</p>
{{- end}}
{{- template "runsummary" .}}
{{- range .EngineSections}}{{template "section" .}}{{end}}
{{- with .CostSection}}{{template "section" .}}{{end}}
{{- end}}
{{- end}}

<h2 id="plots">Charts</h2>
{{- if .Figures}}
<div class="figures">
{{- range .Figures}}
<figure id="fig-{{.Name}}"><img src="{{.Src}}" alt="{{.Caption}}"><figcaption>{{.Caption}}</figcaption></figure>
{{- end}}
</div>
{{- else}}<p class="muted">No charts: they need per-request records (requests.jsonl, or an import with per-request data).</p>{{end}}

{{- if .Runs}}
<h2 id="runs">Run metadata</h2>
{{- range .Runs}}
<h3>{{.Label}}</h3>
<table class="kv">{{range .Meta}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>{{end}}</table>
{{- end}}
{{- end}}

{{- if .Runs}}
<h2 id="engine">Engine</h2>
{{- range .Runs}}
<h3>{{.Label}}</h3>
{{- range .EngineSections}}{{template "section" .}}{{end}}
{{- if .Engine}}<table class="kv">{{range .Engine}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
{{- if and (not .Engine) (not .EngineSections)}}<p class="muted">No engine data (engine.json, or an engine key in summary.json or run.json).</p>{{end}}
{{- end}}
{{- end}}

{{- if .Runs}}
<h2 id="cost">Cost</h2>
{{- range .Runs}}
<h3>{{.Label}}</h3>
{{- with .CostSection}}{{template "section" .}}{{end}}
{{- if .Cost}}<table class="kv">{{range .Cost}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
{{- if and (not .Cost) (not .CostSection)}}<p class="muted">No cost data (cost.json): see <code>tokenbench cost</code>.</p>{{end}}
{{- end}}
{{- end}}

{{- if .Runs}}
<h2 id="errors">Errors</h2>
{{- range .Runs}}
<h3>{{.Label}}</h3>
{{- if .Errors}}
<table><tr><th>Class</th><th class="num">Requests</th><th>First messages</th></tr>
{{- range .Errors}}
<tr><td>{{.Class}}</td><td class="num">{{.Count}}</td><td>
{{- range $i, $e := .Examples}}{{if $i}}<br>{{end}}<code>{{$e.RequestID}}</code>{{if $e.Status}} HTTP {{$e.Status}}{{end}}{{with $e.Message}}: {{.}}{{end}}{{end}}</td></tr>
{{- end}}
</table>
{{- else}}<p class="muted">No failed requests.</p>{{end}}
{{- if .Warnings}}<div class="note">{{range $i, $w := .Warnings}}{{if $i}}<br>{{end}}{{$w}}{{end}}</div>{{end}}
{{- end}}
{{- end}}
</body>
</html>
{{define "table"}}{{$t := .}}<div class="wide"><table><tr>{{range $i, $h := .Header}}<th{{if and $i (not (index $t.Text $i))}} class="num"{{end}}>{{$h}}</th>{{end}}</tr>
{{- range .Rows}}
<tr>{{range $i, $c := .}}<td{{if and $i (not (index $t.Text $i))}} class="num{{with $c.Class}} {{.}}{{end}}"{{else}}{{with $c.Class}} class="{{.}}"{{end}}{{end}}>{{if $c.Href}}<a href="{{$c.Href}}">{{$c.Text}}</a>{{else}}{{$c.Text}}{{end}}</td>{{end}}</tr>
{{- end}}
</table></div>{{end}}
{{define "runsummary"}}
<table class="kv">{{range .Header}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>{{end}}</table>
{{- if .Latency.Rows}}{{template "table" .Latency}}{{else}}<p class="muted">No latency samples.</p>{{end}}
{{- with .Source}}
<div class="note"><strong>Imported</strong> from {{.Format}} (<code>{{.Path}}</code>).
{{- if .Unavailable}}<br>Unavailable from this format: {{range $i, $u := .Unavailable}}{{if $i}}, {{end}}<code>{{$u}}</code>{{end}}.{{end}}
{{- range .Notes}}<br>{{.}}{{end}}</div>
{{- end}}
{{- range .Sections}}{{template "section" .}}{{end}}
{{- end}}
{{define "section"}}
<h4 id="{{.ID}}">{{.Title}}</h4>
{{- with .Definition}}
<p class="definition">{{.}}</p>
{{- end}}
{{- if .KV}}
<table class="kv">{{range .KV}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>{{end}}</table>
{{- end}}
{{- with .Table}}{{template "table" .}}{{end}}
{{- if .Notes}}
<ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
{{- end}}
`))
