// Package export writes configuration for live objects (mailform export): one file
// per kind of resource, with references between the exported objects in place of
// provider ids, so that a plan over the files adopts every object and changes none.
package export

import (
	"bytes"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/providers"
)

// File is one configuration file to write.
type File struct {
	Name    string
	Content []byte
	// Count is how many resource blocks the file holds.
	Count int
}

// Options tune what Files writes.
type Options struct {
	// SkipDomains are the domain names the target directory already declares; they
	// are not written again.
	SkipDomains []string
	// CSV writes departments, accounts and groups as departments.csv, accounts.csv
	// and groups.csv, one row each, read by for_each blocks (one per type, and for
	// departments one per level of the tree) instead of one block per object.
	CSV bool
}

// fileOf names the file each resource type is written to.
var fileOf = map[string]string{
	"domain": "domains.mf.hcl", "department": "departments.mf.hcl", "account": "accounts.mf.hcl",
	"group": "groups.mf.hcl", "dns_record": "dns.mf.hcl",
	"send_restriction": "policies.mf.hcl", "backup_rule": "policies.mf.hcl",
}

// fileOrder is the order files are returned in.
var fileOrder = []string{"domains.mf.hcl", "departments.mf.hcl", "accounts.mf.hcl", "groups.mf.hcl", "dns.mf.hcl", "policies.mf.hcl"}

// Files returns the configuration files for the live objects of t, in canonical
// HCL formatting. A file is returned when it holds a block or a note about a type
// that could not be read.
func Files(t *planner.Tenant, o Options) []File {
	w := &writer{t: t, labels: map[string]map[string]string{}, files: map[string]*hclwrite.File{}, out: map[string]*bytes.Buffer{}, raw: map[string][][]byte{}, counts: map[string]int{}}
	skip := map[string]bool{}
	for _, d := range o.SkipDomains {
		skip[model.CanonicalDomain(d)] = true
	}
	w.domains(skip)
	if o.CSV {
		w.csvDepartments()
		w.csvAccounts()
		w.csvGroups()
	} else {
		w.departments()
		w.accounts()
		w.groups()
	}
	w.dns()
	w.policies()
	for _, typ := range model.TypeNames() {
		if why := t.Skipped[typ]; why != "" {
			w.comment(fileOf[typ], fmt.Sprintf("No %s blocks were exported: %s.", typ, why))
			if typ == "group" {
				w.comment(fileOf[typ], "Declare each group here, then adopt it with mailform import group.<label> <address>.")
			}
		}
	}
	var out []File
	for _, name := range fileOrder {
		if w.files[name] == nil {
			continue
		}
		w.flush(name)
		w.format(name)
		out = append(out, File{Name: name, Content: w.out[name].Bytes(), Count: w.counts[name]})
	}
	for _, name := range csvFiles {
		if b, ok := w.csv[name]; ok {
			out = append(out, File{Name: name, Content: b, Count: w.counts[name]})
		}
	}
	return out
}

// writer builds the files; labels maps a type to live id → label for references.
type writer struct {
	t      *planner.Tenant
	labels map[string]map[string]string
	// files holds what was appended to each file since its last flush, out what
	// was flushed, formatted: a file is formatted block by block, so only one
	// block's syntax tree is held at a time, not 50,000.
	files  map[string]*hclwrite.File
	out    map[string]*bytes.Buffer
	raw    map[string][][]byte // flushed, waiting to be formatted
	counts map[string]int
	csv    map[string][]byte // CSV files by name, with Options.CSV
}

// file returns what is being appended to the named file, starting it with a
// header on first use.
func (w *writer) file(name string) *hclwrite.File {
	if f := w.files[name]; f != nil {
		return f
	}
	f := hclwrite.NewEmptyFile()
	w.files[name] = f
	w.out[name] = &bytes.Buffer{}
	w.commentTo(f, "Written by mailform export from the live objects; edit freely.")
	f.Body().AppendNewline()
	return f
}

// flush takes what was appended to the named file since the last flush, to be
// formatted onto its output. Blocks are separated by blank lines, across which
// hclwrite aligns nothing, so formatting block by block gives what formatting the
// whole file would.
func (w *writer) flush(name string) {
	w.raw[name] = append(w.raw[name], w.files[name].Bytes())
	w.files[name] = hclwrite.NewEmptyFile()
	if len(w.raw[name]) >= formatBatch {
		w.format(name)
	}
}

