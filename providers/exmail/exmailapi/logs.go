package exmailapi

import (
	"fmt"
	"hash/fnv"
	mathrand "math/rand"
	"sort"
	"strings"
	"time"
)

// LogWindowDays is how many days back from today the log endpoints answer, today
// included: the console keeps "about one month" of logs. Older days answer an empty
// list, not an error, as nothing documents one; a client must know the window itself.
const LogWindowDays = 31

// LogOptions configures the deterministic generator behind the log endpoints.
type LogOptions struct {
	// Days is how many days of history the tenant has before today; 0 = none, so
	// every log endpoint answers an empty list.
	Days int
	// Seed makes the generated rows; the same seed, day and account always give the
	// same rows.
	Seed int64
	// Now is the clock of the log endpoints (today and the part of today already
	// logged); default the handler's Now.
	Now func() time.Time
	// Idle maps a lower-cased address to the number of days it has not logged in.
	Idle map[string]int
	// Operations are extra operation-log rows, such as a console-only setting changed.
	Operations []LogOperation
}

// LogOperation is one operation-log row placed DaysAgo days before today, at noon.
type LogOperation struct {
	DaysAgo  int
	Type     int
	Operator string
	Operand  string
	Remark   string
}

// LogLocation is the time zone whose calendar days the log endpoints count in: the
// service is in China.
var LogLocation = time.FixedZone("CST", 8*3600)

// logDay is one calendar day of the log generator.
type logDay struct {
	date  string
	start int64 // Unix time of its midnight
}

func (h *handler) logNow() time.Time {
	if h.o.Logs.Now != nil {
		return h.o.Logs.Now().In(LogLocation)
	}
	return h.o.Now().In(LogLocation)
}

// logDays returns the answerable days between the request's begin_date and end_date:
// inside the history, inside the window, not after today.
func (h *handler) logDays(begin, end string) ([]logDay, int64, error) {
	b, err1 := time.ParseInLocation("2006-01-02", begin, LogLocation)
	e, err2 := time.ParseInLocation("2006-01-02", end, LogLocation)
	if err1 != nil || err2 != nil {
		return nil, 0, fail(CodeInvalidParameter, "begin_date and end_date must be dates like 2016-10-01")
	}
	if e.Before(b) {
		return nil, 0, fail(CodeInvalidParameter, "end_date is before begin_date")
	}
	now := h.logNow()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, LogLocation)
	oldest := today.AddDate(0, 0, -(LogWindowDays - 1))
	if first := today.AddDate(0, 0, -h.o.Logs.Days); first.After(oldest) {
		oldest = first
	}
	var days []logDay
	for d := b; !d.After(e); d = d.AddDate(0, 0, 1) {
		if d.Before(oldest) || d.After(today) {
			continue
		}
		days = append(days, logDay{date: d.Format("2006-01-02"), start: d.Unix()})
	}
	return days, now.Unix(), nil
}

// logRand is the random source of one (day, account, kind): the same arguments give
// the same rows whatever else is asked.
func (h *handler) logRand(day, who, kind string) *mathrand.Rand {
	f := fnv.New64a()
	fmt.Fprintf(f, "%d|%s|%s|%s", h.o.Logs.Seed, day, strings.ToLower(who), kind)
	return mathrand.New(mathrand.NewSource(int64(f.Sum64())))
}

type logRow = map[string]any

// loginRows are one account's logins of day, before now.
func (h *handler) loginRows(d logDay, userid string, now int64) []logRow {
	if idle, ok := h.o.Logs.Idle[strings.ToLower(userid)]; ok {
		t := time.Unix(now, 0).In(LogLocation)
		last := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, LogLocation).AddDate(0, 0, -idle)
		if d.start >= last.Unix() {
			return nil
		}
	}
	r := h.logRand(d.date, userid, "login")
	var out []logRow
	for i, n := 0, r.Intn(4); i < n; i++ {
		t := d.start + int64(r.Intn(86400))
		ip := fmt.Sprintf("10.%d.%d.%d", r.Intn(4), r.Intn(256), 1+r.Intn(254))
		typ := 1 + r.Intn(5)
		if t <= now {
			out = append(out, logRow{"time": t, "ip": ip, "type": typ})
		}
	}
	return out
}

