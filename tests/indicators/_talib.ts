/**
 * TA-Lib's C functions, compiled to WebAssembly (the `talib-web` package), called
 * directly: the package's own wrapper passes `endIdx` one past the input and no
 * `outBegIdx` / `outNBElement` pointers, which corrupts multi-output functions, so this
 * helper allocates the arguments itself and calls `TA_<NAME>` through `ccall`.
 *
 * Outputs are aligned to the inputs: index i of an output is the value at input i, NaN
 * during TA-Lib's lookback. Test-only (see the architecture test).
 */
import { init } from "talib-web";

/** The part of the Emscripten module used here. */
interface TaModule {
  HEAPF64: Float64Array;
  HEAP32: Int32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  ccall(name: string, ret: "number", types: "number"[], args: number[]): number;
}

/**
 * The package locates its .wasm with a path that Deno's `fetch` cannot open; for the one
 * call to `init`, `fetch` answers with the file's bytes.
 */
async function load(): Promise<TaModule> {
  const wasm = new URL("./talib.wasm", import.meta.resolve("talib-web"));
  const bytes = await Deno.readFile(wasm);
  const realFetch = globalThis.fetch;
  globalThis.fetch = () =>
    Promise.resolve(new Response(bytes, { headers: { "content-type": "application/wasm" } }));
  try {
    return await init("talib.wasm") as TaModule;
  } finally {
    globalThis.fetch = realFetch;
  }
}

const M = await load();

/**
 * Calls `TA_<name>(0, n - 1, inputs..., options..., &outBegIdx, &outNBElement, outputs...)`
 * and returns `outputs` aligned to the inputs.
 */
export function talib(
  name: string,
  inputs: readonly ArrayLike<number>[],
  options: readonly number[],
  outputs: number,
): Float64Array[] {
  const n = inputs[0].length;
  const inPtrs = inputs.map((a) => {
    const p = M._malloc(n * 8);
    M.HEAPF64.set(a, p / 8);
    return p;
  });
  const outPtrs = Array.from({ length: outputs }, () => M._malloc(n * 8));
  const ints = M._malloc(8);
  const args = [0, n - 1, ...inPtrs, ...options, ints, ints + 4, ...outPtrs];
  try {
    const rc = M.ccall(`TA_${name}`, "number", args.map(() => "number"), args);
    if (rc !== 0) throw new Error(`TA_${name} returned error code ${rc}`);
    const beg = M.HEAP32[ints / 4];
    const count = M.HEAP32[ints / 4 + 1];
    return outPtrs.map((p) => {
      const out = new Float64Array(n).fill(Number.NaN);
      out.set(M.HEAPF64.subarray(p / 8, p / 8 + count), beg);
      return out;
    });
  } finally {
    for (const p of [...inPtrs, ...outPtrs, ints]) M._free(p);
  }
}

/** TA-Lib's `MAType` for a simple moving average. */
export const MA_SMA = 0;
