/**
 * Runs a module exporting `createModel` and `info` (a bundled app, or a module
 * compiled by the CLI) in plain Node and prints, as JSON, its `info`, any
 * `wideInfo` and `describe()`, and the class probabilities of a fixed input
 * under the model seeded with 7 (TypeScript kernels).
 *   node test/helpers/run-model.mjs MODULE.js
 */
import { pathToFileURL } from "node:url";

const mod = await import(pathToFileURL(process.argv[2]).href);
const model = mod.createModel({ batchSize: 1, seed: 7, kernels: "js" });
const input = Float32Array.from({ length: mod.info.inputShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
const probabilities = Array.from(model.predict(input));
model.dispose();
process.stdout.write(JSON.stringify({ info: mod.info, wideInfo: mod.wideInfo, describe: mod.describe?.(), probabilities }) + "\n");
