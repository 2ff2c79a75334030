// Fakes for node --test: an in-memory Storage and an event target that records listeners.

export class MemoryStorage {
  constructor(initial = {}) {
    this.items = new Map(Object.entries(initial));
    this.writes = [];
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    this.writes.push(['set', key, String(value)]);
    this.items.set(key, String(value));
  }
  removeItem(key) {
    this.writes.push(['remove', key]);
    this.items.delete(key);
  }
}

export class FakeEventTarget {
  constructor() {
    this.listeners = new Map();
  }
  addEventListener(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(listener);
  }
  removeEventListener(type, listener) {
    this.listeners.get(type)?.delete(listener);
  }
  dispatch(type, event) {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

export function failedTask(overrides = {}) {
  return {
    task_id: 'T-1',
    type: 'aks_provision',
    status: 'failed',
    created_at: '2024-05-01T10:00:00Z',
    updated_at: '2024-05-01T10:00:05Z',
    request: {
      subscription_id: 'sub',
      resource_group: 'rg1',
      cluster_name: 'quota-one',
      region: 'eastus',
      node_vm_size: 'Standard_D2s_v5',
      node_count: 1,
      kubernetes_version: null,
    },
    progress: { step: 'failed', step_index: 2, total_steps: 4, cluster_state: null, cluster_seen: false, portal_url: null },
    error: {
      code: 'QuotaExceeded',
      category: 'quota',
      message: 'Operation could not be completed as it results in exceeding approved quota.',
      retryable: false,
      actions: [{ kind: 'link', label: 'Request quota increase', url: 'https://portal.azure.com/#quota' }],
    },
    dismissed_at: null,
    ...overrides,
  };
}

/** Timers that run only when the test says so: `runNext()` fires the earliest one. */
export class ManualTimers {
  constructor() {
    this.pending = new Map();
    this.nextId = 1;
    this.setTimer = (fn, ms) => {
      const id = this.nextId++;
      this.pending.set(id, { fn, ms });
      return id;
    };
    this.clearTimer = (id) => this.pending.delete(id);
  }
  get count() {
    return this.pending.size;
  }
  runNext() {
    const [id, timer] = this.pending.entries().next().value;
    this.pending.delete(id);
    timer.fn();
  }
}

/** Let pending promise callbacks run (a fake API answers on the next microtasks). */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
