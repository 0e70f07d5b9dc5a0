package main

import (
	"bufio"
	"encoding/csv"
	"os"
)

func writeFile(path, content string) error {
	return os.WriteFile(path, []byte(content), 0o644)
}

// writeCSV writes a header and rows; encoding/csv quotes whatever needs it.
func writeCSV(path string, header []string, rows func(emit func(...string) error) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	err = w.Write(header)
	if err == nil {
		err = rows(func(cols ...string) error { return w.Write(cols) })
	}
	if err == nil {
		w.Flush()
		err = w.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
