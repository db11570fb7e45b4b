// The rule for a DNS label as the spec uses it (a cluster's name, which is also its folder under
// clusters/ and part of container and context names), without the validation library, so the
// command line can check `--cluster` before anything heavy loads.

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
/** Longer names would not fit the container and context names built from them. */
export const DNS_LABEL_MAX = 40
