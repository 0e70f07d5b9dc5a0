package schema

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
)

// DecodeProviderConfig decodes a provider block's body against the attributes its
// kind declares.
func DecodeProviderConfig(p *Provider, attrs []*model.Attr, ctx *hcl.EvalContext) (model.Object, hcl.Diagnostics) {
	o, diags := decodeBody(p.Config, attrs, ctx, Ranges{}, "", "provider "+p.Kind)
	for _, a := range attrs {
		if _, ok := o[a.Name]; !ok && a.Default != nil {
			o[a.Name] = a.Default
		}
	}
	return o, diags
}
