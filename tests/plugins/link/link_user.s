# The user module reads main's `counter` global, which it imports.
.globaltype counter, i32
.import_module counter, main
.import_name counter, counter

.globl read_counter
.type read_counter,@function
read_counter:
.functype read_counter () -> (i32)
  global.get counter
  end_function
