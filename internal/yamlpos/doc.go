// Package yamlpos finds positions in YAML files for error messages: the
// line of a yaml.v3 syntax error (which yaml.v3 often misreports), the node
// at a field path such as violations[0].category, and the file position of
// a character inside a scalar, for CEL errors inside a policy's
// expressions. The policy loader, policy/policytest and the warden command
// all place their errors with it.
package yamlpos
