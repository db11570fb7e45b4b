import https from 'node:https'
import { setTimeout as sleep } from 'node:timers/promises'
import * as k8s from '@kubernetes/client-node'
import type { KubeObject } from './client.js'

const MAX_ATTEMPTS_ON_429 = 10

/**
 * The generic object API, but sending and returning objects as the API server's own JSON. The
 * library's typed (de)serializer renames keys such as `x-kubernetes-preserve-unknown-fields` and
 * drops fields its models do not know yet, which would silently change what kindling applies.
 * Requests also share keep-alive connections: the library makes a new https.Agent, so a new TLS
 * handshake, for every request.
 */
export class JsonObjectApi extends k8s.KubernetesObjectApi {
  readonly #pools = new Map<string, https.Agent>()

  static forConfig(config: k8s.KubeConfig): JsonObjectApi {
    const api = config.makeApiClient(JsonObjectApi)
    api.setDefaultNamespace(config)
    return api
  }

  async request(method: 'GET' | 'PATCH', spec: KubeObject, action: 'read' | 'list' | 'patch', options: { query?: Record<string, string | undefined>; body?: unknown; contentType?: string } = {}): Promise<KubeObject> {
    const context = this.configuration.baseServer.makeRequestContext(await this.specUriPath(spec as k8s.KubernetesObject, action), method === 'GET' ? k8s.HttpMethod.GET : k8s.HttpMethod.PATCH)
    context.setHeaderParam('Accept', 'application/json')
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) context.setQueryParam(name, value)
    if (options.body !== undefined) {
      context.setHeaderParam('Content-Type', options.contentType ?? 'application/json')
      context.setBody(JSON.stringify(options.body))
    }
    await this.configuration.authMethods.default?.applySecurityAuthentication(context)
    const agent = this.pooled(context.getAgent())
    if (agent) context.setAgent(agent)
    for (let attempt = 1; ; attempt++) {
      const response = await this.configuration.httpApi.send(context).toPromise()
      const text = await response.body.text()
      // 429: the server asks to come back (a new CRD's storage initializing, priority and fairness).
      if (response.httpStatusCode === 429 && attempt < MAX_ATTEMPTS_ON_429) {
        await sleep(Math.min(Number(response.headers['retry-after']) || 1, 5) * 1000)
        continue
      }
      if (response.httpStatusCode < 200 || response.httpStatusCode > 299) throw new k8s.ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', text, response.headers)
      return JSON.parse(text) as KubeObject
    }
  }

  /** `/apis/apps/v1/namespaces/x/deployments`: a kind's collection path, from the library's own discovery. */
  collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    return this.specUriPath({ apiVersion, kind, metadata: { namespace } }, 'list')
  }

  /** A keep-alive agent with the same TLS settings as the one the library made for this request. */
  private pooled(agent: unknown): https.Agent | undefined {
    if (!(agent instanceof https.Agent)) return undefined
    const { ca, cert, key, pfx, rejectUnauthorized, servername } = agent.options
    const id = JSON.stringify([ca, cert, key, pfx, rejectUnauthorized, servername].map((value) => (value === undefined ? null : String(value))))
    let pool = this.#pools.get(id)
    if (!pool) {
      pool = new https.Agent({ ...agent.options, keepAlive: true })
      this.#pools.set(id, pool)
    }
    return pool
  }
}
