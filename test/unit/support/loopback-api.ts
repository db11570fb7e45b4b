/** A kubeconfig whose one context, "lab", talks plain HTTP to a fake API server on loopback `port`. */
export function loopbackKubeconfig(port: number): string {
  return `apiVersion: v1
kind: Config
clusters: [{ name: lab, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
contexts: [{ name: lab, context: { cluster: lab, user: lab } }]
current-context: lab
users: [{ name: lab, user: { token: t0ken } }]
`
}