// mailRows are the mail of day among users, before now: each user sends 0–2 mails to
// a colleague or a partner and receives 0–1 from outside.
func (h *handler) mailRows(d logDay, users []string, now int64) []logRow {
	var out []logRow
	for _, u := range users {
		r := h.logRand(d.date, u, "mail")
		for i, n := 0, r.Intn(3); i < n; i++ {
			to := fmt.Sprintf("partner%d@example.net", r.Intn(20))
			if r.Intn(2) == 0 && len(users) > 1 {
				to = users[r.Intn(len(users))]
			}
			status := []int{3, 3, 3, 3, 2, 4}[r.Intn(6)]
			t := d.start + int64(r.Intn(86400))
			if t <= now {
				out = append(out, logRow{"mailtype": 1, "subject": fmt.Sprintf("Report %d", r.Intn(1000)),
					"sender": u, "receiver": to, "time": t, "status": status})
			}
		}
		if r.Intn(2) == 0 {
			status := []int{13, 13, 13, 12, 11, 14}[r.Intn(6)]
			t := d.start + int64(r.Intn(86400))
			if t <= now {
				out = append(out, logRow{"mailtype": 2, "subject": fmt.Sprintf("Offer %d", r.Intn(1000)),
					"sender": fmt.Sprintf("sales%d@vendor.example.org", r.Intn(9)), "receiver": u, "time": t, "status": status})
			}
		}
	}
	return out
}

// operationCategories maps log/operation's request type to the row types it answers.
var operationCategories = map[int]func(int) bool{
	1:  func(int) bool { return true },
	2:  func(t int) bool { return t >= 39 && t <= 41 },
	3:  func(t int) bool { return t == 1 },
	5:  func(t int) bool { return t == 37 || t == 38 },
	6:  func(t int) bool { return t >= 11 && t <= 18 },
	7:  func(t int) bool { return t == 36 },
	8:  func(t int) bool { return t >= 19 && t <= 34 },
	9:  func(t int) bool { return t == 35 },
	4:  func(int) bool { return false },
	10: func(t int) bool { return t == 21 || t == 22 },
}

// operationRows are day's admin operations before now: 0–2 routine ones (logins,
// user and department edits) plus the configured ones.
func (h *handler) operationRows(d logDay, users []string, admin string, now int64) []logRow {
	r := h.logRand(d.date, "", "operation")
	var out []logRow
	for i, n := 0, r.Intn(3); i < n; i++ {
		typ := []int{1, 1, 19, 23, 23, 30, 34}[r.Intn(7)]
		operand := ""
		if typ != 1 && len(users) > 0 {
			operand = users[r.Intn(len(users))]
		}
		t := d.start + int64(r.Intn(86400))
		if t <= now {
			out = append(out, logRow{"time": t, "operator": admin, "type": typ, "operand": operand, "remark": ""})
		}
	}
	today := time.Unix(now, 0).In(LogLocation)
	for _, op := range h.o.Logs.Operations {
		day := time.Date(today.Year(), today.Month(), today.Day(), 12, 0, 0, 0, LogLocation).AddDate(0, 0, -op.DaysAgo)
		if day.Format("2006-01-02") == d.date && day.Unix() <= now {
			out = append(out, logRow{"time": day.Unix(), "operator": op.Operator, "type": op.Type, "operand": op.Operand, "remark": op.Remark})
		}
	}
	return out
}

// batchjobRows are day's bulk jobs: one on about every seventh day.
func (h *handler) batchjobRows(d logDay, admin string, now int64) []logRow {
	r := h.logRand(d.date, "", "batchjob")
	if r.Intn(7) != 0 {
		return nil
	}
	t := d.start + int64(r.Intn(86400))
	if t > now {
		return nil
	}
	return []logRow{{"time": t, "operator": admin, "type": []int{1, 2, 5, 9}[r.Intn(4)], "status": 1}}
}

// logUsers returns every address of the tenant, sorted, and the address that acts as
// the administrator in generated rows.
func (h *handler) logUsers() ([]string, string, error) {
	us, err := h.t.Users()
	if err != nil {
		return nil, "", err
	}
	var out []string
	for _, u := range us {
		out = append(out, strings.ToLower(u.UserID))
	}
	sort.Strings(out)
	admin := "admin@example.com"
	if len(out) > 0 {
		admin = "admin@" + out[0][strings.LastIndex(out[0], "@")+1:]
	}
	return out, admin, nil
}

type logRequest struct {
	BeginDate string    `json:"begin_date"`
	EndDate   string    `json:"end_date"`
	MailType  looseInt  `json:"mailtype"`
	UserID    string    `json:"userid"`
	Subject   string    `json:"subject"`
	Type      *looseInt `json:"type"`
	Domain    string    `json:"domain"`
}

