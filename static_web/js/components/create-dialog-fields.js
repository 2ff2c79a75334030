// The Create dialog's labelled controls: one spec per field (a table), built into rows with a
// hint and an error line, and selects refilled from live options without losing the value.

import { element, replaceChildren } from '../element.js';
import { PRESETS } from '../preflight-model.js';
import { FIELDS, REGIONS, validateProvisionForm, VM_SIZES, WORKLOAD_FIELDS } from '../validation.js';

const NODE_COUNT_RANGE = { min: 1, max: 100, step: 1, inputmode: 'numeric' };
const plainChoices = (values) => values.map((value) => ({ value, label: value, disabled: false }));
const PRESET_CHOICES = [
  { value: '', label: 'Custom', disabled: false },
  ...PRESETS.map((preset) => ({ value: preset.name, label: preset.name, disabled: false })),
];

/** Every value the form holds for a request (the preset is only a way to fill them). */
export const FORM_FIELDS = [...FIELDS, 'workload_pool', ...WORKLOAD_FIELDS];

/** Every control of the dialog, in form order; `group` puts a row in a part of the form. */
export const FIELD_SPECS = [
  { name: 'preset', label: 'Preset', kind: 'select', choices: PRESET_CHOICES, group: 'top', optional: true,
    hint: 'Fills sizes and counts; fields you changed keep your value.' },
  { name: 'cluster_name', label: 'Cluster name', kind: 'text', hint: 'Letters, digits, - and _; up to 63 characters.' },
  { name: 'resource_group', label: 'Resource group', kind: 'text', hint: 'An existing resource group in the subscription.' },
  { name: 'region', label: 'Region', kind: 'select', choices: plainChoices(REGIONS) },
  { name: 'kubernetes_version', label: 'Kubernetes version', kind: 'select', optional: true,
    choices: [{ value: '', label: 'Default', disabled: false }] },
  { name: 'node_vm_size', label: 'Node VM size', kind: 'select', choices: plainChoices(VM_SIZES) },
  { name: 'node_count', label: 'Node count', kind: 'number', hint: 'From 1 to 100 nodes.' },
  { name: 'workload_pool', label: 'Workload pool', kind: 'checkbox', group: 'workload-toggle', optional: true,
    hint: 'Adds a User-mode node pool for workloads next to the System pool.' },
  { name: 'user_vm_size', label: 'Workload VM size', kind: 'select', group: 'workload', choices: plainChoices(VM_SIZES) },
  { name: 'user_node_count', label: 'Workload node count', kind: 'number', group: 'workload', hint: 'From 1 to 100 nodes.' },
];

/** Replace a select's options with `choices`, keeping its value (added when not offered). */
export function fillSelect(select, choices) {
  const value = select.value;
  replaceChildren(
    select,
    choices.map((choice) => element('option', { value: choice.value, text: choice.label, disabled: choice.disabled })),
  );
  setSelectValue(select, value);
}

/** Choose `value` in a select, adding it as a plain option when it is not among the choices. */
export function setSelectValue(select, value) {
  const listed = [...select.options].some((option) => option.value === value);
  if (!listed && value === '') return; // nothing chosen yet: the first choice stays
  if (!listed) select.append(element('option', { value, text: value }));
  select.value = value;
}

/** The control for one field spec: a select of its choices, a checkbox or an input. */
function fieldControl(spec, id) {
  const required = !spec.optional;
  if (spec.kind === 'select') {
    const select = element('select', { name: spec.name, attrs: { id, required } });
    fillSelect(select, spec.choices);
    return select;
  }
  if (spec.kind === 'checkbox') return element('input', { type: 'checkbox', name: spec.name, attrs: { id } });
  const attrs = { id, required, autocomplete: 'off', spellcheck: 'false' };
  if (spec.kind === 'number') Object.assign(attrs, NODE_COUNT_RANGE);
  return element('input', { type: spec.kind, name: spec.name, attrs });
}

/** One labelled field with its hint and error line: `{spec, row, control, note}`. */
export function buildField(spec) {
  const id = `field-${spec.name}`;
  const hintId = spec.hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const control = fieldControl(spec, id);
  control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const note = element('p', { className: 'field__error', hidden: true, attrs: { id: errorId } });
  const label = element('label', { text: spec.label, attrs: { for: id } });
  const hint = spec.hint ? element('p', { className: 'field__hint', text: spec.hint, attrs: { id: hintId } }) : null;
  const labelled = spec.kind === 'checkbox' ? [element('span', { className: 'field__check' }, control, label)] : [label, control];
  const row = element('div', { className: `field field--${spec.name}` }, ...labelled, hint, note);
  return { spec, row, control, note };
}

/** The value a control holds for the form: a checkbox's checked state, else its value. */
export const controlValue = (control) => (control.type === 'checkbox' ? control.checked : control.value);

/** Put a value into a control (selects keep a value they do not list). */
export function setControlValue(control, value) {
  if (control.type === 'checkbox') control.checked = Boolean(value);
  else if (control.tagName === 'SELECT') setSelectValue(control, String(value ?? ''));
  else control.value = String(value ?? '');
}

/** The form's values, its own checks, and writing values back (used by presets). */
export function createFormAccess(controls, onWritten) {
  const values = () => Object.fromEntries(FORM_FIELDS.map((name) => [name, controlValue(controls[name])]));
  const choicesOf = (name) => [...controls[name].options].map((option) => option.value);
  const check = (formValues) =>
    validateProvisionForm(formValues, { regions: choicesOf('region'), vmSizes: choicesOf('node_vm_size') });
  function write(next) {
    for (const name of FORM_FIELDS) {
      if (name in next && next[name] !== controlValue(controls[name])) setControlValue(controls[name], next[name]);
    }
    onWritten();
  }
  return { values, check, write };
}

