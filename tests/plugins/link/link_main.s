# The main module's globals, which C cannot declare: `counter` (mutable i32,
# bumped by `bump`) and `big` (mutable i64), both exported.
.globl counter
.globaltype counter, i32
counter:

.globl big
.globaltype big, i64
big:

.globl bump
.type bump,@function
bump:
.functype bump (i32) -> (i32)
  global.get counter
  local.get 0
  i32.add
  global.set counter
  global.get counter
  end_function
