package vocab

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProblemCodeOfAndPath(t *testing.T) {
	p := &Problem{Path: JoinPath(IndexPath("violations", 2), "id"), Code: CodeMissingField, Message: "required"}
	assert.Equal(t, "violations[2].id: missing-field: required", p.Error())
	wrapped := fmt.Errorf("deciding: %w", Problems{{Path: "now", Code: CodeInvalidValue, Message: "x"}, p})
	assert.Equal(t, CodeInvalidValue, CodeOf(wrapped))
	path, ok := PathOf(wrapped)
	require.True(t, ok)
	assert.Equal(t, "now", path)
	assert.Equal(t, Code(""), CodeOf(errors.New("plain")))
	assert.Equal(t, CodeCELSyntax, CodeOf(fmt.Errorf("w: %w", ErrorList{{Code: CodeCELSyntax}})))
	assert.Equal(t, "missing-field: whole", (&Problem{Code: CodeMissingField, Message: "whole"}).Error())
	assert.Equal(t, "now", JoinPath("", "now"))
}
