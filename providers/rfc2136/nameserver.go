package rfc2136

// NameServer returns the host:port of the primary server the provider updates, where
// `mailform verify` asks for the records it wrote.
func (p *Provider) NameServer() string { return p.cfg.Server }
