// Reading the file a command-line option names (a --config, --phases, --judge-config or spec file): the two ways it
// fails (it cannot be read, or it does not parse) come out as one InvalidOptionError naming the option, the file and
// the fix, the same for every command.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InvalidOptionError } from './inferwatch-error.js';

/**
 * The parsed content of the YAML file at `path` (JSON when the name ends in `.json`; YAML reads JSON too, but
 * JSON's own parser gives JSON's error positions). `syntaxHint` is the fix offered when it does not parse.
 *
 * @example readOptionFile('inferwatch.yaml', '--config') // { listen: '127.0.0.1:4000', ... }
 */
export function readOptionFile(
  path: string,
  option: string,
  syntaxHint = 'Fix the syntax at the position given.',
): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidOptionError(
      option,
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'Give the path of a readable file.',
    );
  }
  const json = path.endsWith('.json');
  try {
    return json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new InvalidOptionError(
      option,
      `${path} is not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
      syntaxHint,
    );
  }
}
