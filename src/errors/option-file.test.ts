import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError } from './inferwatch-error.js';
import { readOptionFile } from './option-file.js';

test('a file an option names: YAML, JSON by its name, and each failure naming the option, the file and the fix', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iw-option-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  assert.deepEqual(readOptionFile(file('a.yaml', 'listen: 127.0.0.1:4000\n'), '--config'), {
    listen: '127.0.0.1:4000',
  });
  assert.deepEqual(readOptionFile(file('b.json', '{"rate": 5}'), '--phases'), { rate: 5 });
  assert.equal(readOptionFile(file('empty.yaml', ''), '--config'), null);

  const fails = (path: string, option: string, hint?: string): InvalidOptionError => {
    try {
      readOptionFile(path, option, hint);
    } catch (err) {
      assert.ok(err instanceof InvalidOptionError);
      return err;
    }
    assert.fail('no error');
  };
  const missing = fails(join(dir, 'nope.yaml'), '--config');
  assert.match(missing.message, /^Invalid option "--config": cannot read .*nope\.yaml \(ENOENT\)/);
  assert.match(missing.message, /readable file/);
  const yaml = fails(file('bad.yaml', 'a: [\n'), '--judge-config', 'Write a list.');
  assert.match(yaml.message, /bad\.yaml is not valid YAML: /);
  assert.match(yaml.message, /Write a list\./);
  assert.match(fails(file('bad.json', '{not json'), '--faults').message, /bad\.json is not valid JSON: /);
});
