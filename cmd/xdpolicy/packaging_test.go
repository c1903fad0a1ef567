package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The files that run the binary: the Dockerfile, the systemd units, and
// the README that shows them.
const (
	dockerfile = "../../Dockerfile"
	readme     = "../../README.md"
)

var units = []string{"../../packaging/xdpolicy.service", "../../packaging/xdpolicy-bridge.service"}

// commandLine is a command the packaging runs, and where it is written.
type commandLine struct {
	where string
	args  []string // after the binary: the command name, then its flags
}

// checkCommandLine parses a command line with the command's own flags, as
// the binary would, and fails the test on a flag it does not accept.
func checkCommandLine(t *testing.T, cl commandLine) {
	t.Helper()
	require.NotEmpty(t, cl.args, cl.where)
	for _, cmd := range commands() {
		if cmd.name != cl.args[0] {
			continue
		}
		var stderr strings.Builder
		c := &cli{stdout: io.Discard, stderr: &stderr}
		if _, _, ok := c.parseFlags(cmd, cmd.flags(c), cl.args[1:]); !ok {
			t.Errorf("%s: xdpolicy %s: %s", cl.where, strings.Join(cl.args, " "), stderr.String())
		}
		return
	}
	t.Errorf("%s: xdpolicy has no command %q", cl.where, cl.args[0])
}

// checkEnv checks that XDPOLICY_NAME stands for a flag of the command.
func checkEnv(t *testing.T, where, command, assignment string) {
	t.Helper()
	name, value, _ := strings.Cut(assignment, "=")
	for _, cmd := range commands() {
		if cmd.name != command {
			continue
		}
		fs := cmd.flags(&cli{})
		found := false
		fs.VisitAll(func(f *flag.Flag) {
			if envName(f.Name) == name {
				found = true
				if _, repeatable := f.Value.(*stringsFlag); !repeatable {
					assert.NoError(t, fs.Set(f.Name, value), "%s: %s", where, assignment)
				}
			}
		})
		assert.True(t, found, "%s: %s names no flag of xdpolicy %s", where, name, command)
	}
}

// shellWords splits a documented shell command line: words separated by
// spaces, single- and double-quoted words kept whole.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	quote, in := byte(0), false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0 && ch == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(ch)
		case ch == '\'' || ch == '"':
			quote, in = ch, true
		case ch == ' ' || ch == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// documented finds the xdpolicy command lines in text: the words after a
// word "xdpolicy" (or a path ending in /xdpolicy) that names a command, up
// to a shell operator.
func documented(where, text string) []commandLine {
	names := map[string]bool{}
	for _, c := range commands() {
		names[c.name] = true
	}
	var out []commandLine
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		words := shellWords(strings.TrimLeft(sc.Text(), "#\t /"))
		for i := 0; i+1 < len(words); i++ {
			if (words[i] != "xdpolicy" && !strings.HasSuffix(words[i], "/xdpolicy")) || !names[words[i+1]] {
				continue
			}
			args := words[i+1:]
			for j, w := range args {
				if w == "|" || w == "&&" || w == ";" || w == "\\" {
					args = args[:j]
					break
				}
			}
			out = append(out, commandLine{where: where + ":" + strconv.Itoa(n), args: args})
			break
		}
	}
	return out
}

// minorVersion reads "1.24" or "1.24.0" as 1 and 24.
func minorVersion(t *testing.T, v string) [2]int {
	t.Helper()
	parts := strings.SplitN(v, ".", 3)
	require.GreaterOrEqual(t, len(parts), 2, v)
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	require.NoError(t, errors.Join(err1, err2), v)
	return [2]int{major, minor}
}

