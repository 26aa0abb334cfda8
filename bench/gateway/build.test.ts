import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { buildGateway } from './build.js';

/** A checkout-shaped project with one source file. */
function project(source: string): string {
  const root = mkdtempSync(join(tmpdir(), 'inferwatch-build-test-'));
  mkdirSync(join(root, 'src/gateway'), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"type":"module"}');
  const options = {
    rootDir: 'src',
    outDir: 'dist',
    module: 'nodenext',
    target: 'es2022',
    strict: true,
    skipLibCheck: true,
    types: [],
  };
  writeFileSync(join(root, 'tsconfig.build.json'), JSON.stringify({ compilerOptions: options, include: ['src'] }));
  writeFileSync(join(root, 'src/gateway/index.ts'), source);
  return root;
}

describe('buildGateway', () => {
  it('compiles a checkout and returns its dist entry, free of tsx helpers', async (t) => {
    const root = project('export function outer(): () => number { const named = (): number => 1; return named; }\n');
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const entry = buildGateway(root);
    assert.equal(entry, join(root, 'dist/gateway/index.js'));
    const mod = (await import(pathToFileURL(entry).href)) as { outer: () => () => number };
    assert.equal(mod.outer()(), 1);
    assert.doesNotMatch(mod.outer.toString(), /__name/);
  });

  it('throws with the compiler output when the checkout does not compile', (t) => {
    const root = project('export const n: number = "not a number";\n');
    t.after(() => rmSync(root, { recursive: true, force: true }));
    assert.throws(() => buildGateway(root), /could not build the gateway of .*\n.*TS2322/s);
  });

  it('names a directory that is not a checkout', (t) => {
    const root = mkdtempSync(join(tmpdir(), 'inferwatch-build-test-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    assert.throws(() => buildGateway(root), /has no tsconfig.build.json: is it a checkout of inferwatch\?/);
  });
});
