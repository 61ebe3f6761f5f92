package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// version, when set at link time (-ldflags "-X main.version=v1.2.3"),
// overrides the module version from the build info.
var version = ""

func cmdVersion(args []string, stdout io.Writer) (int, error) {
	if len(args) > 0 {
		return exitInvalid, usageErr("version: takes no arguments")
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionText(version, info))
	return exitPass, nil
}

// versionText is what "firedrill version" prints: the module version
// (set by go install module@version, or derived from the VCS by go build in
// a checkout), the VCS revision and time, whether the tree was modified,
// and the Go version, e.g.
//
//	firedrill v1.2.3 (revision 0123456789ab, 2026-11-25T14:00:00Z; go1.26.8)
func versionText(linked string, info *debug.BuildInfo) string {
	v := linked
	if v == "" && info != nil {
		v = info.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	if info == nil {
		return "firedrill " + v + " (no build information)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var parts []string
	if rev := settings["vcs.revision"]; rev != "" {
		parts = append(parts, "revision "+rev[:min(12, len(rev))])
		if t := settings["vcs.time"]; t != "" {
			parts = append(parts, t)
		}
		if settings["vcs.modified"] == "true" {
			parts = append(parts, "modified")
		}
	} else {
		parts = append(parts, "no VCS revision")
	}
	return fmt.Sprintf("firedrill %s (%s; %s)", v, strings.Join(parts, ", "), info.GoVersion)
}
