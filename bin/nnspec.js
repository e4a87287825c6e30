#!/usr/bin/env node
// Thin launcher: the CLI itself is TypeScript, compiled to dist/ by `npm install`.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
