package enforcement

// SetTestHooks sets the hooks Run's and Reconcile's workers call before
// each case and account, for the tests of package enforcement_test, and
// returns a function that clears them.
func SetTestHooks(plan func(GroupCase), reconcile func(string)) (reset func()) {
	testHookPlan, testHookReconcile = plan, reconcile
	return func() { testHookPlan, testHookReconcile = nil, nil }
}
