/**
 * The label on every object kindling creates in a cluster itself (not the ones the engine later
 * syncs from Git). destroy finds what to remove by it, and it gives every server-side apply at
 * least one field to own, so re-applying an object never changes its resourceVersion.
 */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kindling' } as const
