/**
 * A CommonJS script (run by node as a .cjs file) that requires the runtime as
 * `name`, runs its wasm kernels on two threads, round-trips weights through
 * bytes and prints JSON: the exports' names, where `resolved` resolves to and
 * whether `name` gives the same object, the kernels' kind and threads, a sum,
 * the weights and a hash.
 */
export function cjsRuntimeScript(name: string, resolved = name): string {
  return `
"use strict";
const rt = require(${JSON.stringify(name)});
const out = { keys: Object.keys(rt).sort(), resolved: require.resolve(${JSON.stringify(resolved)}), same: rt === require(${JSON.stringify(resolved)}) };
// The wasm kernels, split across 2 threads (an add of 2^17 values is split).
const n = 1 << 17;
const e = rt.createEngine(Float32Array, { floats: 3 * n, ints: 0, scratch: 0, convParams: 0 }, { threads: 2 }, "cjs");
const [a, b, c] = [e.floats.take(n), e.floats.take(n), e.floats.take(n)];
a.fill(1.5); b.fill(2);
e.kernels.ready().then(() => {
  e.kernels.add(a, b, c, n);
  out.kind = e.kernels.kind;
  out.threads = e.kernels.threads;
  out.sum = c[0] + c[n - 1];
  // Weights through bytes.
  const info = { name: "w", dtype: "f32", params: [{ name: "w", shape: [2] }], buffers: [] };
  const bytes = rt.encodeWeights({ params: { w: new Float32Array([1, 2]) }, buffers: {} }, info);
  const into = { params: { w: new Float32Array(2) }, buffers: {} };
  rt.loadWeights(bytes, into, info);
  out.weights = Array.from(into.params.w);
  out.hash = rt.specHash("abc");
  e.kernels.dispose();
  console.log(JSON.stringify(out));
});
`;
}

/** What the script prints besides the names and the resolved path. */
export const CJS_RUNTIME_RESULT = { kind: "wasm", threads: 2, sum: 7, weights: [1, 2], hash: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" };
