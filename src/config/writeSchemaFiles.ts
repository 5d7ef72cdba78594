// Build step (`npm run build` runs it after tsc): writes the JSON Schemas of every input kind,
// described throughout, as files in the package's schemas/ folder, for editors and for
// readers of the installed package. The TypeScript schemas in src/config/schemas/ stay the
// single source; these files are regenerated from them on every build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { documentedKinds, documentedSchema, schemaFileName } from './schemas/documented.js';

const out = new URL('../../schemas/', import.meta.url);
mkdirSync(out, { recursive: true });
for (const kind of documentedKinds) writeFileSync(new URL(schemaFileName(kind), out), `${JSON.stringify(documentedSchema(kind), null, 2)}\n`);
console.log(`schemas: ${documentedKinds.length} JSON Schema files written to schemas/`);
