# 25 errors: 20 are shown, then one line sums up the other 5.
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
region "r0" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r1" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r2" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r3" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r4" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r5" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r6" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r7" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r8" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r9" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r10" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r11" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r12" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r13" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r14" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r15" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r16" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r17" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r18" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r19" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r20" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r21" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r22" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r23" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
region "r24" {
  users    = -1
  hosting  = hosting.h
  workload = workload.w
}
