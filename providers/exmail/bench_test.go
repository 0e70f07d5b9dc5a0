package exmail

import (
	"fmt"
	"testing"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// BenchmarkNoChangeRead reads 1,000 accounts and 50 groups, as a plan without
// changes does, and reports the API calls it took.
func BenchmarkNoChangeRead(b *testing.B) {
	f := newFixture(b, nil, nil)
	for i := 0; i < 1000; i++ {
		f.tenant.CreateUser(exmailapi.User{UserID: fmt.Sprintf("u%d@example.com", i), Name: "U", Department: []int64{1}, Enable: 1})
	}
	var keys []string
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("g%d@example.com", i)
		f.tenant.CreateGroup(exmailapi.Group{GroupID: id, GroupName: "G", UserList: []string{"u1@example.com"}})
		keys = append(keys, id)
	}
	p := NewWithClient(f.client)
	f.count.Reset()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, req := range []providers.ReadRequest{{Type: "department"}, {Type: "account"}, {Type: "group", Keys: keys}} {
			if _, err := p.Read(b.Context(), req); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(f.count.Total())/float64(b.N), "calls/op")
}
