import { definitionJsonSchema } from '../../search/index.js';
import type { CommandIo } from '../io.js';
import { BUILTIN_COMPONENTS } from '../component-schemas.js';

/** `sparsenas schema` prints the JSON Schema of config files (committed as sparsenas.schema.json). */
export const SCHEMA_HELP = `sparsenas schema — print the JSON Schema of search config files (sparsenas.schema.json)

  sparsenas schema > sparsenas.schema.json
  A config file with "$schema": "./sparsenas.schema.json" gets completion and checks in editors.
`;

export async function schemaCommand(argv: string[], io: CommandIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { io.stdout.write(SCHEMA_HELP); return 0; }
  if (argv.length > 0) {
    io.stderr.write(`sparsenas schema: unexpected argument "${argv[0]}"; it takes none (see sparsenas schema --help)\n`);
    return 2;
  }
  io.stdout.write(JSON.stringify(definitionJsonSchema(BUILTIN_COMPONENTS), null, 2) + '\n');
  return 0;
}
