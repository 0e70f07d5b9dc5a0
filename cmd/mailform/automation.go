package main

import "os"

// inAutomation reports whether MAILFORM_IN_AUTOMATION is set (to anything but "",
// "0" or "false"): a CI job, where nobody can answer a prompt and hints naming the
// next command to type are noise.
func inAutomation() bool {
	v := os.Getenv("MAILFORM_IN_AUTOMATION")
	return v != "" && v != "0" && v != "false"
}

// canPrompt reports whether a command may ask a question: not with -input=false and
// not in automation.
func (f *planFlags) canPrompt() bool { return f.input && !inAutomation() }
