import { describe, expect, it } from 'vitest'
import { createClusterCommand, deleteClusterCommand, kindNodeNames, listKindClusters } from '../../../bootstrap/tools/kind.js'
import { RecordingRunner } from '../../../bootstrap/tools/recording-runner.js'
import { formatCommand } from '../../../bootstrap/tools/runner.js'

describe('kind wrapper', () => {
  it('creates a cluster with the config on stdin and without waiting inside kind', () => {
    const command = createClusterCommand('lab', 'kind: Cluster\n')
    expect(formatCommand(command)).toBe('kind create cluster --name lab --config - --wait 0s < <stdin>')
    expect(command.input).toBe('kind: Cluster\n')
    expect(command.readOnly).toBeFalsy()
  })

  it('deletes exactly the named cluster', () => {
    expect(formatCommand(deleteClusterCommand('lab'))).toBe('kind delete cluster --name lab')
  })

  it('lists clusters, and none when kind says there are none', async () => {
    expect(await listKindClusters(new RecordingRunner([{ match: 'kind get clusters', stdout: 'lab\nother\n' }]))).toEqual(['lab', 'other'])
    expect(await listKindClusters(new RecordingRunner([{ match: 'kind get clusters', stdout: 'No kind clusters found.\n' }]))).toEqual([])
  })

  it('names nodes as kind does', () => {
    expect(kindNodeNames('lab', 1, 2)).toEqual(['lab-control-plane', 'lab-worker', 'lab-worker2'])
  })
})
