package enforcement_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/groupwarden/warden/enforcement"
)

// The extremes of int64 render as numbers: the most negative one has no
// positive counterpart in int64.
func TestAmountAtTheExtremes(t *testing.T) {
	assert.Equal(t, "CNY -92233720368547758.08", enforcement.Amount("CNY", math.MinInt64))
	assert.Equal(t, "CNY 92233720368547758.07", enforcement.Amount("CNY", math.MaxInt64))
	assert.Equal(t, "JPY -9223372036854775808", enforcement.Amount("JPY", math.MinInt64))
	assert.Equal(t, "KWD -9223372036854775.808", enforcement.Amount("KWD", math.MinInt64))
}
