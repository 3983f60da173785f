package funds

// NormalName is normal, for the tests.
var NormalName = normal
