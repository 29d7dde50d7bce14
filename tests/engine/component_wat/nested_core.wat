;; A component whose nested component has core code of its own: valid, but
;; not a shape `component new` emits, so hookd's loader refuses it
;; (component_load_test.cpp).
(component
  (component $inner
    (core module $m (func (export "f")))
    (core instance $i (instantiate $m))
    (func (export "f") (canon lift (core func $i "f"))))
  (instance $x (instantiate $inner))
  (export "f" (func $x "f")))
