;; A wasi:http proxy component written by hand: the core module below,
;; embedded with the `http-proxy` world and made a component by jco (the
;; build's `core-wat` kind). It answers every request with 200,
;; `content-type: text/plain` and its path and query as the body, plus "\n",
;; except three paths that misbehave on purpose, for the host's fault tests
;; (never asked of the reference host): /spin loops forever, /trap traps,
;; /silent returns without setting a response.
;;
;; Next to a componentize-js component (13 MB, 18 imported interfaces) it is
;; the smallest real thing a host must run: wasi:http/types and wasi:io/streams
;; only, own and borrow handles, a string the host returns through
;; cabi_realloc, a list<u8> it reads from guest memory, result and option
;; return areas, and resource drops.
(module
  (import "wasi:http/types@0.2.10" "[constructor]fields" (func $fields_new (result i32)))
  ;; append(self, name: string, value: list<u8>) -> result<_, header-error>
  (import "wasi:http/types@0.2.10" "[method]fields.append"
    (func $fields_append (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.10" "[constructor]outgoing-response"
    (func $response_new (param i32) (result i32)))
  (import "wasi:http/types@0.2.10" "[method]outgoing-response.set-status-code"
    (func $set_status (param i32 i32) (result i32)))
  ;; body(self) -> result<own<outgoing-body>>
  (import "wasi:http/types@0.2.10" "[method]outgoing-response.body"
    (func $response_body (param i32 i32)))
  ;; write(self) -> result<own<output-stream>>
  (import "wasi:http/types@0.2.10" "[method]outgoing-body.write"
    (func $body_write (param i32 i32)))
  ;; finish(this: own<outgoing-body>, trailers: option<own<trailers>>) -> result<_, error-code>
  (import "wasi:http/types@0.2.10" "[static]outgoing-body.finish"
    (func $body_finish (param i32 i32 i32 i32)))
  ;; set(param: own<response-outparam>, response: result<own<outgoing-response>, error-code>),
  ;; the result flattened to a discriminant and the error-code's eight slots.
  (import "wasi:http/types@0.2.10" "[static]response-outparam.set"
    (func $outparam_set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  ;; path-with-query(self) -> option<string>
  (import "wasi:http/types@0.2.10" "[method]incoming-request.path-with-query"
    (func $path_with_query (param i32 i32)))
  (import "wasi:http/types@0.2.10" "[resource-drop]incoming-request"
    (func $drop_request (param i32)))
  ;; blocking-write-and-flush(self, contents: list<u8>) -> result<_, stream-error>
  (import "wasi:io/streams@0.2.10" "[method]output-stream.blocking-write-and-flush"
    (func $write_and_flush (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.10" "[resource-drop]output-stream"
    (func $drop_stream (param i32)))

  (memory (export "memory") 1)
  ;; 0..63: return areas; 64..127: constant text; 1024..: the bump heap,
  ;; reset at the start of each request.
  (data (i32.const 64) "content-type")
  (data (i32.const 80) "text/plain")
  (data (i32.const 96) "\n")
  (data (i32.const 100) "/spin")
  (data (i32.const 108) "/trap")
  (data (i32.const 116) "/silent")
  (global $heap (mut i32) (i32.const 1024))

  (func $realloc (export "cabi_realloc")
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

  ;; Whether the `len` bytes at `ptr` are the `want_len` bytes at `want`.
  (func $is (param $ptr i32) (param $len i32) (param $want i32) (param $want_len i32) (result i32)
    (if (i32.ne (local.get $len) (local.get $want_len)) (then (return (i32.const 0))))
    (block $differ
      (loop $next
        (if (i32.eqz (local.get $len)) (then (return (i32.const 1))))
        (br_if $differ (i32.ne (i32.load8_u (local.get $ptr)) (i32.load8_u (local.get $want))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (local.set $want (i32.add (local.get $want) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; Traps unless the result<_, _> at `area` is ok (discriminant 0).
  (func $expect_ok (param $area i32)
    (if (i32.load8_u (local.get $area)) (then (unreachable))))

  ;; The handle a result<own<T>, _> at `area` holds; traps on an error.
  (func $ok_handle (param $area i32) (result i32)
    (call $expect_ok (local.get $area))
    (i32.load offset=4 (local.get $area)))

  ;; Writes `len` bytes at `ptr` to `stream`, at most 4096 per call (the
  ;; most blocking-write-and-flush takes).
  (func $write_all (param $stream i32) (param $ptr i32) (param $len i32)
    (local $n i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $n (select (i32.const 4096) (local.get $len)
                              (i32.gt_u (local.get $len) (i32.const 4096))))
        (call $write_and_flush (local.get $stream) (local.get $ptr) (local.get $n) (i32.const 0))
        (call $expect_ok (i32.const 0))
        (local.set $ptr (i32.add (local.get $ptr) (local.get $n)))
        (local.set $len (i32.sub (local.get $len) (local.get $n)))
        (br $more))))

  (func (export "wasi:http/incoming-handler@0.2.10#handle")
    (param $request i32) (param $outparam i32)
    (local $headers i32) (local $response i32) (local $body i32) (local $stream i32)
    (local $path i32) (local $path_len i32)
    (global.set $heap (i32.const 1024))

    ;; option<string> at 16: discriminant, then pointer and length.
    (call $path_with_query (local.get $request) (i32.const 16))
    (if (i32.load8_u (i32.const 16))
      (then (local.set $path (i32.load (i32.const 20)))
            (local.set $path_len (i32.load (i32.const 24)))))
    (if (call $is (local.get $path) (local.get $path_len) (i32.const 100) (i32.const 5))
      (then (loop $forever (br $forever))))
    (if (call $is (local.get $path) (local.get $path_len) (i32.const 108) (i32.const 5))
      (then (unreachable)))
    (if (call $is (local.get $path) (local.get $path_len) (i32.const 116) (i32.const 7))
      (then (call $drop_request (local.get $request)) (return)))

    (local.set $headers (call $fields_new))
    (call $fields_append (local.get $headers)
      (i32.const 64) (i32.const 12) (i32.const 80) (i32.const 10) (i32.const 0))
    (call $expect_ok (i32.const 0))
    (local.set $response (call $response_new (local.get $headers)))
    (if (call $set_status (local.get $response) (i32.const 200)) (then (unreachable)))
    (call $response_body (local.get $response) (i32.const 0))
    (local.set $body (call $ok_handle (i32.const 0)))
    (call $outparam_set (local.get $outparam) (i32.const 0) (local.get $response)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))

    (call $body_write (local.get $body) (i32.const 0))
    (local.set $stream (call $ok_handle (i32.const 0)))
    (call $write_all (local.get $stream) (local.get $path) (local.get $path_len))
    (call $write_all (local.get $stream) (i32.const 96) (i32.const 1))
    (call $drop_stream (local.get $stream))
    (call $body_finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $expect_ok (i32.const 0))
    (call $drop_request (local.get $request))))
