/**
 * Layer geometry for the WebAssembly kernels: the JS side writes a layer's
 * shape as int32 values at a fixed address before each call (conv: C H W F KH
 * KW SH SW PH PW OH OW and the scratch capacity in floats; pooling: H W KH KW
 * SH SW PH PW OH OW), and the kernels read slot i with gi(g, i).
 */
// @ts-ignore: decorator
@inline
export function gi(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}
