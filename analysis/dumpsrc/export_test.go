package dumpsrc

// SameFunc is sameFunc, for tests.
var SameFunc = sameFunc
