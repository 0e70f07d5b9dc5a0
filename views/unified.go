package views

import (
	"fmt"
	"io"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// WriteUnifiedDiff writes how before became after as a unified diff of lines with
// three lines of context, as diff -u and terraform fmt -diff show it.
func WriteUnifiedDiff(w io.Writer, name, before, after string) {
	type line struct {
		op   byte // ' ', '-' or '+'
		text string
	}
	dmp := diffmatchpatch.New()
	a, b, ls := dmp.DiffLinesToChars(before, after)
	var lines []line
	for _, d := range dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), ls) {
		op := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = '-'
		case diffmatchpatch.DiffInsert:
			op = '+'
		}
		for _, t := range strings.SplitAfter(d.Text, "\n") {
			if t != "" {
				lines = append(lines, line{op, strings.TrimSuffix(t, "\n")})
			}
		}
	}
	fmt.Fprintf(w, "--- old/%s\n+++ new/%s\n", name, name)
	const ctx = 3
	for i := 0; i < len(lines); {
		if lines[i].op == ' ' {
			i++
			continue
		}
		// A hunk: from ctx lines before this change to ctx lines after the last
		// change that is at most 2*ctx unchanged lines further on.
		start := max(i-ctx, 0)
		end := i
		for j := i; j < len(lines); j++ {
			if lines[j].op != ' ' {
				end = j
			} else if j-end > 2*ctx {
				break
			}
		}
		end = min(end+ctx, len(lines)-1)
		oldStart, newStart := 1, 1
		for _, l := range lines[:start] {
			if l.op != '+' {
				oldStart++
			}
			if l.op != '-' {
				newStart++
			}
		}
		oldN, newN := 0, 0
		for _, l := range lines[start : end+1] {
			if l.op != '+' {
				oldN++
			}
			if l.op != '-' {
				newN++
			}
		}
		fmt.Fprintf(w, "@@ -%d,%d +%d,%d @@\n", oldStart, oldN, newStart, newN)
		for _, l := range lines[start : end+1] {
			fmt.Fprintf(w, "%c%s\n", l.op, l.text)
		}
		i = end + 1
	}
}