// formatBatch is how many blocks are formatted at once, in parallel.
const formatBatch = 4096

// format formats the blocks waiting in raw onto the named file's output, on every
// core, in order.
func (w *writer) format(name string) {
	raw := w.raw[name]
	done := make([][]byte, len(raw))
	parallel(len(raw), func(i int) { done[i] = hclwrite.Format(raw[i]) })
	for _, b := range done {
		w.out[name].Write(b)
	}
	w.raw[name] = raw[:0]
}

func (w *writer) comment(name, text string) {
	w.commentTo(w.file(name), text)
}

func (w *writer) commentTo(f *hclwrite.File, text string) {
	f.Body().AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte("# " + text + "\n")}})
}

// block appends a resource block and counts it.
func (w *writer) block(typ, label string) *hclwrite.Body {
	name := fileOf[typ]
	f := w.file(name)
	if w.counts[name] > 0 {
		w.flush(name) // the previous block is complete
		f = w.files[name]
		f.Body().AppendNewline()
	}
	w.counts[name]++
	return f.Body().AppendNewBlock(typ, []string{label}).Body()
}

func (w *writer) remember(typ, id, label string) {
	if w.labels[typ] == nil {
		w.labels[typ] = map[string]string{}
	}
	w.labels[typ][id] = label
}

func (w *writer) domains(skip map[string]bool) {
	l := newLabeler()
	for _, r := range w.t.Objects["domain"] {
		name := r.Attrs.Str("name")
		if skip[name] {
			continue
		}
		first, _, _ := strings.Cut(name, ".")
		b := w.block("domain", l.take("domain", slug(first), slug(name)))
		b.SetAttributeValue("name", ctyString(name))
	}
}

// deptNode is one department in the order the files list them: parents before
// children, depth 1 at the top.
type deptNode struct {
	r      providers.Remote
	depth  int
	parent *deptNode // nil at the top
	label  string    // the block label, or the row key with Options.CSV
}

// deptTree lists the departments parents first, each followed by its subtree; in
// the order the provider lists them, or with byName siblings sorted by name.
func (w *writer) deptTree(byName bool) []*deptNode {
	all := w.t.Objects["department"]
	if byName {
		all = append([]providers.Remote(nil), all...)
		sort.SliceStable(all, func(i, j int) bool { return all[i].Attrs.Str("name") < all[j].Attrs.Str("name") })
	}
	ids := map[string]bool{}
	for _, r := range all {
		ids[r.ID] = true
	}
	children := map[string][]providers.Remote{}
	var roots []providers.Remote
	for _, r := range all {
		p := r.Attrs.Str("parent")
		if p == "" || !ids[p] || p == r.ID {
			roots = append(roots, r)
			continue
		}
		children[p] = append(children[p], r)
	}
	var out []*deptNode
	done := map[string]bool{}
	var visit func(r providers.Remote, parent *deptNode)
	visit = func(r providers.Remote, parent *deptNode) {
		if done[r.ID] {
			return
		}
		done[r.ID] = true
		n := &deptNode{r: r, depth: 1, parent: parent}
		if parent != nil {
			n.depth = parent.depth + 1
		}
		out = append(out, n)
		for _, c := range children[r.ID] {
			visit(c, n)
		}
	}
	for _, r := range roots {
		visit(r, nil)
	}
	// A parent loop (possible only in a broken tenant) has no root: write it anyway.
	for _, r := range all {
		visit(r, nil)
	}
	return out
}

// departments writes parents before their children, so the file reads top-down.
func (w *writer) departments() {
	l := newLabeler()
	for _, n := range w.deptTree(false) {
		s := slug(n.r.Attrs.Str("name"))
		cands := []string{s}
		if n.parent != nil && s != "" {
			cands = append(cands, n.parent.label+"_"+s)
		}
		n.label = l.take("department", cands...)
		w.remember("department", n.r.ID, n.label)
		w.attrs(w.block("department", n.label), model.Department, model.Department.Attrs, n.r.Attrs)
	}
}

