;; Source of the WebAssembly SIMD float16 -> float32 kernel embedded (base64) in float16.ts.
;; Rebuild: wabt (npm) parseWat(text, { simd: true }).toBinary({}). Normal and subnormal halves: shift the
;; exponent+mantissa into float32 position and multiply by 2^112 (rebias 127-15); inf/nan: force the exponent
;; to all ones; then OR in the sign.
(module
  (memory (export "memory") 1)
  (func (export "decode") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $v v128) (local $h v128) (local $em v128)
    (local $kEM v128) (local $kE v128) (local $kS v128) (local $kMul v128) (local $kInf v128)
    (local.set $kEM (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff))
    (local.set $kE (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00))
    (local.set $kS (v128.const i32x4 0x8000 0x8000 0x8000 0x8000))
    (local.set $kMul (v128.const i32x4 0x77800000 0x77800000 0x77800000 0x77800000))
    (local.set $kInf (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $v (v128.load align=1 (local.get $src)))
        (local.set $h (i32x4.extend_low_i16x8_u (local.get $v)))
        (local.set $em (i32x4.shl (v128.and (local.get $h) (local.get $kEM)) (i32.const 13)))
        (v128.store align=1 (local.get $dst)
          (v128.or
            (v128.bitselect
              (v128.or (local.get $em) (local.get $kInf))
              (f32x4.mul (local.get $em) (local.get $kMul))
              (i32x4.eq (v128.and (local.get $h) (local.get $kE)) (local.get $kE)))
            (i32x4.shl (v128.and (local.get $h) (local.get $kS)) (i32.const 16))))
        (local.set $h (i32x4.extend_high_i16x8_u (local.get $v)))
        (local.set $em (i32x4.shl (v128.and (local.get $h) (local.get $kEM)) (i32.const 13)))
        (v128.store offset=16 align=1 (local.get $dst)
          (v128.or
            (v128.bitselect
              (v128.or (local.get $em) (local.get $kInf))
              (f32x4.mul (local.get $em) (local.get $kMul))
              (i32x4.eq (v128.and (local.get $h) (local.get $kE)) (local.get $kE)))
            (i32x4.shl (v128.and (local.get $h) (local.get $kS)) (i32.const 16))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (br $next))))
)
