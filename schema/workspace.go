package schema

import "github.com/zclconf/go-cty/cty"

// MailformValue is the object expressions see as `mailform`: its one attribute,
// workspace, names the selected CLI workspace, as terraform.workspace does.
func (c *Config) MailformValue() cty.Value {
	ws := "default"
	for c != nil && c.parent != nil {
		c = c.parent // a module is used in its root's workspace
	}
	if c != nil && c.Workspace != "" {
		ws = c.Workspace
	}
	return cty.ObjectVal(map[string]cty.Value{"workspace": cty.StringVal(ws)})
}
