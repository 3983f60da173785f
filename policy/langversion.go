package policy

// LanguageVersion is the version of the policy language this package
// compiles: the document RULES.md describes, its keys, the names a rule may
// read and what they mean. It changes when a policy that compiled before
// would be refused or decide differently.
const LanguageVersion = "1"
