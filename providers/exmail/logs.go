package exmail

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mailform/mailform/logarchive"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// MailLogEntry is one item of log/mail.
type MailLogEntry struct {
	MailType flexInt `json:"mailtype"`
	Subject  string  `json:"subject"`
	Sender   string  `json:"sender"`
	Receiver string  `json:"receiver"`
	Time     flexInt `json:"time"`
	Status   flexInt `json:"status"`
}

// LoginLogEntry is one item of log/login.
type LoginLogEntry struct {
	Time flexInt `json:"time"`
	IP   string  `json:"ip"`
	Type flexInt `json:"type"`
}

// OperationLogEntry is one item of log/operation.
type OperationLogEntry struct {
	Time     flexInt `json:"time"`
	Operator string  `json:"operator"`
	Type     flexInt `json:"type"`
	Operand  string  `json:"operand"`
	Remark   string  `json:"remark"`
}

// BatchjobLogEntry is one item of log/batchjob.
type BatchjobLogEntry struct {
	Time     flexInt `json:"time"`
	Operator string  `json:"operator"`
	Type     flexInt `json:"type"`
	Status   flexInt `json:"status"`
}

func (c *Client) logRequest(ctx context.Context, path, object string, body map[string]any, out any) error {
	r := &request{app: exmailapi.AppLog, method: http.MethodPost, path: path, object: object, body: body}
	return c.do(ctx, r, out)
}

// MailLog returns the mail of the days from begin to end (dates like 2026-01-31);
// mailtype 0 both directions, 1 sent, 2 received; userid "" = every account.
func (c *Client) MailLog(ctx context.Context, begin, end string, mailtype int, userid string) ([]MailLogEntry, error) {
	body := map[string]any{"begin_date": begin, "end_date": end, "mailtype": mailtype}
	if userid != "" {
		body["userid"] = userid
	}
	var resp struct {
		List []MailLogEntry `json:"list"`
	}
	err := c.logRequest(ctx, "log/mail", begin, body, &resp)
	return resp.List, err
}

// LoginLog returns the logins of one account: the API answers one account per call.
func (c *Client) LoginLog(ctx context.Context, userid, begin, end string) ([]LoginLogEntry, error) {
	var resp struct {
		List []LoginLogEntry `json:"list"`
	}
	err := c.logRequest(ctx, "log/login", userid+" "+begin, map[string]any{"userid": userid, "begin_date": begin, "end_date": end}, &resp)
	return resp.List, err
}

// OperationLog returns the admin operations of category typ (1 = all).
func (c *Client) OperationLog(ctx context.Context, typ int, begin, end string) ([]OperationLogEntry, error) {
	var resp struct {
		List []OperationLogEntry `json:"list"`
	}
	err := c.logRequest(ctx, "log/operation", begin, map[string]any{"type": typ, "begin_date": begin, "end_date": end}, &resp)
	return resp.List, err
}

// BatchjobLog returns the bulk jobs.
func (c *Client) BatchjobLog(ctx context.Context, begin, end string) ([]BatchjobLogEntry, error) {
	var resp struct {
		List []BatchjobLogEntry `json:"list"`
	}
	err := c.logRequest(ctx, "log/batchjob", begin, map[string]any{"begin_date": begin, "end_date": end}, &resp)
	return resp.List, err
}

// MailStatus returns how many mails domain sent and received.
func (c *Client) MailStatus(ctx context.Context, domain, begin, end string) (sent, received int64, err error) {
	var resp struct {
		SendSum flexInt `json:"sendsum"`
		RecvSum flexInt `json:"recvsum"`
	}
	err = c.logRequest(ctx, "log/mailstatus", domain+" "+begin, map[string]any{"domain": domain, "begin_date": begin, "end_date": end}, &resp)
	return int64(resp.SendSum), int64(resp.RecvSum), err
}

// LogSource returns the provider's logs as an archive source.
func (p *Provider) LogSource() logarchive.Source { return &logSource{c: p.c} }

