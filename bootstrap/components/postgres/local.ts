import type { KubeObject } from '../../kube/client.js'
import { renderComposition, sizeDict, type SizeTable } from './composition.js'

const LOCAL_SIZES: Record<'cpu' | 'memory' | 'memoryLimit', SizeTable> = {
  cpu: { small: '100m', medium: '500m', large: '1' },
  memory: { small: '256Mi', medium: '1Gi', large: '2Gi' },
  memoryLimit: { small: '512Mi', medium: '2Gi', large: '4Gi' },
}

/** The official image (Docker Hub library/postgres), by major version so patch releases arrive. */
const IMAGE = 'docker.io/library/postgres'

/**
 * A StatefulSet, Service and the connection Secret in the XR's namespace, composed directly (no
 * provider-kubernetes Object in between: fewer moving parts, and auto-ready knows StatefulSets).
 * The image runs as its `postgres` user (uid/gid 999) with PGDATA in a subfolder of the volume;
 * the volume claim is deleted with the StatefulSet, because a claim left behind would hold a
 * database initialised with the old password when an instance of the same name comes back.
 * Checked in docker-library/postgres 17/bookworm/Dockerfile (uid 999, PGDATA).
 */
const RESOURCES = `{{- $svc := printf "%s-postgres" ($name | trunc 54) }}
{{- $host := printf "%s.%s.svc" $svc $xr.metadata.namespace }}
{{- $sslmode := "disable" }}
{{- $labels := dict "app.kubernetes.io/name" "postgres" "app.kubernetes.io/instance" $name }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $svc }}
  annotations:
    {{ setResourceNameAnnotation "service" }}
spec:
  selector: {{ $labels | toJson }}
  ports:
    - name: postgres
      port: 5432
      targetPort: postgres
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ $svc }}
  annotations:
    {{ setResourceNameAnnotation "statefulset" }}
spec:
  serviceName: {{ $svc }}
  replicas: 1
  selector:
    matchLabels: {{ $labels | toJson }}
  persistentVolumeClaimRetentionPolicy:
    whenDeleted: Delete
    whenScaled: Retain
  template:
    metadata:
      labels: {{ $labels | toJson }}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 999
        runAsGroup: 999
        fsGroup: 999
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: postgres
          image: ${IMAGE}:{{ $spec.version }}
          ports:
            - name: postgres
              containerPort: 5432
          env:
            - name: POSTGRES_USER
              value: {{ $user }}
            - name: POSTGRES_DB
              value: {{ $spec.database }}
            - name: POSTGRES_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: password
            - name: PGDATA
              value: /var/lib/postgresql/data/pgdata
          readinessProbe:
            exec:
              command: [pg_isready, -h, 127.0.0.1, -U, {{ $user }}, -d, {{ $spec.database }}]
            periodSeconds: 5
          livenessProbe:
            exec:
              command: [pg_isready, -h, 127.0.0.1, -U, {{ $user }}, -d, {{ $spec.database }}]
            initialDelaySeconds: 30
            periodSeconds: 10
          resources:
            requests:
              cpu: {{ get ${sizeDict(LOCAL_SIZES.cpu)} $spec.size | quote }}
              memory: {{ get ${sizeDict(LOCAL_SIZES.memory)} $spec.size | quote }}
            limits:
              memory: {{ get ${sizeDict(LOCAL_SIZES.memoryLimit)} $spec.size | quote }}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
          volumeMounts:
            - name: data
              mountPath: /var/lib/postgresql/data
            - name: run
              mountPath: /var/run/postgresql
      volumes:
        - name: run
          emptyDir: {}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: {{ int $spec.storageGB }}Gi`

export function localComposition(): KubeObject {
  return renderComposition('local', RESOURCES)
}

/**
 * Crossplane's own ServiceAccount may manage Secrets, Services and Deployments but not
 * StatefulSets; a ClusterRole with this label is aggregated into its role
 * (crossplane/crossplane@v2.3.4 cluster/charts/crossplane/templates/clusterrole.yaml).
 */
export function localRbac(): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'kindling:crossplane:statefulsets', labels: { 'rbac.crossplane.io/aggregate-to-crossplane': 'true' } },
    rules: [{ apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }],
  }
}
