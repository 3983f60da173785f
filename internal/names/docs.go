package names

import (
	"fmt"
	"strings"
)

// sectionTitles are the headings of the sections in the package doc.
var sectionTitles = map[Section]string{
	SectionViolation: "The violation being considered:",
	SectionSubject:   "The subject, the account or group being decided:",
	SectionGroup:     "The group and the time:",
}

// Markdown renders the reference table of a section, as RULES.md shows it.
func Markdown(sec Section) string {
	var b strings.Builder
	b.WriteString("| name | type | what it is |\n|---|---|---|\n")
	for _, n := range table {
		if n.Section == sec {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", n.Name, TypeName(n.Type), n.Doc)
		}
	}
	return b.String()
}

// DocComment renders every section as the lines of a Go doc comment, as
// the policy package doc shows them.
func DocComment() string {
	var b strings.Builder
	for sec := SectionViolation; sec <= SectionGroup; sec++ {
		if sec > SectionViolation {
			b.WriteString("//\n")
		}
		fmt.Fprintf(&b, "// %s\n//\n", sectionTitles[sec])
		for _, n := range table {
			if n.Section == sec {
				doc := strings.ReplaceAll(n.Doc, "`", "")
				fmt.Fprintf(&b, "//\t%-26s %s: %s\n", n.Name, TypeName(n.Type), doc)
			}
		}
	}
	return b.String()
}