// LogSource returns the client's logs as an archive source.
func (c *Client) LogSource() logarchive.Source { return &logSource{c: c} }

type logSource struct{ c *Client }

const loginUnit = "login:"

// Window is the console's month less one day at the old end, so that a day does not
// roll out of the API while it is being pulled, and yesterday at the new end: today
// is not over.
func (s *logSource) Window(now time.Time) (string, string) {
	t := now.In(exmailapi.LogLocation)
	today := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, exmailapi.LogLocation)
	return today.AddDate(0, 0, -(exmailapi.LogWindowDays - 2)).Format("2006-01-02"),
		today.AddDate(0, 0, -1).Format("2006-01-02")
}

// Units are the three tenant-wide logs and one login unit per account.
func (s *logSource) Units(ctx context.Context) ([]string, error) {
	users, err := s.c.SimpleListUsers(ctx, exmailapi.RootDepartment, true)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var logins []string
	for _, u := range users {
		a := strings.ToLower(u.UserID)
		if !seen[a] {
			seen[a] = true
			logins = append(logins, loginUnit+a)
		}
	}
	sort.Strings(logins)
	return append([]string{logarchive.KindMail, logarchive.KindOperation, logarchive.KindBatchjob}, logins...), nil
}

// Windowed: log/login is asked once per account for a whole window ("one call per
// account per window"); the tenant-wide logs day by day, since the API has no paging
// and a month of a large tenant's mail would be one enormous answer.
func (s *logSource) Windowed(unit string) bool { return strings.HasPrefix(unit, loginUnit) }

// Fetch calls the endpoint of one unit for the days from–to and files each row under
// the day of its time in China, the service's zone.
func (s *logSource) Fetch(ctx context.Context, from, to, unit string) ([]logarchive.Row, error) {
	rows, err := s.fetch(ctx, from, to, unit)
	for i := range rows {
		d := time.Unix(rows[i].Time, 0).In(exmailapi.LogLocation).Format("2006-01-02")
		// A row stamped outside the asked days (a clock at midnight) stays in range.
		switch {
		case d < from:
			d = from
		case d > to:
			d = to
		}
		rows[i].Day = d
	}
	return rows, err
}

func (s *logSource) fetch(ctx context.Context, from, to, unit string) ([]logarchive.Row, error) {
	var rows []logarchive.Row
	switch {
	case unit == logarchive.KindMail:
		es, err := s.c.MailLog(ctx, from, to, 0, "")
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			rows = append(rows, logarchive.Row{Kind: logarchive.KindMail, Time: int64(e.Time), Account: e.Sender, Peer: e.Receiver,
				Subject: e.Subject, Type: int(e.MailType), Status: int(e.Status)})
		}
	case unit == logarchive.KindOperation:
		es, err := s.c.OperationLog(ctx, 1, from, to)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			rows = append(rows, logarchive.Row{Kind: logarchive.KindOperation, Time: int64(e.Time), Operator: e.Operator,
				Peer: e.Operand, Type: int(e.Type), Remark: e.Remark})
		}
	case unit == logarchive.KindBatchjob:
		es, err := s.c.BatchjobLog(ctx, from, to)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			rows = append(rows, logarchive.Row{Kind: logarchive.KindBatchjob, Time: int64(e.Time), Operator: e.Operator,
				Type: int(e.Type), Status: int(e.Status)})
		}
	case strings.HasPrefix(unit, loginUnit):
		who := strings.TrimPrefix(unit, loginUnit)
		es, err := s.c.LoginLog(ctx, who, from, to)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			rows = append(rows, logarchive.Row{Kind: logarchive.KindLogin, Time: int64(e.Time), Account: who, IP: e.IP, Type: int(e.Type)})
		}
	default:
		return nil, fmt.Errorf("exmail logs: unknown unit %q", unit)
	}
	return rows, nil
}
