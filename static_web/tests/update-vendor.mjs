// @ts-check
// Copies the files static_web/vendor/vendor.json lists from node_modules into static_web/vendor/
// unchanged, after checking each package's installed version is the pinned one. Run it through
// `npm run vendor` after changing a pin in package.json and vendor.json.

import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const vendorDir = join(here, '..', 'vendor');
const nodeModules = join(here, '..', '..', 'node_modules');

/** @type {{packages: Record<string, {version: string, files: Record<string, string>}>}} */
const manifest = JSON.parse(readFileSync(join(vendorDir, 'vendor.json'), 'utf8'));

for (const [name, { version, files }] of Object.entries(manifest.packages)) {
  const installed = JSON.parse(readFileSync(join(nodeModules, name, 'package.json'), 'utf8')).version;
  if (installed !== version) {
    throw new Error(`${name} ${installed} is installed, vendor.json pins ${version}: run npm ci first.`);
  }
  for (const [source, target] of Object.entries(files)) {
    mkdirSync(dirname(join(vendorDir, target)), { recursive: true });
    copyFileSync(join(nodeModules, name, source), join(vendorDir, target));
  }
  console.log(`vendored ${name}@${version}`);
}