func TestPackagingDockerfile(t *testing.T) {
	b, err := os.ReadFile(dockerfile)
	require.NoError(t, err)
	text := string(b)

	// A static binary on a minimal base, an unprivileged user, the ports.
	goMod, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(string(goMod))
	require.NotNil(t, goLine)
	from := regexp.MustCompile(`(?m)^FROM golang:(\S+) AS build$`).FindStringSubmatch(text)
	require.NotNil(t, from, "the build stage is FROM golang:VERSION AS build")
	img, mod := minorVersion(t, from[1]), minorVersion(t, goLine[1])
	assert.True(t, img[0] > mod[0] || img[0] == mod[0] && img[1] >= mod[1],
		"the build image's Go (%s) is at least go.mod's (%s)", from[1], goLine[1])
	assert.Contains(t, text, "CGO_ENABLED=0 go build")
	assert.Regexp(t, `(?m)^FROM gcr\.io/distroless/static[-\w]*:nonroot$`, text)
	assert.Regexp(t, `(?m)^USER nonroot`, text)
	assert.Regexp(t, `(?m)^EXPOSE 843 943 8080$`, text)

	// ENTRYPOINT is the binary; CMD and the documented runs are command
	// lines it accepts.
	entry := regexp.MustCompile(`(?m)^ENTRYPOINT (\[.*\])$`).FindStringSubmatch(text)
	require.NotNil(t, entry)
	var ep []string
	require.NoError(t, json.Unmarshal([]byte(entry[1]), &ep))
	assert.Equal(t, []string{"/usr/local/bin/xdpolicy"}, ep)
	cmdLine := regexp.MustCompile(`(?m)^CMD (\[.*\])$`).FindStringSubmatch(text)
	require.NotNil(t, cmdLine)
	var args []string
	require.NoError(t, json.Unmarshal([]byte(cmdLine[1]), &args))
	checkCommandLine(t, commandLine{where: "Dockerfile CMD", args: args})
	assert.Contains(t, args, "/etc/xdpolicy")
	docs := documented("Dockerfile", text)
	assert.GreaterOrEqual(t, len(docs), 2, "the Dockerfile shows how to run serve and bridge")
	for _, cl := range docs {
		checkCommandLine(t, cl)
	}
	for _, m := range regexp.MustCompile(`-e (XDPOLICY_\w+=\S+)`).FindAllStringSubmatch(text, -1) {
		checkEnv(t, "Dockerfile", "serve", strings.Trim(m[1], `'`))
	}
	// The files CMD serves are in the image.
	_, err = os.Stat("../../testdata/examples/socketpolicy.xml")
	assert.NoError(t, err)
	assert.Contains(t, text, "COPY testdata/examples/ /etc/xdpolicy/")
}

func TestPackagingSystemd(t *testing.T) {
	for _, unit := range units {
		t.Run(filepath.Base(unit), func(t *testing.T) {
			b, err := os.ReadFile(unit)
			require.NoError(t, err)
			text := string(b)
			exec := regexp.MustCompile(`(?m)^ExecStart=/usr/local/bin/xdpolicy (.*)$`).FindStringSubmatch(text)
			require.NotNil(t, exec, "ExecStart runs /usr/local/bin/xdpolicy")
			args := shellWords(exec[1])
			checkCommandLine(t, commandLine{where: unit + " ExecStart", args: args})
			for _, m := range regexp.MustCompile(`(?m)^Environment=(.*)$`).FindAllStringSubmatch(text, -1) {
				checkEnv(t, unit, args[0], m[1])
			}
			// The example environment file in the comments.
			for _, m := range regexp.MustCompile(`(?m)^#\s+(XDPOLICY_\w+=.*)$`).FindAllStringSubmatch(text, -1) {
				checkEnv(t, unit+" (comment)", args[0], m[1])
			}
			for _, cl := range documented(unit, text) {
				checkCommandLine(t, cl)
			}
			// Ports below 1024 as an unprivileged user, through the one
			// capability; reload is SIGHUP.
			assert.Regexp(t, `(?m)^AmbientCapabilities=CAP_NET_BIND_SERVICE$`, text)
			assert.Regexp(t, `(?m)^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$`, text)
			assert.Regexp(t, `(?m)^(DynamicUser=yes|User=\w+)$`, text)
			assert.NotRegexp(t, `(?m)^User=root$`, text)
			assert.Regexp(t, `(?m)^ExecReload=/bin/kill -HUP \$MAINPID$`, text)
		})
	}
}

// systemd's own reading of the units, where systemd-analyze is installed,
// with ExecStart pointed at a binary built from this tree.
func TestPackagingSystemdVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze; TestPackagingSystemd checks the units' flags")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "xdpolicy")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, unit := range units {
		b, err := os.ReadFile(unit)
		require.NoError(t, err)
		copyPath := filepath.Join(dir, filepath.Base(unit))
		require.NoError(t, os.WriteFile(copyPath, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/xdpolicy", bin)), 0o644))
		out, err := exec.Command(analyze, "verify", copyPath).CombinedOutput()
		assert.NoError(t, err, "%s: %s", unit, out)
		assert.Empty(t, strings.TrimSpace(string(out)), unit)
	}
}

// The README's command lines are ones the binary accepts.
func TestREADMECommands(t *testing.T) {
	b, err := os.ReadFile(readme)
	require.NoError(t, err)
	docs := documented("README.md", string(b))
	assert.GreaterOrEqual(t, len(docs), 5)
	for _, cl := range docs {
		checkCommandLine(t, cl)
	}
}
