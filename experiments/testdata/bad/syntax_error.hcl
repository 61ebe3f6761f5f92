experiment "t" {
  duration = "24h"
