import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { dialogChoices, regionChoices, sizeChoices, versionChoices, versionLabel } from '../js/dialog-choices.js';
import { REGIONS, VM_SIZES } from '../js/validation.js';

const options = {
  region: 'westus3',
  regions: [{ name: 'eastus', display_name: 'East US' }, { name: 'westus3', display_name: 'West US 3' }],
  vm_sizes: [
    { name: 'Standard_D4s_v5', vcpus: 4, memory_gib: 16, available: true },
    { name: 'Standard_D8s_v5', vcpus: 8, memory_gib: 32, available: false },
  ],
  kubernetes_versions: [
    { version: '1.34', default: false, preview: true },
    { version: '1.32', default: true, preview: false },
    { version: '1.31', default: false, preview: false },
  ],
};

describe('dialog choices from options', () => {
  test('regions read by name with their value', () => {
    assert.deepEqual(regionChoices(options)[1], { value: 'westus3', label: 'West US 3 (westus3)', disabled: false });
  });

  test('an unavailable size is disabled and says where', () => {
    assert.deepEqual(sizeChoices(options), [
      { value: 'Standard_D4s_v5', label: 'Standard_D4s_v5 — 4 vCPU, 16 GiB', disabled: false },
      { value: 'Standard_D8s_v5', label: 'Standard_D8s_v5 — 8 vCPU, 32 GiB — not available in westus3', disabled: true },
    ]);
  });

  test('versions start with an empty default choice naming the default, previews marked', () => {
    assert.deepEqual(versionChoices(options).map((c) => [c.value, c.label]), [
      ['', 'Default (1.32)'],
      ['1.34', '1.34 (preview)'],
      ['1.32', '1.32 (default)'],
      ['1.31', '1.31'],
    ]);
    assert.equal(versionLabel({ version: '1.33', default: false, preview: false }), '1.33');
  });

  test('both VM size selects get the same choices', () => {
    const choices = dialogChoices(options);
    assert.deepEqual(choices.user_vm_size, choices.node_vm_size);
  });
});

describe('dialog choices without options', () => {
  for (const [why, missing] of [['still loading', null], ['degraded', { region: 'eastus', regions: [],
    vm_sizes: [], kubernetes_versions: [], degraded: true }]]) {
    test(`fall back to the static lists when ${why}`, () => {
      const choices = dialogChoices(missing);
      assert.deepEqual(choices.region.map((c) => c.value), REGIONS);
      assert.deepEqual(choices.node_vm_size.map((c) => c.value), VM_SIZES);
      assert.deepEqual(choices.kubernetes_version, [{ value: '', label: 'Default', disabled: false }]);
      assert.equal(choices.node_vm_size.some((c) => c.disabled), false);
    });
  }

  test('a degraded document keeps the parts it has', () => {
    const partial = { ...options, vm_sizes: [], degraded: true };
    assert.deepEqual(sizeChoices(partial).map((c) => c.value), VM_SIZES);
    assert.equal(regionChoices(partial).length, 2);
  });
});
