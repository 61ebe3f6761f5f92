# 70 nested lists: the parser would recurse once per level, so depth is
# bounded (64) before parsing.
experiment "x" {
  duration = "1d"
}
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s1"
}
hosting "h" {
  primary = datacenter.a
}
workload "w" {
  peak_concurrency = 0.1
}
region "r" {
  users       = 100
  hosting     = hosting.h
  workload    = workload.w
  description = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
}
