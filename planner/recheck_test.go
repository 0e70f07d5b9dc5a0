package planner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// objectReader is a memProvider that can read single objects, counting the reads.
type objectReader struct {
	*memProvider
	reads int
	err   error
}

func (p *objectReader) ReadObjects(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	p.reads++
	if p.err != nil {
		return nil, p.err
	}
	var out []providers.Remote
	for _, k := range req.Keys {
		if o, ok := p.objs[req.Type][k]; ok {
			out = append(out, providers.Remote{ID: k, Attrs: o.Clone()})
		}
	}
	return out, nil
}

func TestRecheck(t *testing.T) {
	before := model.Canonical(model.Account, model.Object{"email": "bob@example.com", "name": "Bob"})
	change := func(a Action) *Change {
		return &Change{Address: "account.bob", Type: "account", Provider: "sandbox", Action: a, ID: "bob@example.com", Before: before}
	}
	for _, c := range []struct {
		name    string
		live    model.Object // nil: gone
		change  *Change
		recheck bool
		plain   bool // the provider cannot read single objects
		readErr error
		reads   int
		want    string // "" = no error
	}{
		{name: "unchanged update", live: model.Object{"email": "bob@example.com", "name": "Bob"}, change: change(Update), recheck: true, reads: 1},
		{name: "renamed since the plan", live: model.Object{"email": "bob@example.com", "name": "Robert"}, change: change(Update), recheck: true, reads: 1, want: "name changed outside mailform"},
		{name: "gone before an update", change: change(Update), recheck: true, reads: 1, want: "is gone"},
		{name: "gone before a delete", change: change(Delete), recheck: true, reads: 1},
		{name: "changed before a replace", live: model.Object{"email": "bob@example.com", "name": "Robert"}, change: change(Replace), recheck: true, reads: 1, want: "changed since plan"},
		{name: "create", change: &Change{Address: "account.bob", Type: "account", Provider: "sandbox", Action: Create}, recheck: true},
		{name: "adoption", live: model.Object{"email": "bob@example.com", "name": "Robert"}, change: &Change{Address: "account.bob", Type: "account", Provider: "sandbox", Action: NoOp, Adopt: true, ID: "bob@example.com", Before: before}, recheck: true},
		{name: "not a saved plan", live: model.Object{"email": "bob@example.com", "name": "Robert"}, change: change(Update)},
		{name: "read fails", live: model.Object{"email": "bob@example.com", "name": "Bob"}, change: change(Update), recheck: true, reads: 1,
			readErr: errors.New("connection refused"), want: "reading it again before the change: connection refused"},
		{name: "provider without single reads", live: model.Object{"email": "bob@example.com", "name": "Robert"}, change: change(Update), recheck: true, plain: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			objs := map[string]map[string]model.Object{"account": {}}
			if c.live != nil {
				objs["account"]["bob@example.com"] = c.live
			}
			mem := &memProvider{t: t, objs: objs}
			or := &objectReader{memProvider: mem, err: c.readErr}
			var p providers.Provider = or
			if c.plain {
				p = mem
			}
			o := ApplyOptions{Providers: &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}}, Recheck: c.recheck}
			err := recheck(context.Background(), c.change, o)
			if or.reads != c.reads {
				t.Errorf("%d single reads, want %d", or.reads, c.reads)
			}
			switch {
			case c.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one with %q", err, c.want)
			case c.want != "" && c.readErr == nil && !errors.Is(err, providers.ErrChangedSincePlan):
				t.Errorf("error %v is not ErrChangedSincePlan", err)
			}
		})
	}
}
