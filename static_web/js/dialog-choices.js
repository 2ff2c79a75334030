// @ts-check
// The Create dialog's select choices from GET /api/aks/options (README.md, "The API"),
// falling back to the static lists while options load or when a source failed, so the form
// always works.

import { sizeLabel } from './preflight-model.js';
import { REGIONS, VM_SIZES } from './validation.js';

/** @typedef {import('./contract.js').OptionsDocument} OptionsDocument */
/** @typedef {{value: string, label: string, disabled: boolean}} Choice */

/**
 * @param {string} value
 * @returns {Choice}
 */
const plain = (value) => ({ value, label: value, disabled: false });

/**
 * Region choices: "East US (eastus)" per offered region, or the static list.
 * @param {OptionsDocument | null} options
 * @returns {Choice[]}
 */
export function regionChoices(options) {
  const regions = Array.isArray(options?.regions) ? options.regions : [];
  if (regions.length === 0) return REGIONS.map(plain);
  return regions.map(({ name, display_name: displayName }) => ({
    value: name,
    label: displayName && displayName !== name ? `${displayName} (${name})` : name,
    disabled: false,
  }));
}

/**
 * VM size choices for `region`; an unavailable size is disabled and says where.
 * @param {OptionsDocument | null} options
 * @returns {Choice[]}
 */
export function sizeChoices(options) {
  const sizes = Array.isArray(options?.vm_sizes) ? options.vm_sizes : [];
  if (sizes.length === 0) return VM_SIZES.map(plain);
  return sizes.map((size) => ({
    value: size.name,
    label: sizeLabel(size, options?.region),
    disabled: !size.available,
  }));
}

/**
 * "1.34 (preview)" for a preview version, "1.32 (default)" for the default, else "1.33".
 * @param {{version: string, default?: boolean, preview?: boolean}} version
 */
export function versionLabel({ version, default: isDefault, preview }) {
  if (preview) return `${version} (preview)`;
  return isDefault ? `${version} (default)` : version;
}

/**
 * Kubernetes versions: an empty "Default (1.32)" choice first, then every offered version.
 * @param {OptionsDocument | null} options
 * @returns {Choice[]}
 */
export function versionChoices(options) {
  const versions = Array.isArray(options?.kubernetes_versions) ? options.kubernetes_versions : [];
  const fallback = versions.find((v) => v.default);
  const defaultChoice = { value: '', label: fallback ? `Default (${fallback.version})` : 'Default', disabled: false };
  return [defaultChoice, ...versions.map((v) => ({ value: v.version, label: versionLabel(v), disabled: false }))];
}

/**
 * Every select's choices at once, keyed by the form field that shows them.
 * @param {OptionsDocument | null} options
 */
export function dialogChoices(options) {
  const sizes = sizeChoices(options);
  return {
    region: regionChoices(options),
    node_vm_size: sizes,
    user_vm_size: sizes,
    kubernetes_version: versionChoices(options),
  };
}
