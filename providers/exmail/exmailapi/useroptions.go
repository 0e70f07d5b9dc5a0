package exmailapi

// optionDefaults are the values of options never set: IMAP and POP on, secure login off.
var optionDefaults = map[int]string{
	OptionForceSecureLogin: "0",
	OptionIMAPSMTP:         "1",
	OptionPOPSMTP:          "1",
	OptionSecureLogin:      "0",
}

type optionJSON struct {
	Type  looseInt `json:"type"`
	Value string   `json:"value"`
}

func (h *handler) userOptionGet(c *call) (map[string]any, error) {
	var req struct {
		UserID string     `json:"userid"`
		Type   []looseInt `json:"type"`
	}
	if err := decodeBody(c, &req); err != nil {
		return nil, err
	}
	u, err := h.mustUser(req.UserID)
	if err != nil {
		return nil, err
	}
	set, err := h.t.UserOptions(u.UserID)
	if err != nil {
		return nil, err
	}
	value := func(t int) string {
		if v, ok := set[t]; ok {
			return v
		}
		return optionDefaults[t]
	}
	list := []any{}
	for _, t := range req.Type {
		t := int(t)
		if _, ok := optionDefaults[t]; !ok {
			return nil, fail(CodeInvalidParameter, "option type "+itoa(int64(t)))
		}
		v := value(t)
		if t == OptionSecureLogin {
			// Secure login is on exactly when it is forced.
			v = value(OptionForceSecureLogin)
		}
		list = append(list, map[string]any{"type": t, "value": v})
	}
	return map[string]any{"option": list}, nil
}

func (h *handler) userOptionUpdate(c *call) (map[string]any, error) {
	var req struct {
		UserID string       `json:"userid"`
		Option []optionJSON `json:"option"`
	}
	if err := decodeBody(c, &req); err != nil {
		return nil, err
	}
	u, err := h.mustUser(req.UserID)
	if err != nil {
		return nil, err
	}
	if len(req.Option) == 0 {
		return nil, fail(CodeInvalidParameter, "option is required")
	}
	set := map[int]string{}
	for _, o := range req.Option {
		t := int(o.Type)
		if _, ok := optionDefaults[t]; !ok || t == OptionSecureLogin {
			return nil, fail(CodeInvalidParameter, "option type "+itoa(int64(t))+" cannot be set")
		}
		if o.Value != "0" && o.Value != "1" {
			return nil, fail(CodeInvalidParameter, `option value is "0" or "1"`)
		}
		set[t] = o.Value
	}
	if err := h.t.SetUserOptions(u.UserID, set); err != nil {
		return nil, err
	}
	return done("updated"), nil
}
