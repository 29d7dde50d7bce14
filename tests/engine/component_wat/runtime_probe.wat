;; A hand-written component for the component runtime's tests
;; (component_probe_test.cpp): a host resource and functions from an imported
;; interface, a resource of its own with a destructor, and exports that
;; misbehave (keep a borrow, spin, return a string outside memory).
;;
;; Its memory and allocator live in a core instance of their own ($mem),
;; made first, so the lowered host functions can name them before the main
;; module exists (what wit-component does with a shim and a call table).
(component
  (import "test:probe/host@0.1.0" (instance $host
    (export "thing" (type $thing (sub resource)))
    (export "make" (func (param "label" string) (result (own $thing))))
    (export "[method]thing.label" (func (param "self" (borrow $thing)) (result string)))
  ))
  (alias export $host "thing" (type $thing))
  (alias export $host "make" (func $make))
  (alias export $host "[method]thing.label" (func $label))

  ;; Memory and a bump allocator; `reset` frees everything.
  (core module $mem
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))
    (func (export "cabi_realloc")
      (param $old_ptr i32) (param $old_size i32) (param $align i32) (param $new_size i32)
      (result i32)
      (local $ptr i32)
      (local.set $ptr
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (if (i32.gt_u (i32.add (local.get $ptr) (local.get $new_size))
                    (i32.mul (memory.size) (i32.const 65536)))
        (then (unreachable)))
      (global.set $heap (i32.add (local.get $ptr) (local.get $new_size)))
      (local.get $ptr))
    (func (export "reset") (param i32)
      (global.set $heap (i32.const 1024))))
  (core instance $mem (instantiate $mem))
  (alias core export $mem "memory" (core memory $memory))
  (alias core export $mem "cabi_realloc" (core func $realloc))

  ;; The counter resource's destructor counts its calls.
  (core module $dtor
    (global $calls (mut i32) (i32.const 0))
    (func (export "dtor") (param i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1))))
    (func (export "calls") (result i32) (global.get $calls)))
  (core instance $dtor (instantiate $dtor))
  (alias core export $dtor "dtor" (core func $dtor_fn))
  (type $counter (resource (rep i32) (dtor (core func $dtor_fn))))
  (export $counter_ex "counter" (type $counter))

  (core func $make_low (canon lower (func $make) (memory $memory) string-encoding=utf8))
  (core func $label_low (canon lower (func $label) (memory $memory) (realloc $realloc) string-encoding=utf8))
  (core func $drop_thing (canon resource.drop $thing))
  (core func $counter_new (canon resource.new $counter))
  (core func $counter_rep (canon resource.rep $counter))
  (core func $counter_drop (canon resource.drop $counter))
  (core instance $imports
    (export "make" (func $make_low))
    (export "label" (func $label_low))
    (export "drop-thing" (func $drop_thing))
    (export "counter-new" (func $counter_new))
    (export "counter-rep" (func $counter_rep))
    (export "counter-drop" (func $counter_drop)))

  (core module $main
    (import "env" "memory" (memory 1))
    (import "host" "make" (func $make (param i32 i32) (result i32)))
    (import "host" "label" (func $label (param i32 i32)))
    (import "host" "drop-thing" (func $drop_thing (param i32)))
    (import "host" "counter-new" (func $counter_new (param i32) (result i32)))
    (import "host" "counter-rep" (func $counter_rep (param i32) (result i32)))
    (import "host" "counter-drop" (func $counter_drop (param i32)))
    (data (i32.const 64) "probe")

    ;; make("probe"), its label through a borrow, drop it; returns the label.
    (func (export "round-trip") (result i32)
      (local $t i32)
      (local.set $t (call $make (i32.const 64) (i32.const 5)))
      (call $label (local.get $t) (i32.const 0))
      (call $drop_thing (local.get $t))
      (i32.const 0))
    ;; The label of a thing the host lends, the borrow dropped as it must be.
    (func (export "use-borrow") (param $t i32) (result i32)
      (call $label (local.get $t) (i32.const 0))
      (call $drop_thing (local.get $t))
      (i32.const 0))
    ;; Returns without dropping the borrow it was given.
    (func (export "keep-borrow") (param i32))
    ;; A new counter holding `n`; its handle goes to the caller.
    (func (export "counter-new") (param $n i32) (result i32)
      (call $counter_new (local.get $n)))
    ;; A borrowed counter arrives as its representation (the component
    ;; implements the resource).
    (func (export "counter-get") (param $rep i32) (result i32) (local.get $rep))
    ;; Takes a counter and drops it: its destructor runs.
    (func (export "counter-drop") (param $h i32)
      (call $counter_drop (local.get $h)))
    ;; Takes a counter, reads it through its handle, keeps it.
    (func (export "counter-keep") (param $h i32) (result i32)
      (call $counter_rep (local.get $h)))
    (func (export "spin") (loop $forever (br $forever)))
    ;; A string result whose bytes are past the end of memory.
    (func (export "bad-string") (result i32)
      (i32.store (i32.const 0) (i32.const 0xfff000))
      (i32.store (i32.const 4) (i32.const 100))
      (i32.const 0)))
  (core instance $main (instantiate $main
    (with "env" (instance $mem))
    (with "host" (instance $imports))))

  (func (export "round-trip") (result string)
    (canon lift (core func $main "round-trip") (memory $memory) (realloc $realloc)
      (post-return (core func $mem "reset"))))
  (func (export "use-borrow") (param "t" (borrow $thing)) (result string)
    (canon lift (core func $main "use-borrow") (memory $memory) (realloc $realloc)))
  (func (export "keep-borrow") (param "t" (borrow $thing))
    (canon lift (core func $main "keep-borrow")))
  (func (export "counter-new") (param "n" u32) (result (own $counter_ex))
    (canon lift (core func $main "counter-new")))
  (func (export "counter-get") (param "c" (borrow $counter_ex)) (result u32)
    (canon lift (core func $main "counter-get")))
  (func (export "counter-drop") (param "c" (own $counter_ex))
    (canon lift (core func $main "counter-drop")))
  (func (export "counter-keep") (param "c" (own $counter_ex)) (result u32)
    (canon lift (core func $main "counter-keep")))
  (func (export "dtor-calls") (result u32)
    (canon lift (core func $dtor "calls")))
  (func (export "spin")
    (canon lift (core func $main "spin")))
  (func (export "bad-string") (result string)
    (canon lift (core func $main "bad-string") (memory $memory) (realloc $realloc)))
)
