// A module of its own: the pause binary is test-cluster plumbing built by
// .ci/kube, not part of firedrill, and Go refuses package paths under .ci.
module kubepause

go 1.23
