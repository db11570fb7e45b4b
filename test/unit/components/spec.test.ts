import { describe, expect, it } from 'vitest'
import { BadInputError } from '../../../bootstrap/engine/errors.js'
import { crossplaneSpec } from './support.js'

function problemsOf(crossplane: string): string[] {
  try {
    crossplaneSpec(crossplane)
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError)
    return (error as BadInputError).details
  }
  throw new Error('expected the spec to be rejected')
}

describe('spec: components.crossplane', () => {
  it('keeps every cloud off and postgres on by default, with documented Secret names', () => {
    const { crossplane } = crossplaneSpec().components
    expect(crossplane.postgres).toEqual({ enabled: true })
    expect(crossplane.clouds).toEqual({
      azure: { enabled: false, credentialsSecret: 'azure-credentials' },
      gcp: { enabled: false, credentialsSecret: 'gcp-credentials' },
      hetzner: { enabled: false, credentialsSecret: 'hetzner-credentials' },
    })
  })

  it('asks for the project when gcp is on without one, and says how to find it', () => {
    const problems = problemsOf('clouds:\n  gcp: { enabled: true }')
    expect(problems).toEqual([
      expect.stringMatching(/spec\.components\.crossplane\.clouds\.gcp\.projectID: is required when gcp is enabled: .*gcloud config get-value project/),
    ])
  })

  it('refuses a cloud while Crossplane itself is off', () => {
    expect(problemsOf('enabled: false\nclouds:\n  hetzner: { enabled: true }')).toEqual([
      expect.stringContaining('clouds.hetzner.enabled: needs Crossplane: set components.crossplane.enabled to true, or turn hetzner off'),
    ])
  })

  it('refuses an extra provider that takes the name of one kindling installs', () => {
    const problems = problemsOf('providers:\n  - name: provider-helm\n    package: xpkg.crossplane.io/crossplane-contrib/provider-helm:v1.0.0')
    expect(problems).toEqual([expect.stringContaining('providers[0].name: provider-helm is installed by kindling already')])
  })

  it('rejects a credentials Secret name Kubernetes would refuse', () => {
    expect(problemsOf('clouds:\n  azure: { enabled: true, credentialsSecret: Azure_Creds }')).toEqual([expect.stringContaining('must be a Secret name')])
  })
})
