// After tsc: the ES module entry of the package, dist/index.mjs, re-exporting the CommonJS build by
// name. One copy of every class for both kinds of importer, so `instanceof` holds across them.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const dist = join(import.meta.dirname, "..", "dist");
const names = Object.keys(createRequire(import.meta.url)(join(dist, "index.js")))
  .filter((name) => name !== "__esModule" && name !== "default")
  .sort();
writeFileSync(
  join(dist, "index.mjs"),
  `import cjs from "./index.js";\n\nexport const {\n${names.map((n) => `  ${n},`).join("\n")}\n} = cjs;\n`,
);
writeFileSync(join(dist, "index.d.mts"), `export * from "./index.js";\n`);
console.log(`build: dist/index.mjs re-exports ${names.length} names`);