func (w *writer) accounts() {
	w.addressBlocks("account", model.Account)
}

func (w *writer) groups() {
	w.addressBlocks("group", model.Group)
}

// addressBlocks writes the objects named by an email address, labelled by the local
// part, qualified by the domain where two domains share one.
func (w *writer) addressBlocks(typ string, t *model.Type) {
	objs := append([]providers.Remote(nil), w.t.Objects[typ]...)
	sort.SliceStable(objs, func(i, j int) bool { return objs[i].Attrs.Str("email") < objs[j].Attrs.Str("email") })
	l := newLabeler()
	labels := make([]string, len(objs))
	for i, r := range objs {
		email := r.Attrs.Str("email")
		local, domain, _ := strings.Cut(email, "@")
		first, _, _ := strings.Cut(domain, ".")
		labels[i] = l.take(typ, slug(local), slug(local+"_"+first), slug(email))
		w.remember(typ, email, labels[i])
	}
	// Labels first, then blocks: a group may refer to an account written later.
	if len(objs) == 0 {
		return
	}
	w.attrs(w.block(typ, labels[0]), t, t.Attrs, objs[0].Attrs)
	// The other blocks only read the labels: each is built and printed on its own,
	// on every core, exactly as block() would have started it (a blank line, then
	// the block), and queued in order to be formatted.
	raw := make([][]byte, len(objs))
	parallel(len(objs)-1, func(i int) {
		i++
		f := hclwrite.NewEmptyFile()
		f.Body().AppendNewline()
		w.attrs(f.Body().AppendNewBlock(typ, []string{labels[i]}).Body(), t, t.Attrs, objs[i].Attrs)
		raw[i] = f.Bytes()
	})
	name := fileOf[typ]
	w.flush(name)
	for _, b := range raw[1:] {
		w.counts[name]++
		w.raw[name] = append(w.raw[name], b)
		if len(w.raw[name]) >= formatBatch {
			w.format(name)
		}
	}
}

// parallel calls fn(0) … fn(n-1) on every core and returns when all are done.
func parallel(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

func (w *writer) dns() {
	objs := append([]providers.Remote(nil), w.t.Objects["dns_record"]...)
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i].Attrs, objs[j].Attrs
		return model.RRsetKey(a.Str("zone"), a.Str("name"), a.Str("type")) < model.RRsetKey(b.Str("zone"), b.Str("name"), b.Str("type"))
	})
	zones := map[string]bool{}
	for _, r := range objs {
		zones[r.Attrs.Str("zone")] = true
	}
	l := newLabeler()
	for _, r := range objs {
		name := r.Attrs.Str("name")
		if name == "@" {
			name = "apex"
		}
		base := slug(name + "_" + r.Attrs.Str("type"))
		zoneFirst, _, _ := strings.Cut(r.Attrs.Str("zone"), ".")
		qualified := slug(zoneFirst + "_" + name + "_" + r.Attrs.Str("type"))
		cands := []string{base, qualified}
		if len(zones) > 1 {
			cands = []string{qualified, slug(r.Attrs.Str("zone") + "_" + name + "_" + r.Attrs.Str("type"))}
		}
		w.attrs(w.block("dns_record", l.take("record", cands...)), model.DNSRecord, model.DNSRecord.Attrs, r.Attrs)
	}
}

// policies writes send restrictions and backup rules; their label is their
// identity, so one whose id is not a valid label is noted instead.
func (w *writer) policies() {
	for _, t := range []*model.Type{model.SendRestriction, model.BackupRule} {
		for _, r := range w.t.Objects[t.Name] {
			if !hclsyntax.ValidIdentifier(r.ID) {
				w.comment(fileOf[t.Name], fmt.Sprintf("%s %q was not exported: its name is not a valid label; recreate it under a new name.", t.Name, r.ID))
				continue
			}
			w.attrs(w.block(t.Name, r.ID), t, t.Attrs, r.Attrs)
		}
	}
}

// FileNames lists every file name export may write.
func FileNames() []string {
	return append(append([]string(nil), fileOrder...), csvFiles...)
}

// csvFiles are the files export -format csv writes besides the HCL files.
var csvFiles = []string{"departments.csv", "accounts.csv", "groups.csv"}
