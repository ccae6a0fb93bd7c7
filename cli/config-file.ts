import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../search/index.js';
import type { StudyDefinitionInput } from '../search/index.js';

/** Reads a JSON or YAML search definition. Validation happens after flags are merged over it. */
export function readConfigFile(path: string): StudyDefinitionInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('(file)', `config file ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; check the path given to --config`);
  }
  const yaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  let value: unknown;
  try {
    value = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError('(file)', `config file ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('(root)', `config file ${path} must hold an object with keys such as space, strategy, dataset, training, budget`);
  }
  return value as StudyDefinitionInput;
}
