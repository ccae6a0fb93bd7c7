import { definitionJsonSchema } from '../../search/index.js';
import type { CommandIo } from '../io.js';

/** `sparsenas schema` prints the JSON Schema of config files (committed as sparsenas.schema.json). */
export async function schemaCommand(_argv: string[], io: CommandIo): Promise<number> {
  io.stdout.write(JSON.stringify(definitionJsonSchema(), null, 2) + '\n');
  return 0;
}
