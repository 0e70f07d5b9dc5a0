package schema

import "github.com/zclconf/go-cty/cty"

// MailformValue is the object expressions see as `mailform`: its one attribute,
// workspace, names the selected CLI workspace, as terraform.workspace does.
func (c *Config) MailformValue() cty.Value {
	ws := "default"
	if c != nil && c.Workspace != "" {
		ws = c.Workspace
	}
	return cty.ObjectVal(map[string]cty.Value{"workspace": cty.StringVal(ws)})
}
