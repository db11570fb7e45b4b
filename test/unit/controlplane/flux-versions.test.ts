import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DEFAULTS } from '../../../bootstrap/spec/defaults.js'
import { pinnedVersion } from '../../integration/harness/flux.js'

const goMod = (name: string): string => readFileSync(fileURLToPath(new URL(`../../controlplane/go/${name}/go.mod`, import.meta.url)), 'utf8')

describe('the Flux controllers the integration tests build', () => {
  it('are those of the Flux version kindling pins (versions.env FLUX_VERSION = DEFAULTS.gitops.flux.version)', () => {
    expect(pinnedVersion('FLUX_VERSION')).toBe(`v${DEFAULTS.gitops.flux.version.replace(/^v/, '')}`)
  })

  it('are required at the versions.env versions by their wrapper modules', () => {
    expect(goMod('flux-source-controller')).toMatch(
      new RegExp(`^\\s*github\\.com/fluxcd/source-controller ${pinnedVersion('FLUX_SOURCE_CONTROLLER_VERSION')}\\b`, 'm'),
    )
    expect(goMod('flux-kustomize-controller')).toMatch(
      new RegExp(`^\\s*github\\.com/fluxcd/kustomize-controller ${pinnedVersion('FLUX_KUSTOMIZE_CONTROLLER_VERSION')}\\b`, 'm'),
    )
  })
})