func (h *handler) decodeLog(c *call) (logRequest, []logDay, int64, error) {
	var req logRequest
	if err := decodeBody(c, &req); err != nil {
		return req, nil, 0, err
	}
	days, now, err := h.logDays(req.BeginDate, req.EndDate)
	return req, days, now, err
}

// answerRows orders rows by time and writes their small numbers as the API does,
// numbers in one answer and strings in the next, so a client must read both.
func (h *handler) answerRows(rows []logRow) map[string]any {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i]["time"].(int64) < rows[j]["time"].(int64) })
	if rows == nil {
		rows = []logRow{}
	}
	loose := h.loose()
	for _, r := range rows {
		for _, k := range []string{"type", "status", "mailtype"} {
			if n, ok := r[k].(int); ok {
				r[k] = loose(n)
			}
		}
	}
	return map[string]any{"list": rows}
}

func (h *handler) logLogin(c *call) (map[string]any, error) {
	req, days, now, err := h.decodeLog(c)
	if err != nil {
		return nil, err
	}
	if req.UserID == "" {
		return nil, fail(CodeInvalidUserID, "userid is required: log/login answers one account per call")
	}
	if _, ok, err := h.t.User(req.UserID); err != nil {
		return nil, err
	} else if !ok {
		return nil, fail(CodeUserIDNotFound, "")
	}
	var rows []logRow
	for _, d := range days {
		rows = append(rows, h.loginRows(d, req.UserID, now)...)
	}
	return h.answerRows(rows), nil
}

func (h *handler) logMail(c *call) (map[string]any, error) {
	req, days, now, err := h.decodeLog(c)
	if err != nil {
		return nil, err
	}
	if req.MailType < 0 || req.MailType > 2 {
		return nil, fail(CodeInvalidParameter, "mailtype must be 0, 1 or 2")
	}
	users, _, err := h.logUsers()
	if err != nil {
		return nil, err
	}
	var rows []logRow
	for _, d := range days {
		for _, row := range h.mailRows(d, users, now) {
			if req.MailType != 0 && row["mailtype"] != int(req.MailType) {
				continue
			}
			if req.UserID != "" && !strings.EqualFold(row["sender"].(string), req.UserID) && !strings.EqualFold(row["receiver"].(string), req.UserID) {
				continue
			}
			if req.Subject != "" && !strings.Contains(row["subject"].(string), req.Subject) {
				continue
			}
			rows = append(rows, row)
		}
	}
	return h.answerRows(rows), nil
}

func (h *handler) logMailStatus(c *call) (map[string]any, error) {
	req, days, now, err := h.decodeLog(c)
	if err != nil {
		return nil, err
	}
	if req.Domain == "" {
		return nil, fail(CodeInvalidParameter, "domain is required")
	}
	users, _, err := h.logUsers()
	if err != nil {
		return nil, err
	}
	var sent, recv int
	for _, d := range days {
		for _, row := range h.mailRows(d, users, now) {
			if row["mailtype"] == 1 && strings.HasSuffix(row["sender"].(string), "@"+strings.ToLower(req.Domain)) {
				sent++
			}
			if row["mailtype"] == 2 && strings.HasSuffix(row["receiver"].(string), "@"+strings.ToLower(req.Domain)) {
				recv++
			}
		}
	}
	return map[string]any{"sendsum": sent, "recvsum": recv}, nil
}

func (h *handler) logOperation(c *call) (map[string]any, error) {
	req, days, now, err := h.decodeLog(c)
	if err != nil {
		return nil, err
	}
	if req.Type == nil {
		return nil, fail(CodeInvalidParameter, "type is required (1 = all)")
	}
	keep, ok := operationCategories[int(*req.Type)]
	if !ok {
		return nil, fail(CodeInvalidParameter, "type must be 1–10")
	}
	users, admin, err := h.logUsers()
	if err != nil {
		return nil, err
	}
	var rows []logRow
	for _, d := range days {
		for _, row := range h.operationRows(d, users, admin, now) {
			if keep(row["type"].(int)) {
				rows = append(rows, row)
			}
		}
	}
	return h.answerRows(rows), nil
}

func (h *handler) logBatchjob(c *call) (map[string]any, error) {
	_, days, now, err := h.decodeLog(c)
	if err != nil {
		return nil, err
	}
	_, admin, err := h.logUsers()
	if err != nil {
		return nil, err
	}
	var rows []logRow
	for _, d := range days {
		rows = append(rows, h.batchjobRows(d, admin, now)...)
	}
	return h.answerRows(rows), nil
}
