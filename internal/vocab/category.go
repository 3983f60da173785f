package vocab

// Category is an entry of a policy's category catalogue.
type Category struct {
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	// DSACategory and DSAKeywords are the statement-of-reasons category and
	// category specification keywords of the DSA Transparency Database.
	DSACategory string   `json:"dsa_category"`
	DSAKeywords []string `json:"dsa_keywords,omitempty"`
	// ZeroTolerance marks categories where a verified violation meets the
	// full measure at once, without a warning first.
	ZeroTolerance bool `json:"zero_tolerance,omitempty"`
}
