package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const fmtUsage = `Usage: warden fmt [-l] [-d] [-w] [PATH...]

Fmt writes each policy or fixture file in the canonical layout: two spaces
of indentation, a list indented under its key, every value, style, key
order and comment as written, trailing comments of consecutive lines
aligned, blank lines between entries kept (one at most). Formatting a
formatted file changes nothing, and formatting never changes what a file
means: fmt refuses a file it cannot lay out without changing it.

A PATH is a file or a directory, whose .yaml and .yml files are formatted
(the directories below it too); - or no PATH reads standard input. Without
-l, -d or -w the formatted files are printed on standard output.

Exit status: 0 when all is well; 1 when a file is not YAML, or, with -l
or -d but not -w, when a file is not formatted (so that CI can check a
tree with warden fmt -l DIR); 2 when the command line is wrong or a file
cannot be read or written.
`

func runFmt(e *env, args []string) int {
	f := newFlags("fmt", fmtUsage)
	list := f.Bool("l", false, "list the files whose layout differs from the canonical one")
	diff := f.Bool("d", false, "print the changes as a unified diff")
	write := f.Bool("w", false, "write the canonical layout back to the files")
	paths, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	if *write && slices.Contains(paths, "-") {
		return f.fail(e, "-w cannot write to standard input")
	}
	files, err := expandPaths(paths)
	if err != nil {
		fmt.Fprintf(e.stderr, "warden fmt: %v\n", err)
		return exitUsage
	}
	status = exitOK
	worse := func(s int) { status = max(status, s) }
	for _, file := range files {
		name, src, err := readInput(file, e.stdin)
		if err != nil {
			fmt.Fprintf(e.stderr, "%s: %v\n", name, unwrapPath(err))
			worse(exitUsage)
			continue
		}
		out, err := formatYAML(name, src)
		if err != nil {
			fmt.Fprintln(e.stderr, err)
			worse(exitFail)
			continue
		}
		changed := !bytes.Equal(src, out)
		if *list && changed {
			fmt.Fprintln(e.stdout, name)
		}
		if *diff && changed {
			e.stdout.Write(unifiedDiff(name, src, out))
		}
		if (*list || *diff) && changed && !*write {
			worse(exitFail)
		}
		if *write && changed {
			if err := writeKeepingMode(file, out); err != nil {
				fmt.Fprintf(e.stderr, "warden fmt: %v\n", err)
				worse(exitUsage)
			}
		}
		if !*list && !*diff && !*write {
			e.stdout.Write(out)
		}
	}
	return status
}

// expandPaths replaces each directory by the YAML files under it, sorted.
func expandPaths(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		if p == "-" {
			files = append(files, p)
			continue
		}
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			// A file that cannot be read is reported when it is read.
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// writeKeepingMode replaces a file's content, keeping its permissions.
func writeKeepingMode(file string, data []byte) error {
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	return os.WriteFile(file, data, fi.Mode().Perm())
}
