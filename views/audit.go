package views

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/mailform/mailform/audit"
)

// RenderAudit prints an audit report for a terminal.
func RenderAudit(w io.Writer, rep audit.Report) {
	if len(rep.Findings) == 0 {
		fmt.Fprintln(w, "No findings: the setup meets the policy.")
	}
	for _, f := range rep.Findings {
		fmt.Fprintf(w, "[%s] %s (%s)\n", f.Severity, f.Title, f.Rule)
		fmt.Fprintf(w, "  objects:  %s\n", strings.Join(f.Objects, ", "))
		fmt.Fprintf(w, "  evidence: %s\n", f.Evidence)
		fmt.Fprintf(w, "  fix:      %s\n\n", f.Fix)
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(w, "Note:", n)
	}
	fmt.Fprintf(w, "Audit: %d findings", len(rep.Findings))
	if rep.Ignored > 0 {
		fmt.Fprintf(w, ", %d accepted by audit { ignore }", rep.Ignored)
	}
	fmt.Fprintln(w, ".")
}

// WriteAuditJSON writes the report as indented JSON.
func WriteAuditJSON(w io.Writer, rep audit.Report) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(rep)
}

// WriteAuditMarkdown writes the report as Markdown, one table row per finding.
func WriteAuditMarkdown(w io.Writer, rep audit.Report) error {
	cell := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }
	var b strings.Builder
	fmt.Fprintf(&b, "# Mail setup audit, %s\n\n", rep.Generated.Format("2006-01-02"))
	if len(rep.Findings) == 0 {
		b.WriteString("No findings: the setup meets the policy.\n")
	} else {
		b.WriteString("| Severity | Rule | Finding | Objects | Evidence | What to do |\n|---|---|---|---|---|---|\n")
		for _, f := range rep.Findings {
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s |\n", f.Severity, f.Rule, cell(f.Title),
				cell(strings.Join(f.Objects, ", ")), cell(f.Evidence), cell(f.Fix))
		}
	}
	if len(rep.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range rep.Notes {
			fmt.Fprintf(&b, "- %s\n", cell(n))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// bar is one bar of an inline SVG chart.
type bar struct {
	Label    string
	Segments []segment
	Total    int
}

type segment struct {
	X, Width float64
	Class    string
	Value    int
}

// chart is a horizontal bar chart, scaled to its largest total.
type chart struct {
	ID, Title string
	Bars      []bar
	Height    int
	Legend    []string
	Empty     string
}

func newChart(id, title, empty string, legend []string, rows []bar) chart {
	top := 1
	for _, r := range rows {
		if r.Total > top {
			top = r.Total
		}
	}
	for i := range rows {
		x := 0.0
		for j := range rows[i].Segments {
			s := &rows[i].Segments[j]
			s.X = x
			s.Width = 400 * float64(s.Value) / float64(top)
			x += s.Width
		}
	}
	return chart{ID: id, Title: title, Bars: rows, Height: 22*len(rows) + 4, Legend: legend, Empty: empty}
}

func auditCharts(c audit.Charts) []chart {
	var status []bar
	for _, d := range c.StatusByDepartment {
		status = append(status, bar{Label: d.Department, Total: d.Active + d.Frozen + d.Departed, Segments: []segment{
			{Class: "active", Value: d.Active}, {Class: "frozen", Value: d.Frozen}, {Class: "departed", Value: d.Departed}}})
	}
	sf := []bar{
		{Label: "forced", Total: c.SecondFactorOn, Segments: []segment{{Class: "active", Value: c.SecondFactorOn}}},
		{Label: "not forced", Total: c.SecondFactorOff, Segments: []segment{{Class: "departed", Value: c.SecondFactorOff}}},
	}
	var logins []bar
	for _, d := range c.LoginsPerDay {
		logins = append(logins, bar{Label: d.Day, Total: d.Count, Segments: []segment{{Class: "active", Value: d.Count}}})
	}
	var sent []bar
	for _, d := range c.SentOutside {
		sent = append(sent, bar{Label: d.Name, Total: d.Count, Segments: []segment{{Class: "frozen", Value: d.Count}}})
	}
	return []chart{
		newChart("chart-status", "Accounts by status per department", "No accounts.", []string{"active", "frozen", "departed"}, status),
		newChart("chart-second-factor", "Second-factor coverage (active accounts)", "", nil, sf),
		newChart("chart-logins", "Logins per day (archive, last 90 days)", "No logins archived.", nil, logins),
		newChart("chart-sent-outside", "Mail sent outside per department (archive, last 90 days)", "No mail sent outside archived.", nil, sent),
	}
}

const auditPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Mail setup audit {{.Date}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2em; }
th, td { border: 1px solid #ccc; padding: .4em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.high { color: #a00; font-weight: bold; } .medium { color: #a60; } .low { color: #555; }
svg text { font-size: 12px; }
rect.active { fill: #3a7; } rect.frozen { fill: #e90; } rect.departed { fill: #c33; }
.legend span { display: inline-block; margin-right: 1em; }
.chart { margin-bottom: 2em; }
</style>
</head>
<body>
<h1>Mail setup audit</h1>
<p id="summary">{{.Date}}: {{len .Report.Findings}} findings{{if .Report.Ignored}}, {{.Report.Ignored}} accepted by the policy{{end}}.</p>
{{if .Report.Findings}}
<table id="findings">
<thead><tr><th>Severity</th><th>Rule</th><th>Finding</th><th>Objects</th><th>Evidence</th><th>What to do</th></tr></thead>
<tbody>
{{range .Report.Findings}}<tr class="finding" data-rule="{{.Rule}}"><td class="{{.Severity}}">{{.Severity}}</td><td><code>{{.Rule}}</code></td><td>{{.Title}}</td><td>{{range $i, $o := .Objects}}{{if $i}}, {{end}}{{$o}}{{end}}</td><td>{{.Evidence}}</td><td>{{.Fix}}</td></tr>
{{end}}</tbody>
</table>
{{else}}<p id="findings">No findings: the setup meets the policy.</p>{{end}}
{{range .Charts}}<div class="chart" id="{{.ID}}">
<h2>{{.Title}}</h2>
{{if .Bars}}<svg xmlns="http://www.w3.org/2000/svg" width="640" height="{{.Height}}" role="img" aria-label="{{.Title}}">
{{range $i, $b := .Bars}}<g transform="translate(0,{{mul $i}})"><text x="0" y="14">{{$b.Label}}</text>
<g transform="translate(180,0)">{{range $b.Segments}}{{if .Value}}<rect class="{{.Class}}" x="{{printf "%.1f" .X}}" y="2" width="{{printf "%.1f" .Width}}" height="16"><title>{{.Class}}: {{.Value}}</title></rect>{{end}}{{end}}</g>
<text x="{{add}}" y="14">{{$b.Total}}</text></g>
{{end}}</svg>
{{if .Legend}}<div class="legend">{{range .Legend}}<span><svg width="10" height="10"><rect class="{{.}}" width="10" height="10"/></svg> {{.}}</span>{{end}}</div>{{end}}
{{else}}<p>{{.Empty}}</p>{{end}}
</div>
{{end}}
{{if .Report.Notes}}<h2>Not checked</h2><ul>{{range .Report.Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
</body>
</html>
`

// WriteAuditHTML writes the report as one self-contained page: inline style and SVG
// charts, no script, nothing fetched from the network.
func WriteAuditHTML(w io.Writer, rep audit.Report) error {
	return auditTemplate.Execute(w, struct {
		Date   string
		Report audit.Report
		Charts []chart
	}{rep.Generated.Format("2006-01-02"), rep, auditCharts(rep.Charts)})
}

var auditTemplate = template.Must(template.New("audit").Funcs(template.FuncMap{
	"mul": func(i int) int { return 22 * i },
	"add": func() int { return 590 },
}).Parse(auditPage))
