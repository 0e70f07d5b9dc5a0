package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/mailform/mailform/logarchive"
)

// ArchiveLockTimeout is how long a command waits for another one using the embedded
// log archive.
const ArchiveLockTimeout = 5 * time.Second

// OpenArchive opens the log archive the `logs` block names: by default the embedded
// file mailform.logs in the configuration directory, created when missing.
func (w *Workspace) OpenArchive() (logarchive.Store, hcl.Diagnostics) {
	return w.openArchive(false)
}

// ReadArchive opens the log archive for reading only; an embedded archive that does
// not exist yet is nil, not created.
func (w *Workspace) ReadArchive() (logarchive.Store, hcl.Diagnostics) {
	return w.openArchive(true)
}

func (w *Workspace) openArchive(read bool) (logarchive.Store, hcl.Diagnostics) {
	path := filepath.Join(w.Dir, logarchive.DefaultFile)
	if l := w.Config.Logs; l != nil && l.Archive != nil {
		switch l.Archive.Kind {
		case "pg":
			var pc struct {
				ConnStr    *string `hcl:"conn_str"`
				SchemaName *string `hcl:"schema_name"`
			}
			if d := gohcl.DecodeBody(l.Archive.Config, nil, &pc); d.HasErrors() {
				return nil, d
			}
			var c logarchive.PGConfig
			if pc.ConnStr != nil {
				c.ConnStr = *pc.ConnStr
			}
			if pc.SchemaName != nil {
				c.Schema = *pc.SchemaName
			}
			s, err := logarchive.OpenPG(c)
			if err != nil {
				return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot open the log archive",
					Detail: err.Error() + ".", Subject: l.Archive.DeclRange.Ptr()}}
			}
			return s, nil
		case "local":
			var lc struct {
				Path *string `hcl:"path"`
			}
			if d := gohcl.DecodeBody(l.Archive.Config, nil, &lc); d.HasErrors() {
				return nil, d
			}
			if lc.Path != nil {
				path = *lc.Path
				if !filepath.IsAbs(path) {
					path = filepath.Join(w.Dir, path)
				}
			}
		}
	}
	open := logarchive.OpenBolt
	if read {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		open = logarchive.OpenBoltReadOnly
	}
	s, err := open(path, ArchiveLockTimeout)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot open the log archive", Detail: err.Error() + "."}}
	}
	return s, nil
}

// logSourcer is a provider that can pull its service's logs.
type logSourcer interface{ LogSource() logarchive.Source }

// LogSource returns the log source of the one configured provider that has logs.
func (w *Workspace) LogSource() (logarchive.Source, string, error) {
	var names []string
	for n, p := range w.Providers.ByName {
		if _, ok := p.(logSourcer); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	switch len(names) {
	case 0:
		return nil, "", errors.New("no configured provider keeps logs: logs pull needs a provider \"exmail\" block (with log_secret or EXMAIL_LOG_SECRET)")
	case 1:
		return w.Providers.ByName[names[0]].(logSourcer).LogSource(), names[0], nil
	}
	return nil, "", fmt.Errorf("several providers keep logs (%v); one archive holds one tenant's logs, keep one in this configuration", names)
}
