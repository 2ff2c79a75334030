import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (...parts) => readFileSync(join(root, ...parts));
const manifest = JSON.parse(read('static_web', 'vendor', 'vendor.json').toString());
const devDependencies = JSON.parse(read('package.json').toString()).devDependencies;

describe('vendored libraries', () => {
  for (const [name, { version, files }] of Object.entries(manifest.packages)) {
    test(`${name} is pinned to ${version} in package.json and copied unchanged, with its licence`, () => {
      assert.equal(devDependencies[name], version);
      assert.equal(JSON.parse(read('node_modules', name, 'package.json').toString()).version, version);
      for (const [source, target] of Object.entries(files)) {
        assert.ok(read('node_modules', name, source).equals(read('static_web', 'vendor', target)), `${target} differs`);
      }
      assert.ok(Object.keys(files).includes('LICENSE'));
    });
  }

  test('the import map in index.html maps every vendored module, and only those', () => {
    const html = read('static_web', 'index.html').toString();
    const map = JSON.parse(/<script type="importmap">(.*?)<\/script>/s.exec(html)[1]);
    const expected = Object.fromEntries(Object.entries(manifest.imports).map(([name, path]) => [name, `./vendor/${path}`]));
    assert.deepEqual(map.imports, expected);
  });
});
