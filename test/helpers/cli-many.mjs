// Runs the built CLI's main() (as bin/nnspec.js does) once per argument list of a JSON array on
// stdin, in this one process, and prints a JSON array of {status, stdout, stderr}: for tests that
// make many runs which end in the argument parser (a Node process per run costs ~0.3 s of CPU).
// See nnspecMany in cli.ts.
import { readFileSync } from "node:fs";
import { main } from "../../dist/cli/main.js";

const runs = JSON.parse(readFileSync(0, "utf8"));
const write = { stdout: process.stdout.write, stderr: process.stderr.write };
const results = [];
for (const args of runs) {
  const text = { stdout: "", stderr: "" };
  for (const stream of ["stdout", "stderr"]) {
    process[stream].write = (chunk, ...rest) => {
      text[stream] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      const done = rest.find((r) => typeof r === "function");
      if (done) done();
      return true;
    };
  }
  let status;
  try {
    status = await main(args);
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
  }
  results.push({ status, ...text });
}
process.stdout.write(JSON.stringify(results));
