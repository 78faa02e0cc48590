// Package lockorder defines an Analyzer that reports lock-order
// inversions and violations of a declared lock hierarchy.
//
// # Analyzer lockorder
//
// lockorder: report locks taken in orders that form a cycle, or against the declared hierarchy
//
// Locks are grouped into classes: a struct field of a named type
// ("pkg.Server.mu") or a package variable ("pkg.mu"). Whenever a lock of
// class B is taken while a lock of class A is held on every path, in the
// same function or through a chain of calls, the pass records the order
// edge A → B. The edges of a package travel to the packages that import it
// as an analysis fact; a cycle of edges of any length, at least one of them
// in the package at hand, is reported once, as a lock-order-inversion,
// with where each edge was seen.
//
// Annotations on a mutex field or package variable declare the hierarchy
// (see docs/annotations.md): //gridlock:level N, //gridlock:before X,
// //gridlock:after X, //gridlock:name NAME and //gridlock:nestable, and
// the same declarations made at run time with constant arguments,
// gridlock.Level(&mu, N), gridlock.Name(&mu, "name") and
// gridlock.Nestable(&mu). An edge that goes against them is reported as a
// hierarchy-violation, as is holding two locks of one class that has a
// level and is not nestable.
//
// The pass also reports malformed gridlock directives.
package lockorder
