;; A hand-written component: `greet: func(name: string) -> string` answers
;; "hello, <name>". Its core module exports the memory, a bump-allocating
;; cabi_realloc (the host copies the argument in with it) and a post-return
;; that frees everything once the host has copied the result out.
(component
  (core module $m
    (memory (export "memory") 1)
    ;; Allocations start above the static data and reset after each call.
    (global $heap_base i32 (i32.const 1024))
    (global $heap (mut i32) (i32.const 1024))
    (data (i32.const 16) "hello, ")

    ;; cabi_realloc(old_ptr, old_size, align, new_size) -> ptr. Never called
    ;; to grow here (string arguments are allocated once), so it only bumps.
    (func $realloc (export "cabi_realloc")
      (param $old_ptr i32) (param $old_size i32) (param $align i32) (param $new_size i32)
      (result i32)
      (local $ptr i32)
      ;; align up: (heap + align - 1) & -align
      (local.set $ptr
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (if (i32.gt_u (i32.add (local.get $ptr) (local.get $new_size))
                    (i32.mul (memory.size) (i32.const 65536)))
        (then (unreachable)))
      (global.set $heap (i32.add (local.get $ptr) (local.get $new_size)))
      (local.get $ptr))

    ;; greet(ptr, len) -> pointer to (string ptr, string len).
    (func (export "greet") (param $name i32) (param $len i32) (result i32)
      (local $out i32) (local $ret i32)
      (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
                                     (i32.add (i32.const 7) (local.get $len))))
      (memory.copy (local.get $out) (i32.const 16) (i32.const 7))
      (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $name) (local.get $len))
      (local.set $ret (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 8)))
      (i32.store (local.get $ret) (local.get $out))
      (i32.store offset=4 (local.get $ret) (i32.add (i32.const 7) (local.get $len)))
      (local.get $ret))

    (func (export "cabi_post_greet") (param i32)
      (global.set $heap (global.get $heap_base))))

  (core instance $i (instantiate $m))
  (func (export "greet") (param "name" string) (result string)
    (canon lift (core func $i "greet")
      (memory (core memory $i "memory"))
      (realloc (core func $i "cabi_realloc"))
      (post-return (core func $i "cabi_post_greet"))
      string-encoding=utf8)))
