// @ts-check
// The server's JSON documents as the dashboard reads them (README.md, "The API"). Types only:
// nothing here runs; modules refer to them as import('./contract.js').Name.

/**
 * @typedef {object} ErrorAction
 * @property {string} kind
 * @property {string} label
 * @property {string | null} [url]
 * @property {unknown} [value]
 */

/**
 * @typedef {object} TaskError
 * @property {string} code
 * @property {string} category
 * @property {string} message
 * @property {boolean} [retryable]
 * @property {ErrorAction[]} [actions]
 */

/**
 * @typedef {object} TaskRequest
 * @property {string} [subscription_id]
 * @property {string} [resource_group]
 * @property {string} [cluster_name]
 * @property {string} [region]
 * @property {string} [node_vm_size]
 * @property {number | null} [node_count]
 * @property {string} [kubernetes_version]
 * @property {string | null} [retry_of]
 * @property {{node_vm_size: string, node_count: number} | null} [user_pool]
 */

/**
 * @typedef {object} TaskProgress
 * @property {string | null} [step]
 * @property {number | null} [step_index]
 * @property {number | null} [total_steps]
 * @property {string | null} [cluster_state]
 * @property {boolean} [cluster_seen]
 * @property {string | null} [portal_url]
 */

/**
 * A task document (GET /api/tasks/{id}) or a history row; only task_id is always there.
 * @typedef {object} TaskDocument
 * @property {string} task_id
 * @property {string} [type]
 * @property {string} [status]
 * @property {string} [created_at]
 * @property {string} [updated_at]
 * @property {TaskRequest} [request]
 * @property {TaskProgress} [progress]
 * @property {TaskError | null} [error]
 * @property {string | null} [dismissed_at]
 * @property {string} [trigger]
 */

/**
 * One action the server offers for a cluster now, in display order.
 * @typedef {object} ClusterAction
 * @property {string} kind
 * @property {boolean} enabled
 * @property {string | null} [reason]
 */

/**
 * @typedef {object} NodePool
 * @property {string} name
 * @property {string} [mode]
 * @property {string} [vm_size]
 * @property {number} [count]
 * @property {string | null} [provisioning_state]
 * @property {string | null} [power_state]
 * @property {{min: number, max: number} | null} [autoscale]
 */

/**
 * @typedef {object} ClusterOperation
 * @property {string} task_id
 * @property {string} type
 * @property {string} status
 * @property {string | null} [step]
 */

/**
 * @typedef {object} NextGuardrailAction
 * @property {'stop' | 'start' | 'delete'} kind
 * @property {string} at
 * @property {'idle' | 'schedule' | 'expiry'} reason
 */

/**
 * @typedef {object} Guardrails
 * @property {number | null} [idle_stop_minutes]
 * @property {{timezone: string, days: string[], start: string, stop: string} | null} [schedule]
 * @property {string | null} [expires_at]
 * @property {string | null} [extended_until]
 * @property {NextGuardrailAction | null} [next_action]
 */

/**
 * @typedef {object} ClusterAccess
 * @property {'entra' | 'local'} mode
 * @property {string[]} commands
 * @property {boolean} kubeconfig
 */

/**
 * @typedef {object} ClusterCost
 * @property {number | null} per_hour
 * @property {string} [currency]
 * @property {number | null} [saved_this_month]
 */

/**
 * A cluster of GET /api/aks/clusters. `actions`, `access`, `guardrails` and `cost` may be
 * missing on an older server: the dashboard then offers no action and hides those parts.
 * @typedef {object} Cluster
 * @property {string} [id]
 * @property {string} name
 * @property {string} resource_group
 * @property {string} [region]
 * @property {string | null} [provisioning_state]
 * @property {string | null} [power_state]
 * @property {string | null} [kubernetes_version]
 * @property {number} [node_count]
 * @property {NodePool[]} [node_pools]
 * @property {string | null} [fqdn]
 * @property {string | null} [portal_url]
 * @property {string | null} [created_by_task]
 * @property {string[]} [upgrades]
 * @property {ClusterOperation | null} [operation]
 * @property {ClusterAction[]} [actions]
 * @property {ClusterAccess | null} [access]
 * @property {Guardrails | null} [guardrails]
 * @property {ClusterCost | null} [cost]
 */

/**
 * @typedef {object} TextLimit
 * @property {string} [pattern]
 * @property {number} [max_length]
 */

/**
 * The server's own input rules (GET /api/aks/options `limits`).
 * @typedef {object} InputLimits
 * @property {TextLimit} [cluster_name]
 * @property {TextLimit} [resource_group]
 * @property {TextLimit} [pool_name]
 * @property {{min?: number, max?: number}} [node_count]
 */

/**
 * @typedef {object} VmSizeOption
 * @property {string} name
 * @property {number} [vcpus]
 * @property {number} [memory_gib]
 * @property {string} [family]
 * @property {string[]} [zones]
 * @property {boolean} available
 * @property {string | null} [reason]
 * @property {number | null} [price_per_hour]
 */

/**
 * @typedef {object} OptionsDocument
 * @property {string} [region]
 * @property {{name: string, display_name?: string}[]} [regions]
 * @property {VmSizeOption[]} [vm_sizes]
 * @property {{version: string, default?: boolean, preview?: boolean}[]} [kubernetes_versions]
 * @property {string} [currency]
 * @property {boolean} [degraded]
 * @property {InputLimits} [limits]
 */

/**
 * @typedef {object} PreflightCheck
 * @property {string} id
 * @property {string} status
 * @property {string} [message]
 * @property {ErrorAction[]} [actions]
 */

/**
 * @typedef {object} PreflightResult
 * @property {boolean} [ok]
 * @property {PreflightCheck[]} [checks]
 * @property {{per_hour: number, per_month: number, currency?: string} | null} [cost]
 */

export {};
