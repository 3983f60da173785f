package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// bin holds the commands the tests build once: warden and the cleanup example.
var bin string

// root is the main module's directory.
const root = ".."

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "warden-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bin = dir
	for _, pkg := range []string{"./cmd/warden", "./examples/cleanup"} {
		cmd := exec.Command("go", "build", "-o", dir, pkg)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: building %s: %v\n", pkg, err)
			os.RemoveAll(dir)
			os.Exit(2)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// browserPath finds Chromium: $WARDEN_CHROMIUM, or chromium (Debian's
// package) or another Chrome on the PATH. Without one the test skips, and
// fails when $CI is set: CI must run these tests.
func browserPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WARDEN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found: install Debian's chromium package (apt-get install chromium) or set WARDEN_CHROMIUM to a Chrome binary"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; CI must run the browser tests")
	}
	t.Skip(msg)
	return ""
}

// browser starts a headless Chromium for the test and returns a context
// that drives one tab of it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := browserPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.WindowSize(1400, 1000),
		chromedp.Flag("lang", "en-US"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	require.NoError(t, chromedp.Do(ctx), "starting %s", path)
	return ctx
}

// startPlay starts warden play on a free loopback port and returns its URL.
func startPlay(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "warden"), append([]string{"play", "-addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "reading the address warden play serves on")
	const prefix = "warden play: serving on "
	require.True(t, strings.HasPrefix(line, prefix), "warden play printed %q", line)
	return strings.TrimSpace(strings.TrimPrefix(line, prefix))
}

// screenshot saves a full-page PNG under the test's temporary directory,
// and in $WARDEN_SCREENSHOTS when it is set, to look at or keep.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	save(t, name, png)
}

// screenshotOf saves a PNG of the element sel, as screenshot does.
func screenshotOf(t *testing.T, ctx context.Context, sel, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	require.NoError(t, err)
	save(t, name, png)
}

func save(t *testing.T, name string, png []byte) {
	t.Helper()
	dirs := []string{t.TempDir()}
	if d := os.Getenv("WARDEN_SCREENSHOTS"); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o755))
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		require.NoError(t, os.WriteFile(p, png, 0o644))
		t.Logf("screenshot %s", p)
	}
}

// run runs a built command in the main module's directory and returns its
// standard output.
func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Dir = root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), stderr.String())
	return out
}
