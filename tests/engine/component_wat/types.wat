;; Encoded by wasm-tools (`jco parse types.wat -o wat_types`) into
;; tests/fuzz/corpus/component_binary/wat_types, which component_tests parses:
;; an encoder other than the tests' own builder.
(component
  (core type $ft (func (param i32 i64) (result f32)))
  (core type $mt (module
    (type $t (func (param i32)))
    (import "m" "f" (func (type $t)))
    (alias outer 1 $ft (type $ft2))
    (export "g" (func (type $ft2)))
    (export "mem" (memory 1 2))
    (export "tab" (table 1 funcref))
    (export "glob" (global (mut i32)))
  ))
  (type string)
  (type $ct (component
    (alias outer 1 0 (type $s))
    (type $f (func (param "s" $s)))
    (import "log" (func (type $f)))
    (type $it (instance
      (alias outer 2 0 (type))
      (export "r" (type (sub resource)))
      (export "t" (type (eq 0)))
    ))
    (import "wasi:io/streams@0.2.0" (instance $st (type $it)))
    (alias export $st "r" (type $r))
    (type (own $r))
    (import "m" (core module (type $mt)))
    (export "run" (func (type $f)))
  ))
  (import "plugin" (component $p (type $ct)))
  (import "cm" (core module $cm (type $mt)))
  (import "res" (type $res (sub resource)))
  (type $o (own $res))
  (import "ff" (func $ff (param "x" $o)))
  (type (list (tuple u8 u16 u32 u64 s8 s16 s32 s64 f32 f64 bool char)))
)
